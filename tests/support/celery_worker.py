"""Real Celery workers and brokers for tests: separate processes, real transports.

``start_worker`` runs ``celery worker`` in its own process against the test database
(the transaction=True tests commit, so the worker sees their rows). ``private_redis``
starts a redis-server of the test's own on a free port, so a test can stop and start
"the broker" without touching the machine's shared Redis.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run created (test_<name>), on the same server:
    the one of DATABASE_URL, or the embedded one, reached through its socket folder."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += f":{quote(db['PASSWORD'], safe='')}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    if host.startswith("/"):  # a Unix socket folder: django-environ reads it from the quoted path
        return f"postgres://{auth}@:{port}/{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def start_worker(*, broker_url: str | None = None):
    """A `celery worker` process (solo pool: tasks run in the process whose pid we know)."""
    broker_url = broker_url or celery_app.conf.broker_url
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "DEBITOR_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    log_file = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable, "-m", "celery", "--app", "config", "worker",
        "--pool", "solo", "--loglevel", "INFO", "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)  # noqa: S603
    worker = Worker(process, Path(log_file.name))
    try:
        wait_for(lambda: "ready." in worker.log() or process.poll() is not None, timeout=60, what="the worker to start")
        assert process.poll() is None, f"worker exited early:\n{worker.log()}"
        yield worker
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


class PrivateRedis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
            return False

        wait_for(answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def private_redis():
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process's Celery app publish to another broker, as production would."""
    # Celery prefers the CELERY_BROKER_URL environment variable over conf.broker_url,
    # but takes conf.broker_write_url (used for publishing) as given.
    saved = (celery_app.conf.get("broker_write_url"), celery_app.conf.broker_transport_options)

    def reset_pools() -> None:
        celery_app.close()  # drops the cached connection pool
        celery_app.amqp._producer_pool = None  # and the producer pool built on it

    celery_app.conf.broker_write_url = broker_url
    celery_app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_write_url, celery_app.conf.broker_transport_options = saved
        reset_pools()
