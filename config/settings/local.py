"""The quick start (`make run`) and development: DEBUG on, embedded defaults."""

from .base import *  # noqa: F403
from .base import DATABASE_URL, VAR_DIR, database_settings, env

DEBUG = env.bool("DEBUG", default=True)
if not DATABASE_URL:
    DATABASES = {"default": database_settings("", var_dir=VAR_DIR)}  # the embedded server
