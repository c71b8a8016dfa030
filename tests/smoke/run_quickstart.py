"""Smoke test of the README's `make run`: start it, use it, stop it cleanly.

Runs the quick start exactly as a new user would (the embedded PostgreSQL server and the
filesystem broker, nothing configured), in a scratch DEBITOR_VAR_DIR, on a free port:
`make run` says where the database lives and how to connect with psql, every URL in
tests/smoke/urls.py answers, a job enqueued through the API is run by the worker, the demo
bank statement is matched, beat's sweeper runs on the worker, and Ctrl-C stops all three
processes (the worker with a warm shutdown, no traceback). It also checks that `make run` prints the
URL with the port it serves and that the first page and its stylesheet answer without a collectstatic
step, and prints how long that took. The embedded server (left running by design) is stopped at the end.

    .venv/bin/python tests/smoke/run_quickstart.py
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.smoke.urls import API_CALLS, PUBLIC_URLS, STAFF_URLS  # noqa: E402

DEMO_USER, DEMO_PASSWORD = "manager", "debitor-demo"
STARTUP_TIMEOUT = 240  # includes installing into .venv on a fresh clone
CLEARED_ENV = ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "DEBITOR_REQUIRE_SERVICES")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Session:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=15) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def login(self) -> None:
        status, _ = self.request("GET", "/admin/login/")
        assert status == 200, f"login page answered {status}"
        form = urllib.parse.urlencode(
            {
                "username": DEMO_USER,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
                "next": "/admin/",
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + "/admin/login/"}
        status, _ = self.request("POST", "/admin/login/", form, headers)
        assert self.cookie("sessionid"), f"login as {DEMO_USER} failed (status {status})"

    def api(self, method: str, path: str, body=None):
        headers = {"Accept": "application/json", "X-CSRFToken": self.cookie("csrftoken"), "Referer": self.base + "/"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, raw = self.request(method, path, data, headers)
        return status, (json.loads(raw) if raw else None)


def wait_until(predicate, timeout: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"make run exited ({process.returncode}) while waiting for {what}")
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


def check_documents(session: Session, process: subprocess.Popen) -> list[str]:
    """The demo's invoices issued through the services get their PDF/A-3 and XRechnung from the worker."""
    status, page = session.api("GET", "/api/v1/invoices/?status=issued&ordering=-id&page_size=20")
    if status != 200:
        return [f"GET issued invoices answered {status}"]
    # The generator's history has no documents (state null); the demo's own invoices do.
    rows = [row for row in page["results"] if row["documents"]["state"] is not None]
    if not rows:
        return ["no demo invoice has documents scheduled"]

    def documents_settled():
        states = []
        for row in rows:
            _status, invoice = session.api("GET", f"/api/v1/invoices/{row['id']}/")
            states.append(invoice["documents"])
        return states if all(d["state"] in ("ready", "invalid") for d in states) else None

    documents = wait_until(documents_settled, 120, "the worker to create the demo invoices' documents", process)
    failures = []
    kinds = set()
    for row, docs in zip(rows, documents, strict=True):
        print(f"smoke: {row['number']} documents {docs['state']} {[f['kind'] for f in docs['files']]}", flush=True)
        if docs["state"] != "ready":
            failures.append(f"{row['number']}: documents {docs['state']}: {docs['summary']}")
        for file in docs["files"]:
            kinds.add(file["kind"])
            path = file["url"].split("://", 1)[-1].split("/", 1)[1]
            status, body = session.request("GET", "/" + path)
            if status != 200 or body[:5] not in (b"%PDF-", b"<?xml"):
                failures.append(f"GET /{path} answered {status}")
    if not {"pdf", "facturx", "xrechnung"} <= kinds:
        failures.append(f"expected a PDF, a Factur-X and an XRechnung among the demo documents, got {sorted(kinds)}")
    return failures


def check_messages(session: Session, process: subprocess.Popen) -> list[str]:
    """The demo invoices go out by e-mail (make run writes them to var/mail/) exactly once."""

    def sent_messages():
        status, page = session.api("GET", "/api/v1/messages/?template=invoice")
        if status != 200:
            return None
        rows = page["results"]
        return rows if rows and all(row["status"] in ("sent", "failed") for row in rows) else None

    rows = wait_until(sent_messages, 120, "the worker to send the demo invoices by e-mail", process)
    for row in rows:
        print(f"smoke: message {row['id']} {row['template']} {row['status']} to {row['to']}", flush=True)
    failures = [
        f"message {row['id']} ended {row['status']}: {row['last_error']}" for row in rows if row["status"] != "sent"
    ]
    invoices = [row["invoice"] for row in rows]
    if len(invoices) != len(set(invoices)):
        failures.append(f"an invoice was e-mailed more than once: {invoices}")
    return failures


def check_bank_statement(session: Session) -> list[str]:
    """The demo's bank statement was imported and matched while the demo loaded: its credit lines
    are partly applied automatically, partly waiting for review with suggestions."""
    status, page = session.api("GET", "/api/v1/bank-statements/?kind=statement&page_size=50")
    if status != 200:
        return [f"GET bank statements answered {status}"]
    demo = [row for row in page["results"] if str(row.get("statement_id", "")).startswith("DEMO-")]
    if not demo:
        return ["the demo bank statement was not imported"]
    failures = []
    for match_status in ("matched", "review"):
        status, lines = session.api("GET", f"/api/v1/bank-statement-lines/?credit=true&match_status={match_status}")
        count = lines["count"] if status == 200 else None
        print(f"smoke: demo bank statement credit lines {match_status}: {count}", flush=True)
        if not count:
            failures.append(f"no {match_status} credit lines of the demo bank statement (status {status})")
        elif match_status == "review" and not any(row["matches"] for row in lines["results"]):
            failures.append("no demo bank line in review has suggestions")
    return failures


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var_dir = tempfile.mkdtemp(prefix="debitor-smoke-")
    log_path = Path(var_dir) / "make-run.log"
    env = {key: value for key, value in os.environ.items() if key not in CLEARED_ENV}
    env["DEBITOR_VAR_DIR"] = var_dir
    print(f"smoke: make run PORT={port} (log: {log_path})", flush=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603
            ["make", "run", f"PORT={port}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = time.monotonic()
    session = Session(base)
    failures = []
    try:

        def answers() -> bool:
            try:
                return session.request("GET", "/healthz")[0] == 200
            except OSError:
                return False

        wait_until(answers, STARTUP_TIMEOUT, "the web server", process)
        print(f"smoke: web answered after {time.monotonic() - started:.0f}s", flush=True)
        # The first page as a newcomer sees it: the login page and its stylesheet, served without
        # a collectstatic step (local settings serve the apps' static folders).
        status, _ = session.request("GET", "/admin/login/")
        css_status, _ = session.request("GET", "/static/admin/css/base.css")
        print(f"smoke: first page (login and its CSS) after {time.monotonic() - started:.0f}s", flush=True)
        if (status, css_status) != (200, 200):
            failures.append(f"login page answered {status}, its stylesheet {css_status}")
        ready = f"Debitor is ready: http://127.0.0.1:{port}/admin/"
        if ready not in log_path.read_text():
            failures.append(f"make run did not print {ready!r} (the URL with the port it serves)")

        for path in PUBLIC_URLS:
            status, _ = session.request("GET", path)
            print(f"smoke: GET {path} -> {status}", flush=True)
            if status != 200:
                failures.append(f"GET {path} answered {status}")

        session.login()
        for path in STAFF_URLS:
            status, _ = session.request("GET", path)
            print(f"smoke: GET {path} (as {DEMO_USER}) -> {status}", flush=True)
            if status != 200:
                failures.append(f"GET {path} answered {status}")

        for method, path, body, expected in API_CALLS:
            status, payload = session.api(method, path, body)
            print(f"smoke: {method} {path} -> {status}", flush=True)
            if status != expected:
                failures.append(f"{method} {path} answered {status}, expected {expected}: {payload}")
                continue
            if status == 202 and payload and "id" in payload:

                def job_done(job_id=payload["id"]):
                    job_status, job = session.api("GET", f"/api/v1/platform/jobs/{job_id}/")
                    return job if job_status == 200 and job["status"] in ("done", "failed") else None

                job = wait_until(job_done, 90, f"job {payload['id']} to finish", process)
                print(f"smoke: job {job['id']} ({job['kind']}) -> {job['status']} {job['result']}", flush=True)
                if job["status"] != "done":
                    failures.append(f"job {job['id']} ended {job['status']}: {job['last_error']}")

        failures += check_bank_statement(session)
        failures += check_documents(session, process)
        failures += check_messages(session, process)

        wait_until(
            lambda: re.search(r"Task core\.sweep_jobs\[[^\]]+\] succeeded", log_path.read_text()),
            90,
            "beat to send the job sweeper and the worker to run it",
            process,
        )
        print("smoke: beat sent core.sweep_jobs and the worker ran it", flush=True)
        if f"data in {Path(var_dir).resolve() / 'postgres'}" not in log_path.read_text() or "psql -h" not in (
            log_path.read_text()
        ):
            failures.append("make run did not print where the database lives and the psql command")
    finally:
        stop_started = time.monotonic()
        log_before_stop = len(log_path.read_text()) if log_path.exists() else 0
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            process.wait(timeout=30)
            print(f"smoke: stopped cleanly in {time.monotonic() - stop_started:.1f}s", flush=True)
        except subprocess.TimeoutExpired:
            failures.append("make run did not stop within 30s of Ctrl-C")
            os.killpg(process.pid, signal.SIGKILL)
        time.sleep(1)
        try:
            os.killpg(process.pid, 0)
            failures.append("processes of make run were still alive after it stopped")
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        # Ctrl-C stops each process cleanly: the worker finishes with a warm shutdown, nothing dies
        # with a traceback while stopping.
        stopping = log_path.read_text()[log_before_stop:]
        if "Warm shutdown" not in stopping:
            failures.append("the Celery worker did not report a warm shutdown after Ctrl-C")
        if "Traceback" in stopping:
            failures.append("a traceback was printed while make run stopped")
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "config.embedded_postgres", "stop", "--var-dir", var_dir], cwd=ROOT, check=False
        )
    if failures:
        print("smoke: FAILED\n  " + "\n  ".join(failures), flush=True)
        print(log_path.read_text()[-6000:])
        return 1
    print("smoke: passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
