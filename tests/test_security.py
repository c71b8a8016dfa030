"""Security settings: login throttling, password hashing, production hardening."""

from __future__ import annotations

import os
import runpy
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config.settings import base as base_settings

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
STRONG_PASSWORD = "A-long-passphrase-42"


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(64))


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- django-axes: five failures lock a user name from one address ------------------------


@pytest.fixture
def axes_on(settings):
    """Axes reads AXES_ENABLED on every login (axes.handlers.proxy), so a settings override works."""
    settings.AXES_ENABLED = True


def login(client: Client, username: str, password: str, **extra):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"}, **extra)


@pytest.mark.django_db
def test_five_failed_admin_logins_lock_out_that_user_name_from_that_address(axes_on, viewer):
    viewer.set_password(STRONG_PASSWORD)
    viewer.save()
    client = Client()
    statuses = [login(client, "viewer", "wrong password").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert statuses[:4] == [200] * 4  # the form again, with an error
    assert statuses[4] == 429  # the fifth failure locks

    response = login(client, "viewer", STRONG_PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_the_lockout_is_per_user_name_and_address(axes_on, viewer, accountant):
    for user in (viewer, accountant):
        user.set_password(STRONG_PASSWORD)
        user.save()
    for _ in range(5):
        login(Client(), "viewer", "wrong password")

    other_user = Client()
    assert login(other_user, "accountant", STRONG_PASSWORD).status_code == 302
    assert other_user.session[SESSION_KEY] == str(accountant.pk)

    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert login(other_address, "viewer", STRONG_PASSWORD).status_code == 302
    assert other_address.session[SESSION_KEY] == str(viewer.pk)


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(axes_on, viewer):
    viewer.set_password(STRONG_PASSWORD)
    viewer.save()
    client = Client()
    for attempt in range(5):
        login(client, "viewer", "wrong password", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    response = login(client, "viewer", STRONG_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_without_failures_the_right_password_logs_in_with_axes_on(axes_on, viewer):
    viewer.set_password(STRONG_PASSWORD)
    viewer.save()
    client = Client()
    assert login(client, "viewer", STRONG_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(viewer.pk)


# --- Passwords -----------------------------------------------------------------------------


def test_argon2_is_the_first_password_hasher_and_works():
    assert base_settings.PASSWORD_HASHERS[0] == ARGON2
    # argon2-cffi is installed: the hasher encodes and verifies.
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("correct horse", hasher.salt())
    assert encoded.startswith("argon2$")
    assert hasher.verify("correct horse", encoded)
    assert not hasher.verify("wrong horse", encoded)


def test_a_real_environment_stores_new_passwords_with_argon2():
    code = (
        "import django; django.setup();"
        "from django.contrib.auth.hashers import make_password;"
        "print(make_password('correct horse').split('$')[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "argon2"


# --- Production settings -------------------------------------------------------------------


PRODUCTION_DATABASE_URL = "postgres://debitor@db.example.com:5432/debitor"  # never connected to here


def production_settings(monkeypatch, **env) -> dict:
    """config.settings.production executed afresh with ``env`` (None removes a variable)."""
    env.setdefault("DATABASE_URL", PRODUCTION_DATABASE_URL)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_module("config.settings.production")


def test_production_check_deploy_passes_with_a_random_secret_key_and_allowed_hosts():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=PRODUCTION_DATABASE_URL,
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="debitor.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_the_insecure_default_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        production_settings(
            monkeypatch, SECRET_KEY=base_settings.INSECURE_DEFAULT_SECRET_KEY, ALLOWED_HOSTS="debitor.example.com"
        )


@pytest.mark.parametrize("secret_key", [None, "", "too-short-to-be-random"])
def test_production_settings_refuse_a_missing_or_short_secret_key(secret_key, monkeypatch):
    with pytest.raises(ImproperlyConfigured):
        production_settings(monkeypatch, SECRET_KEY=secret_key, ALLOWED_HOSTS="debitor.example.com")


def test_production_settings_need_a_database_url_and_never_start_the_embedded_server(monkeypatch, tmp_path):
    monkeypatch.setenv("DEBITOR_VAR_DIR", str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        production_settings(
            monkeypatch, DATABASE_URL=None, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="debitor.example.com"
        )
    assert not (tmp_path / "postgres").exists()


@pytest.mark.parametrize("url", ["sqlite:///var/db.sqlite3", "mysql://debitor@db.example.com/debitor"])
def test_a_database_url_that_is_not_postgresql_is_refused(url, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        production_settings(monkeypatch, DATABASE_URL=url, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="x.example")


def test_production_settings_need_allowed_hosts(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        production_settings(monkeypatch, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS=None)


def test_production_settings_send_cookies_over_https_only_and_set_hsts(monkeypatch):
    prod = production_settings(monkeypatch, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="debitor.example.com")
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert prod["ALLOWED_HOSTS"] == ["debitor.example.com"]
    assert prod["PASSWORD_HASHERS"][0] == ARGON2


# --- Cache -------------------------------------------------------------------------------------


def test_the_default_cache_is_per_process_memory():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_caches_in_the_brokers_redis_one_database_up_unless_cache_url_says_otherwise(monkeypatch):
    prod = production_settings(monkeypatch, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="debitor.example.com")
    location = prod["redis_cache_location"]

    assert location(cache_url="", broker_url="redis://:s3cret@redis:6379/0") == "redis://:s3cret@redis:6379/1"
    assert location(cache_url="", broker_url="rediss://redis.internal:6380") == "rediss://redis.internal:6380/1"
    assert location(cache_url="redis://cache:6379/4", broker_url="redis://redis:6379/0") == "redis://cache:6379/4"
    assert location(cache_url="", broker_url="filesystem://localhost//") == ""  # stays per process
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        location(cache_url="memcached://cache:11211", broker_url="redis://redis:6379/0")
    with pytest.raises(ImproperlyConfigured, match="set CACHE_URL"):
        location(cache_url="", broker_url="redis://redis:6379/15")


def test_production_settings_use_redis_for_the_cache_when_cache_url_is_set(monkeypatch):
    prod = production_settings(
        monkeypatch, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="debitor.example.com", CACHE_URL="redis://c:6379/4"
    )
    cache = prod["CACHES"]["default"]
    assert (cache["BACKEND"], cache["LOCATION"]) == ("django.core.cache.backends.redis.RedisCache", "redis://c:6379/4")
    assert cache["OPTIONS"]["socket_timeout"] <= 2


def test_the_production_cache_settings_work_against_a_real_redis(require_redis, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    # This run's own Redis database (the broker's), so parallel runs do not meet.
    prod = production_settings(
        monkeypatch, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="debitor.example.com", CACHE_URL=require_redis
    )
    params = dict(prod["CACHES"]["default"])
    cache = RedisCache(params.pop("LOCATION"), {**params, "KEY_PREFIX": f"test-{secrets.token_hex(4)}"})
    try:
        cache.set("hits", 1, timeout=30)
        assert cache.incr("hits") == 2
    finally:
        cache.delete("hits")
        cache.close()
