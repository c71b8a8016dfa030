"""API keys: created by finance managers, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.api.problems import PROBLEM_CONTENT_TYPE
from core.api.scopes import ALL_SCOPES, AREAS, scopes_allow
from core.models import ApiKey, Job
from core.services import api_key_create

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/platform/jobs/"
PING = "/api/v1/platform/jobs/ping/"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def key_client(plaintext: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # the tests below read the English wording
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def new_key(manager, *scopes: str, **extra) -> tuple[ApiKey, str]:
    return api_key_create(name="ERP export", scopes=list(scopes), created_by=manager, **extra)


def raw_row(api_key: ApiKey) -> tuple:
    """The key's row exactly as the database holds it."""
    table = connection.ops.quote_name(ApiKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE prefix = %s", [api_key.prefix])
        rows = cursor.fetchall()
    assert len(rows) == 1
    return rows[0]


def assert_401(response, detail_part: str) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["WWW-Authenticate"] == "Api-Key"
    assert detail_part in json.loads(response.content)["detail"]


# --- Creation and storage ------------------------------------------------------------------


def test_creating_a_key_returns_the_plaintext_once_and_stores_only_its_hash(manager):
    api_key, plaintext = new_key(manager, "platform:read")

    prefix, _, secret = plaintext.partition(".")
    assert prefix == api_key.prefix and len(secret) >= 32
    row = raw_row(api_key)
    assert not any(secret in str(value) for value in row)
    assert not any(plaintext in str(value) for value in row)
    assert api_key.prefix in row  # the visible part identifies the key in lists and logs
    assert api_key.created_by == manager
    assert api_key.is_valid(plaintext) and not api_key.is_valid(plaintext + "x")


def test_scopes_are_stored_sorted_without_duplicates(manager):
    api_key, _ = new_key(manager, "tasks:write", "platform:read", "tasks:write")

    assert ApiKey.objects.get(pk=api_key.pk).scopes == ["platform:read", "tasks:write"]


@pytest.mark.parametrize(
    "scopes",
    [[], ["platform:admin"], ["billing:read"], ["platform"], ["platform:read", "PLATFORM:READ"]],
    ids=["none", "unknown-level", "unknown-area", "no-level", "wrong-case"],
)
def test_a_key_needs_at_least_one_known_scope(manager, scopes):
    with pytest.raises(ValidationError) as error:
        api_key_create(name="bad", scopes=scopes, created_by=manager)

    assert "scopes" in error.value.message_dict
    assert not ApiKey.objects.exists()


def test_every_known_scope_can_be_granted(manager):
    api_key, _ = api_key_create(name="all", scopes=list(ALL_SCOPES), created_by=manager)

    assert len(api_key.scopes) == 2 * len(AREAS)
    assert {"invoicing:write", "payments:read", "platform:write"} <= set(api_key.scopes)


@pytest.mark.parametrize(
    ("scopes", "write", "allowed"),
    [
        (["platform:read"], False, True),
        (["platform:read"], True, False),
        (["platform:write"], False, True),  # write implies read
        (["platform:write"], True, True),
        (["tasks:write"], False, False),
        (["tasks:write", "platform:read"], True, False),
        ([], False, False),
    ],
)
def test_scopes_allow_read_with_read_or_write_and_write_only_with_write(scopes, write, allowed):
    assert scopes_allow(scopes, area="platform", write=write) is allowed


def test_no_plaintext_drf_tokens_exist():
    assert not apps.is_installed("rest_framework.authtoken")
    authentication = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert not any("Token" in name for name in authentication)

    assert_401(APIClient().get(JOBS, HTTP_AUTHORIZATION="Token abcdef"), "")


# --- Using a key ---------------------------------------------------------------------------


def test_a_key_authenticates_as_itself_with_its_scopes(manager):
    api_key, plaintext = new_key(manager, "tasks:read")

    response = key_client(plaintext).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["kind"] == "api_key"
    assert response.json()["scopes"] == ["tasks:read"]
    assert response.json()["role"] is None
    assert api_key.prefix in response.json()["principal"]


def test_a_read_scope_lists_but_may_not_write(manager):
    _, plaintext = new_key(manager, "platform:read")
    client = key_client(plaintext)

    assert client.get(JOBS).status_code == 200
    response = client.post(PING)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "platform:write" in response.json()["detail"]
    assert not Job.objects.exists()


def test_a_write_scope_may_read_and_write(manager):
    _, plaintext = new_key(manager, "platform:write")
    client = key_client(plaintext)

    assert client.get(JOBS).status_code == 200
    response = client.post(PING)

    assert response.status_code == 202
    job = Job.objects.get()
    assert job.created_by is None  # a key is no user


def test_a_key_without_the_area_gets_a_403_naming_the_missing_scope(manager):
    _, plaintext = new_key(manager, "tasks:write")
    client = key_client(plaintext)

    response = client.get(JOBS)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "platform:read" in response.json()["detail"]
    assert client.get("/api/v1/tasks/").status_code == 200


def test_an_expired_key_is_refused_with_401(manager):
    with time_machine.travel(T0, tick=False):
        _, plaintext = new_key(manager, "platform:read", expiry_date=T0 + timedelta(days=1))
        assert key_client(plaintext).get(JOBS).status_code == 200

    with time_machine.travel(T0 + timedelta(days=1, seconds=1), tick=False):
        assert_401(key_client(plaintext).get(JOBS), "expired")


def test_a_revoked_key_is_refused_with_401(manager):
    api_key, plaintext = new_key(manager, "platform:read")
    assert key_client(plaintext).get(JOBS).status_code == 200

    api_key.revoked = True
    api_key.save()

    assert_401(key_client(plaintext).get(JOBS), "unknown or revoked")


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key ",
        "Api-Key nodot",
        "Api-Key abcdefgh.wrongsecretwrongsecretwrongsecr",
        "Api-Key {prefix}.wrongsecretwrongsecretwrongsecr",
        "Api-Key {prefix}.",
        "Api-Key {plaintext}x",
        "Api-Key {prefix}\x00.abc",  # a NUL reached PostgreSQL and answered 500
        "Api-Key {plaintext} extra",
        "Api-Key ÄÖÜ.ß",
    ],
)
def test_a_wrong_or_malformed_key_is_refused_with_401(manager, header):
    api_key, plaintext = new_key(manager, "platform:read")

    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(
        JOBS, HTTP_AUTHORIZATION=header.format(prefix=api_key.prefix, plaintext=plaintext)
    )

    assert_401(response, "unknown or revoked")


def test_last_used_is_written_at_most_once_a_minute(manager):
    api_key, plaintext = new_key(manager, "platform:read")
    assert api_key.last_used_at is None

    with time_machine.travel(T0, tick=False):
        key_client(plaintext).get(JOBS)
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0

    with time_machine.travel(T0 + timedelta(seconds=59), tick=False), CaptureQueriesContext(connection) as queries:
        assert key_client(plaintext).get(JOBS).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0
    assert not [query for query in queries if query["sql"].lstrip().upper().startswith("UPDATE")]

    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        key_client(plaintext).get(JOBS)
    api_key.refresh_from_db()
    assert api_key.last_used_at == T0 + timedelta(seconds=61)


def test_a_refused_key_does_not_count_as_used(manager):
    api_key, plaintext = new_key(manager, "platform:read", expiry_date=T0)

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert key_client(plaintext).get(JOBS).status_code == 401

    api_key.refresh_from_db()
    assert api_key.last_used_at is None


# --- The admin form ------------------------------------------------------------------------

ADD_URL = "/admin/core/apikey/add/"
SHOWN_KEY = re.compile(r"\b([A-Za-z0-9]{8}\.[A-Za-z0-9]{32})\b")


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_finance_manager_creates_a_key_in_the_admin_and_sees_it_once(manager):
    client = admin_client(manager)
    assert client.get(ADD_URL).status_code == 200

    response = client.post(
        ADD_URL,
        {"name": "Bank sync", "scopes": ["payments:write", "tasks:read"], "expiry_date_0": "", "expiry_date_1": ""},
        follow=True,
    )

    assert response.status_code == 200
    shown = [SHOWN_KEY.search(str(message)) for message in response.context["messages"]]
    plaintexts = [match.group(1) for match in shown if match]
    assert len(plaintexts) == 1
    plaintext = plaintexts[0]
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.scopes, api_key.created_by) == (
        "Bank sync",
        ["payments:write", "tasks:read"],
        manager,
    )
    assert plaintext.startswith(api_key.prefix + ".")
    assert not any(plaintext.split(".")[1] in str(value) for value in raw_row(api_key))
    assert key_client(plaintext).get("/api/v1/tasks/").status_code == 200

    # Shown once: neither the change page nor the list shows the secret again.
    change_page = client.get(f"/admin/core/apikey/{api_key.pk}/change/")
    list_page = client.get("/admin/core/apikey/")
    assert change_page.status_code == 200 and list_page.status_code == 200
    secret = plaintext.split(".")[1]
    assert secret not in change_page.content.decode() and secret not in list_page.content.decode()
    assert api_key.prefix in list_page.content.decode()


def test_the_admin_form_refuses_a_key_without_scopes(manager):
    response = admin_client(manager).post(ADD_URL, {"name": "No scopes", "expiry_date_0": "", "expiry_date_1": ""})

    assert response.status_code == 200
    assert "scopes" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_an_accountant_may_not_create_keys_in_the_admin(accountant):
    client = admin_client(accountant)

    assert client.get(ADD_URL).status_code == 403
    response = client.post(ADD_URL, {"name": "Sneaky", "scopes": ["platform:write"]})

    assert response.status_code == 403
    assert not ApiKey.objects.exists()
