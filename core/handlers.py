"""Job handlers of the platform itself."""

import os
import socket

from .jobs import job_handler


@job_handler("core.ping")
def ping() -> dict:
    """No-op that proves a worker picked the job up (records which process did)."""
    return {"host": socket.gethostname(), "pid": os.getpid()}
