"""pytest: PostgreSQL when DATABASE_URL points at one, SQLite otherwise.

The SQLite test database is a file (not :memory:) so a Celery worker started by a test
in its own process sees the same data.
"""

import uuid

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)  # the lockout test turns it on
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
# Each run publishes to its own queue so a worker started by a test never takes
# messages left in a shared broker by another run.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default=f"debitor-test-{uuid.uuid4().hex[:8]}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
