"""Gunicorn settings for `make run` and the container: one command, bound by environment."""

import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
graceful_timeout = 10


def when_ready(server):
    """Say where Debitor answers, with the port actually bound (``make run PORT=…``, a container)."""
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only the printed URL
        print(f"Debitor is ready: http://{shown}:{port}/admin/ (API docs: http://{shown}:{port}/api/docs/)", flush=True)  # noqa: T201
