"""The quick start (`make run`) and development: DEBUG on, embedded defaults."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
