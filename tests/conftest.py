"""Shared fixtures: users per role, API clients, service availability.

Services: the database is always PostgreSQL (DATABASE_URL's server or the embedded one).
A test that needs Redis as the broker asks for it through ``require_redis``. Locally a
missing Redis skips with the reason; in CI (``DEBITOR_REQUIRE_SERVICES=1``, set by .ci/run)
it fails, because a skip there would hide an untested behaviour.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from core.roles import Role

# CI explores the same examples on every run, so a red build is reproducible and never flaky;
# local runs (dev) draw new examples each time and find new cases.
hypothesis_settings.register_profile("ci", deadline=None, max_examples=100, print_blob=True, derandomize=True)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=50)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SERVICES_REQUIRED = os.environ.get("DEBITOR_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    if SERVICES_REQUIRED:
        pytest.fail(f"CI requires this service: {reason}")
    pytest.skip(reason)


def redis_url_from_env() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else None


@pytest.fixture
def require_redis() -> str:
    url = redis_url_from_env()
    if url is None:
        missing_service("needs Redis as the Celery broker; set CELERY_BROKER_URL=redis://...")
    return url


def make_user(django_user_model, username: str, role: Role | None, **extra):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.group_name))
    return user


@pytest.fixture
def viewer(django_user_model):
    return make_user(django_user_model, "viewer", Role.FINANCE_VIEWER)


@pytest.fixture
def accountant(django_user_model):
    return make_user(django_user_model, "accountant", Role.ACCOUNTANT)


@pytest.fixture
def manager(django_user_model):
    return make_user(django_user_model, "manager", Role.FINANCE_MANAGER)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
