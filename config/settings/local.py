"""The quick start (`make run`) and development: DEBUG on, embedded defaults."""

from .base import *  # noqa: F403
from .base import DATABASE_URL, VAR_DIR, database_settings, env

DEBUG = env.bool("DEBUG", default=True)
if not DATABASE_URL:
    DATABASES = {"default": database_settings("", var_dir=VAR_DIR)}  # the embedded server

# Static files straight from the apps' folders (WhiteNoise's finders), so `make run` needs no
# collectstatic step (47 s on a busy 2-core machine); changed files are picked up while it runs.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
