"""pytest: pytest-django creates ``test_<name>`` on the server of DATABASE_URL, or on the
embedded server under var/ when it is unset (``test_debitor``)."""

import uuid

from .base import *  # noqa: F403
from .base import DATABASE_URL, VAR_DIR, database_settings, env

DEBUG = False
if not DATABASE_URL:
    DATABASES = {"default": database_settings("", var_dir=VAR_DIR)}  # the embedded server
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)  # the lockout test turns it on
# Each run publishes to its own queue so a worker started by a test never takes
# messages left in a shared broker by another run.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default=f"debitor-test-{uuid.uuid4().hex[:8]}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A lock taken against core.locks.LOCK_ORDER fails the test instead of deadlocking later.
DEBITOR_LOCK_ORDER_CHECK = True
