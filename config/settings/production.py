"""Production: everything sensitive must come from the environment; HTTPS only."""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    CELERY_BROKER_URL,
    INSECURE_DEFAULT_SECRET_KEY,
    REDIS_BROKER_TRANSPORT_OPTIONS,
    database_settings,
    env,
)

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Never the embedded server under var/ (development only): production data lives on a real server.
_database_url = env.str("DATABASE_URL", default="")
if not _database_url:
    raise ImproperlyConfigured("DATABASE_URL must name the production PostgreSQL server (15 to 18).")
DATABASES = {"default": database_settings(_database_url)}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come from the container runtime over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"


def redis_cache_location(*, cache_url: str, broker_url: str) -> str:
    """The Redis URL of the shared cache: ``CACHE_URL``, else the broker's Redis server with
    the next database number (broker ``/0`` -> cache ``/1``), else "" (no Redis configured).
    """
    if cache_url:
        if urlsplit(cache_url).scheme not in {"redis", "rediss"}:
            raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, not {cache_url!r}.")
        return cache_url
    parts = urlsplit(broker_url)
    if parts.scheme not in {"redis", "rediss"}:
        return ""
    broker_db = int(parts.path.strip("/") or 0)
    if broker_db >= 15:
        raise ImproperlyConfigured(f"The broker uses Redis database {broker_db}; set CACHE_URL for the cache.")
    return urlunsplit(parts._replace(path=f"/{broker_db + 1}"))


# A shared cache, so that limits counted in it (rate limits) hold across processes. Without any
# Redis (a single machine on the filesystem broker, or `make check-deploy`) it stays per process.
_cache_location = redis_cache_location(cache_url=env.str("CACHE_URL", default=""), broker_url=CELERY_BROKER_URL)
if _cache_location:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_location,
            # Bounded like the broker: a hung Redis must not hang a request.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"],
                "socket_timeout": REDIS_BROKER_TRANSPORT_OPTIONS["socket_timeout"],
            },
        }
    }
