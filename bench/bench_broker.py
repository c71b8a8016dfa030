"""What the embedded default's broker (kombu's filesystem transport) costs against Redis.

    .venv/bin/python bench/bench_broker.py --redis redis://127.0.0.1:6379/0 [--jobs 500] [--pings 20]

For each broker, in the same run: a `celery worker` process (solo pool, as the tests start it)
runs a trivial task that appends the time it ran to a file. Reports:
- latency:    publish one task, wait until it has run; median and 90th percentile of ``--pings``.
- throughput: publish ``--jobs`` tasks at once, time until the last has run.
The filesystem transport is configured as settings configure it (folders under a scratch
DEBITOR_VAR_DIR, kombu's default polling interval); no Django, no database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery

BROKER = os.environ.get("BENCH_BROKER", "memory://")
FOLDER = Path(os.environ.get("BENCH_FOLDER", tempfile.gettempdir()))
QUEUE = "debitor-bench-broker"


def client_for(broker: str, folder: Path) -> Celery:
    """A Celery app on ``broker``; the filesystem transport set up as config/settings/base.py does."""
    client = Celery("bench_broker", broker=broker)
    client.conf.task_default_queue = QUEUE
    client.conf.worker_hijack_root_logger = False
    if broker.startswith("filesystem://"):
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        client.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        client.conf.worker_enable_remote_control = False
    return client


app = client_for(BROKER, FOLDER)  # the worker's (celery --app bench_broker)


@app.task(name="bench.stamp")
def stamp(path: str) -> None:
    with open(path, "a") as out:
        out.write(f"{time.time()}\n")


def ran(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def wait_until(path: Path, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while ran(path) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {count} tasks in {path}")
        time.sleep(0.002)


def measure(broker: str, *, pings: int, jobs: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    env = {**os.environ, "BENCH_BROKER": broker, "BENCH_FOLDER": str(folder)}
    command = [
        sys.executable, "-m", "celery", "--app", "bench_broker", "worker", "--pool", "solo", "--loglevel", "WARNING",
        "-Q", QUEUE, "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=Path(__file__).parent, env=env)  # noqa: S603
    try:
        client = client_for(broker, folder)  # this process publishes through its own app
        warmup = folder / "warmup.txt"
        client.send_task("bench.stamp", args=[str(warmup)])
        wait_until(warmup, 1, timeout=60)  # the worker is up

        latencies = []
        path = folder / "pings.txt"
        for i in range(pings):
            started = time.perf_counter()
            client.send_task("bench.stamp", args=[str(path)])
            wait_until(path, i + 1)
            latencies.append(time.perf_counter() - started)

        path = folder / "jobs.txt"
        started = time.perf_counter()
        for _ in range(jobs):
            client.send_task("bench.stamp", args=[str(path)])
        published = time.perf_counter() - started
        wait_until(path, jobs)
        total = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {
        "latency_median": statistics.median(latencies),
        "latency_p90": statistics.quantiles(latencies, n=10)[-1],
        "publish_each": published / jobs,
        "throughput": jobs / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True, help="redis://host:port/db to compare against")
    parser.add_argument("--pings", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=500)
    args = parser.parse_args()
    redis = measure(args.redis, pings=args.pings, jobs=args.jobs)
    filesystem = measure("filesystem://localhost//", pings=args.pings, jobs=args.jobs)
    print(f"pings={args.pings} jobs={args.jobs}")
    print(f"{'':24}{'redis':>12}{'filesystem':>14}{'ratio':>8}")
    for key, unit, scale in (
        ("latency_median", "ms", 1e3),
        ("latency_p90", "ms", 1e3),
        ("publish_each", "ms", 1e3),
        ("throughput", "jobs/s", 1),
    ):
        ratio = filesystem[key] / redis[key]
        print(f"{key + ' (' + unit + ')':24}{redis[key] * scale:12.2f}{filesystem[key] * scale:14.2f}{ratio:8.2f}")


if __name__ == "__main__":
    main()
