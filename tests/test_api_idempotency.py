"""``Idempotency-Key`` on POSTs that create things (the ping endpoint uses the mechanism)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection
from django_celery_beat.models import PeriodicTask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from core import services
from core.api.idempotency import idempotent
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import IdempotencyRecord, Job
from core.roles import Role
from core.tasks import purge_idempotency_records
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

PING = "/api/v1/platform/jobs/ping/"
T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def ping(client, key: str | None = "order-4711", body: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    if body is None:
        return client.post(PING, **headers)
    return client.post(PING, body, content_type="application/json", **headers)


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


@pytest.fixture
def other_manager(django_user_model):
    return make_user(django_user_model, "manager2", Role.FINANCE_MANAGER)


# --- Replays ------------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_first_response_and_creates_one_job(manager):
    client = client_for(manager)

    first = ping(client)
    second = ping(client)

    assert first.status_code == 202
    assert not first.has_header("Idempotent-Replayed")
    assert second.status_code == 202
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Job.objects.count() == 1
    assert Job.objects.get().pk == first.json()["id"]


def test_json_bodies_that_differ_only_in_key_order_are_the_same_request(manager):
    client = client_for(manager)

    first = ping(client, body='{"a": 1, "b": [1, 2]}')
    second = ping(client, body='{"b": [1, 2], "a": 1}')

    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Job.objects.count() == 1


def test_without_a_key_every_post_creates_again(manager):
    client = client_for(manager)

    ping(client, key=None)
    ping(client, key=None)

    assert Job.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_a_422_problem(manager):
    client = client_for(manager)
    ping(client, body='{"note": "first"}')

    body = problem_of(ping(client, body='{"note": "second"}'), 422)

    assert body["type"] == "https://debitor.dev/problems/idempotency-key-reused"
    assert "order-4711" in body["detail"]
    assert Job.objects.count() == 1


def test_the_same_key_while_the_first_request_is_still_running_is_a_409_problem(manager, monkeypatch):
    client = client_for(manager)
    original = services.job_enqueue
    inner_responses = []

    def enqueue_and_retry_meanwhile(**kwargs):
        # The client retries while its first request is still inside the handler.
        inner_responses.append(ping(client))
        return original(**kwargs)

    monkeypatch.setattr(services, "job_enqueue", enqueue_and_retry_meanwhile)

    first = ping(client)

    assert first.status_code == 202
    body = problem_of(inner_responses[0], 409)
    assert body["type"] == "https://debitor.dev/problems/idempotency-key-in-progress"
    assert Job.objects.count() == 1
    assert ping(client)["Idempotent-Replayed"] == "true"  # once finished, it replays


def test_a_stored_in_progress_record_answers_409_and_creates_nothing(manager):
    client = client_for(manager)
    first = ping(client)
    # What a request that is still running leaves in the table.
    IdempotencyRecord.objects.update(
        state=IdempotencyRecord.State.IN_PROGRESS, response_status=None, response_body=None
    )

    problem_of(ping(client), 409)

    assert list(Job.objects.values_list("pk", flat=True)) == [first.json()["id"]]


def test_an_in_progress_record_for_another_request_is_a_422_not_a_409(manager):
    IdempotencyRecord.objects.create(
        principal=f"user:{manager.pk}",
        key="order-4711",
        fingerprint="0" * 64,
        state=IdempotencyRecord.State.IN_PROGRESS,
        created_at=datetime.now(UTC),
    )

    problem_of(ping(client_for(manager)), 422)

    assert not Job.objects.exists()


def test_a_key_released_by_its_failing_holder_can_be_claimed_at_once(manager, monkeypatch):
    records = IdempotencyRecord.objects
    original_create = records.create
    collisions = []

    def collide_with_a_holder_that_then_fails(**kwargs):
        # Our insert loses to a concurrent holder of the key, which fails and deletes its
        # record before we read it (the interleaving a real race produces).
        if not collisions:
            collisions.append(kwargs["key"])
            raise IntegrityError("duplicate key value violates unique constraint")
        return original_create(**kwargs)

    monkeypatch.setattr(records, "create", collide_with_a_holder_that_then_fails)

    response = ping(client_for(manager))

    assert collisions == ["order-4711"]
    assert response.status_code == 202, response.content
    assert Job.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.State.COMPLETED


# --- Keys belong to their caller ------------------------------------------------------------


def test_two_users_may_use_the_same_key_independently(manager, other_manager):
    mine = ping(client_for(manager))
    theirs = ping(client_for(other_manager))

    assert mine.status_code == theirs.status_code == 202
    assert not theirs.has_header("Idempotent-Replayed")
    assert mine.json()["id"] != theirs.json()["id"]
    assert Job.objects.count() == 2


def test_an_api_key_and_a_user_may_use_the_same_key_independently(manager):
    _, plaintext = services.api_key_create(name="ERP", scopes=["platform:write"], created_by=manager)
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    by_user = ping(client_for(manager))
    by_key = ping(key_client)
    by_key_again = ping(key_client)

    assert by_user.status_code == by_key.status_code == 202
    assert by_key.json()["id"] != by_user.json()["id"]
    assert by_key_again["Idempotent-Replayed"] == "true"
    assert by_key_again.json() == by_key.json()
    assert Job.objects.count() == 2


# --- Retention -----------------------------------------------------------------------------


def test_a_key_is_remembered_for_24_hours_and_then_forgotten(manager):
    client = client_for(manager)
    with time_machine.travel(T0, tick=False):
        first = ping(client)

    with time_machine.travel(T0 + timedelta(hours=23, minutes=59), tick=False):
        assert ping(client)["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1

    with time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False):
        later = ping(client)
    assert later.status_code == 202
    assert not later.has_header("Idempotent-Replayed")
    assert later.json()["id"] != first.json()["id"]
    assert Job.objects.count() == 2


def test_purging_deletes_only_records_older_than_24_hours(manager):
    client = client_for(manager)
    with time_machine.travel(T0, tick=False):
        ping(client, key="old")
    with time_machine.travel(T0 + timedelta(hours=12), tick=False):
        ping(client, key="recent")

    assert services.idempotency_records_purge(as_of=T0 + timedelta(hours=23)) == 0
    deleted = services.idempotency_records_purge(as_of=T0 + timedelta(hours=24, seconds=1))

    assert deleted == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_the_beat_schedule_purges_every_hour(manager):
    schedule = PeriodicTask.objects.get(task="core.purge_idempotency_records")
    with time_machine.travel(T0, tick=False):
        ping(client_for(manager))

    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        assert purge_idempotency_records() == 1

    assert schedule.enabled
    assert (schedule.interval.every, schedule.interval.period) == (1, "hours")
    assert not IdempotencyRecord.objects.exists()


# --- Failures release the key ----------------------------------------------------------------


def test_a_request_that_fails_validation_releases_its_key(manager, monkeypatch):
    client = client_for(manager)
    original = services.job_enqueue
    calls = []

    def refuse_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise DjangoValidationError({"kind": "Workers are paused."})
        return original(**kwargs)

    monkeypatch.setattr(services, "job_enqueue", refuse_once)

    assert problem_of(ping(client), 400)["errors"][0]["field"] == "kind"
    assert not IdempotencyRecord.objects.exists()
    retried = ping(client)

    assert retried.status_code == 202
    assert not retried.has_header("Idempotent-Replayed")
    assert Job.objects.count() == 1


def test_a_request_that_crashes_releases_its_key(manager, monkeypatch):
    client = client_for(manager)
    original = services.job_enqueue

    def crash(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "job_enqueue", crash)
    problem_of(ping(client), 500)
    assert not IdempotencyRecord.objects.exists()

    monkeypatch.setattr(services, "job_enqueue", original)
    assert ping(client).status_code == 202
    assert Job.objects.count() == 1


class FlakyCreateView(viewsets.ViewSet):
    """A view answering 503 on its first call, as a handler whose dependency is down would."""

    api_area = "platform"
    calls = 0

    @idempotent
    def create(self, request):
        type(self).calls += 1
        if self.calls == 1:
            return Response({"detail": "try later"}, status=503)
        return Response({"call": self.calls}, status=201, headers={"Location": f"/things/{self.calls}/"})


def test_a_5xx_response_releases_the_key_and_a_success_keeps_its_location(manager):
    FlakyCreateView.calls = 0
    view = FlakyCreateView.as_view({"post": "create"})
    factory = APIRequestFactory()

    def post():
        request = factory.post("/api/v1/things/", {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
        force_authenticate(request, user=manager)
        return view(request)

    assert post().status_code == 503
    assert not IdempotencyRecord.objects.exists()
    created = post()
    replayed = post()

    assert (created.status_code, created.data) == (201, {"call": 2})
    assert (replayed.status_code, replayed.data) == (201, {"call": 2})
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed["Location"] == "/things/2/"
    assert FlakyCreateView.calls == 2


# --- The key itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["x" * 256, "   ", ""], ids=["too-long", "blank", "empty"])
def test_an_unusable_key_is_a_400_problem_naming_the_header(manager, key):
    body = problem_of(ping(client_for(manager), key=key), 400)

    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert not Job.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["order\x004711", "order\n4711", "\x7f"], ids=["nul", "newline", "del"])
def test_a_key_with_a_control_character_is_a_400_problem_not_a_500(manager, key):
    """PostgreSQL refuses a NUL in a text column: the claim answered 500."""
    body = problem_of(ping(client_for(manager), key=key), 400)

    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert not Job.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(max_size=300))
def test_any_key_answers_202_or_a_400_problem_never_a_500(manager, key):
    response = ping(client_for(manager), key=key)

    assert response.status_code in (202, 400), (key, response.status_code, response.content[:300])


def test_a_key_of_255_characters_is_accepted(manager):
    client = client_for(manager)

    assert ping(client, key="k" * 255).status_code == 202
    assert ping(client, key="k" * 255)["Idempotent-Replayed"] == "true"


def test_a_malformed_body_with_a_key_is_a_400_and_claims_nothing(manager):
    problem_of(ping(client_for(manager), body='{"oops":'), 400)

    assert not IdempotencyRecord.objects.exists()
    assert not Job.objects.exists()


def test_a_caller_without_the_role_is_refused_before_the_key_is_claimed(viewer):
    problem_of(ping(client_for(viewer)), 403)

    assert not IdempotencyRecord.objects.exists()


# --- Real concurrency (PostgreSQL) -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_exactly_one_job(django_user_model, monkeypatch):
    # An earlier transactional test may have flushed the groups the migration created.
    Group.objects.get_or_create(name=Role.FINANCE_MANAGER.group_name)
    manager = make_user(django_user_model, "racer", Role.FINANCE_MANAGER)
    original = services.job_enqueue

    def slow_enqueue(**kwargs):
        time.sleep(0.4)  # hold the key long enough for the other request to arrive
        return original(**kwargs)

    monkeypatch.setattr(services, "job_enqueue", slow_enqueue)
    monkeypatch.setattr(services, "job_dispatch", lambda **kwargs: True)  # no broker needed here
    start = threading.Barrier(2)
    responses = []

    def post_ping():
        try:
            client = client_for(manager)
            start.wait(timeout=5)
            responses.append(ping(client, key="concurrent"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post_ping) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)

    assert len(responses) == 2
    statuses = sorted(response.status_code for response in responses)
    assert statuses in ([202, 409], [202, 202]), [r.content for r in responses]
    if statuses == [202, 202]:
        assert [r.has_header("Idempotent-Replayed") for r in responses].count(True) == 1
        assert responses[0].json() == responses[1].json()
    assert Job.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.response_status) == (IdempotencyRecord.State.COMPLETED, 202)
