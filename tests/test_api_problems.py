"""Every API error is an RFC 9457 problem document, and bad input never answers 500."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions
from rest_framework.test import APIClient

from core import services
from core.api.problems import PROBLEM_CONTENT_TYPE, flatten_errors
from core.models import Job
from core.views import server_error
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/platform/jobs/"
TASKS = "/api/v1/tasks/"
PING = "/api/v1/platform/jobs/ping/"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response, status: int, *, instance: str | None = None) -> dict:
    """The response is a problem document with the given status; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status
    assert body["type"].startswith("https://debitor.dev/problems/")
    assert body["title"] and body["detail"]
    assert body["instance"] == (instance if instance is not None else response.wsgi_request.path)
    return body


def make_job(*, status: str = Job.Status.PENDING) -> Job:
    job = services.job_enqueue(kind="core.ping", as_of=timezone.now())
    if status != Job.Status.PENDING:
        Job.objects.filter(pk=job.pk).update(status=status)
        job.refresh_from_db()
    return job


def make_task(*, about: Job | None = None, status: str = FollowUpTask.Status.OPEN) -> FollowUpTask:
    about = about or make_job()
    task, _ = task_open_for_cause(kind="check", title="Look at this", about=about, rule="test", as_of=timezone.now())
    if status != FollowUpTask.Status.OPEN:
        FollowUpTask.objects.filter(pk=task.pk).update(status=status)
        task.refresh_from_db()
    return task


# --- The shape of a problem --------------------------------------------------------------


def test_a_field_error_is_a_400_problem_listing_pointer_field_code_and_message(accountant):
    task = make_task()
    url = f"{TASKS}{task.pk}/transition/"
    response = client_for(accountant).post(url, {"status": "bogus"}, format="json")

    body = assert_problem(response, 400, instance=url)
    assert body["type"] == "https://debitor.dev/problems/validation"
    (error,) = body["errors"]
    assert set(error) == {"pointer", "field", "code", "message"}
    assert (error["pointer"], error["field"], error["code"]) == ("#/status", "status", "invalid_choice")
    assert "bogus" in error["message"]
    assert body["detail"] == f"status: {error['message']}"


def test_several_field_errors_are_all_listed_and_the_detail_counts_the_rest(accountant):
    task = make_task()
    response = client_for(accountant).post(
        f"{TASKS}{task.pk}/transition/", {"status": 5, "resolution": {"a": 1}}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    body = assert_problem(response, 400)
    assert {error["field"] for error in body["errors"]} == {"status", "resolution"}
    assert body["detail"].endswith("(and 1 more)")


def test_nested_errors_are_flattened_to_json_pointers():
    detail = {
        "lines": [{}, {"quantity": [exceptions.ErrorDetail("Too many.", code="max_value")]}],
        "non_field_errors": [exceptions.ErrorDetail("Totals differ.", code="totals")],
        "a/b~c": ["Odd key."],
    }

    errors = flatten_errors(detail)

    assert errors == [
        {"pointer": "#/lines/1/quantity", "field": "lines.1.quantity", "code": "max_value", "message": "Too many."},
        {"pointer": "#", "field": None, "code": "totals", "message": "Totals differ."},
        # RFC 6901: "/" and "~" in a key are escaped so the pointer names this key.
        {"pointer": "#/a~1b~0c", "field": "a/b~c", "code": "invalid", "message": "Odd key."},
    ]


def test_a_validation_error_raised_by_a_service_is_a_400_problem_naming_the_field(manager):
    job = make_job(status=Job.Status.DONE)
    url = f"{JOBS}{job.pk}/retry/"

    response = client_for(manager).post(url)

    body = assert_problem(response, 400, instance=url)
    assert [error["field"] for error in body["errors"]] == ["status"]
    assert "Only failed or cancelled jobs can be retried" in body["errors"][0]["message"]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_cancelling_a_finished_job_is_a_400_problem_naming_the_status(manager):
    job = make_job(status=Job.Status.DONE)

    body = assert_problem(client_for(manager).post(f"{JOBS}{job.pk}/cancel/"), 400)

    assert body["errors"][0]["pointer"] == "#/status"


def test_a_service_validation_error_without_a_field_points_at_the_document(accountant, monkeypatch):
    def refuse(**kwargs):
        raise DjangoValidationError("The moon is in the wrong phase.")

    monkeypatch.setattr("tasks.api.task_transition", refuse)
    task = make_task()

    body = assert_problem(client_for(accountant).post(f"{TASKS}{task.pk}/transition/", {"status": "done"}), 400)

    assert body["errors"] == [
        {"pointer": "#", "field": None, "code": "invalid", "message": "The moon is in the wrong phase."}
    ]


def test_an_illegal_task_transition_is_a_409_conflict_problem_and_changes_nothing(accountant):
    # 409 since issue 15: the request is well-formed, the task's state forbids it (core.transitions).
    task = make_task(status=FollowUpTask.Status.DONE)

    body = assert_problem(
        client_for(accountant).post(f"{TASKS}{task.pk}/transition/", {"status": "waiting"}, format="json"), 409
    )

    assert body["type"].endswith("/task-transition-not-allowed")
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE


def test_a_legal_task_transition_answers_the_task(accountant):
    task = make_task()

    response = client_for(accountant).post(
        f"{TASKS}{task.pk}/transition/", {"status": "done", "resolution": "Paid."}, format="json"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (response.json()["status"], response.json()["resolution"]) == ("done", "Paid.")


# --- Bad input of every kind: a 4xx problem, never a 500 ---------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param('{"status": ', "application/json", 400, id="malformed-json"),
        pytest.param("[1, 2]", "application/json", 400, id="json-array"),
        pytest.param("null", "application/json", 400, id="json-null"),
        pytest.param('"done"', "application/json", 400, id="json-string"),
        pytest.param('{"status": ["done"]}', "application/json", 400, id="list-for-choice"),
        pytest.param('{"status": null}', "application/json", 400, id="null-for-choice"),
        pytest.param('{"status": "done", "resolution": NaN}', "application/json", 400, id="nan-literal"),
        pytest.param('{"status": "done", "resolution": []}', "application/json", 400, id="list-for-text"),
        pytest.param("{}", "application/json", 400, id="missing-field"),
        pytest.param("status=done", "text/plain", 415, id="wrong-content-type"),
        pytest.param("<status>done</status>", "application/xml", 415, id="xml"),
        pytest.param(b"\xff\xfe\x00", "application/json", 400, id="not-utf8"),
    ],
)
def test_bad_request_bodies_are_problems_not_500(accountant, body, content_type, status):
    task = make_task()

    response = client_for(accountant).post(f"{TASKS}{task.pk}/transition/", body, content_type=content_type)

    assert_problem(response, status)
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        pytest.param(f"{JOBS}?status=bogus", 400, "status", id="unknown-choice"),
        pytest.param(f"{JOBS}?created_at__gte=yesterday", 400, "created_at__gte", id="not-a-datetime"),
        pytest.param(f"{JOBS}?created_at__gte=2024-02-30T10:00:00", 400, "created_at__gte", id="no-such-day"),
        # Europe/Berlin skips 02:00-03:00 on that night: the time does not exist.
        pytest.param(f"{JOBS}?created_at__gte=2024-03-31T02:30:00", 400, "created_at__gte", id="dst-gap"),
        # Before datetime.min once converted to UTC (OverflowError: must be a 400, not a 500).
        pytest.param(f"{JOBS}?created_at__gte=0001-01-01T00:00:00", 400, "created_at__gte", id="before-year-1-utc"),
        pytest.param(
            f"{JOBS}?created_at__lte=9999-12-31T23:59:59-05:00", 400, "created_at__lte", id="after-year-9999-utc"
        ),
        pytest.param(f"{JOBS}?kind=%00", 400, "kind", id="nul-byte"),
        pytest.param(f"{TASKS}?status__in=open,bogus", 400, "status__in", id="unknown-choice-in-list"),
        pytest.param(f"{TASKS}?due_date__lte=2024-13-45", 400, "due_date__lte", id="not-a-date"),
        pytest.param(f"{TASKS}?assignee=abc", 400, "assignee", id="non-numeric-id"),
        pytest.param(f"{TASKS}?assignee=99999999999999999999999", 400, "assignee", id="id-beyond-bigint"),
        # A page that is no page number is bad input; only a number past the last page is "not found".
        pytest.param(f"{JOBS}?page=abc", 400, "page", id="page-not-a-number"),
        pytest.param(f"{JOBS}?page=0", 400, "page", id="page-zero"),
        pytest.param(f"{JOBS}?page=-1", 400, "page", id="page-negative"),
        pytest.param(f"{JOBS}?page=99", 404, None, id="page-past-the-end"),
        pytest.param(f"{JOBS}?page=99999999999999999999999999", 404, None, id="page-huge"),
    ],
)
def test_bad_list_parameters_are_problems_not_500(viewer, url, status, field):
    make_task()

    body = assert_problem(client_for(viewer).get(url), status)

    if field is not None:
        assert [error["field"] for error in body["errors"]] == [field]
        assert body["detail"].startswith(f"{field}: ")


def test_a_known_choice_in_a_list_filter_still_filters(viewer):
    open_task = make_task()
    make_task(status=FollowUpTask.Status.DONE)

    response = client_for(viewer).get(f"{TASKS}?status__in=open,waiting")

    assert response.status_code == 200
    assert [task["id"] for task in response.json()["results"]] == [open_task.pk]


def test_a_datetime_filter_with_an_offset_still_filters(viewer):
    job = make_job()
    client = client_for(viewer)

    after = client.get(JOBS, {"created_at__gte": "2000-01-01T00:00:00+02:00"})
    before = client.get(JOBS, {"created_at__lte": "2000-01-01T00:00:00Z"})

    assert [row["id"] for row in after.json()["results"]] == [job.pk]
    assert before.json()["results"] == []


LIST_PARAMETERS = {
    JOBS: ["status", "kind", "created_at__gte", "created_at__lte", "ordering", "page", "page_size"],
    TASKS: ["status", "status__in", "kind", "due_date__lte", "due_date__gte", "assignee", "ordering", "page"],
}
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
dateish = st.one_of(
    st.datetimes().map(lambda value: value.isoformat()),
    st.dates().map(str),
    st.from_regex(r"\A-?\d{1,6}-\d{1,3}-\d{1,3}([T ]\d{1,2}:\d{1,2}(:\d{1,2})?)?([+-]\d{2}:\d{2}|Z)?\Z"),
)


@settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(sorted(LIST_PARAMETERS)),
    data=st.data(),
)
def test_no_list_parameter_value_makes_a_list_endpoint_answer_500(viewer, endpoint, data):
    params = data.draw(
        st.dictionaries(st.sampled_from(LIST_PARAMETERS[endpoint]), st.one_of(any_text, dateish), max_size=3)
    )

    response = client_for(viewer).get(endpoint, params)

    assert response.status_code in {200, 400, 404}, (params, response.content)
    if response.status_code != 200:
        assert_problem(response, response.status_code)


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.recursive(
        # JSON has no NaN or infinity (the test client could not even encode them).
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
        max_leaves=8,
    )
    | st.fixed_dictionaries({"status": any_text | st.integers(), "resolution": any_text | st.integers()}),
)
def test_any_json_body_gets_the_transition_endpoint_to_answer_200_or_a_problem_never_500(accountant, payload):
    task = FollowUpTask.objects.first() or make_task()

    response = client_for(accountant).post(f"{TASKS}{task.pk}/transition/", payload, format="json")

    assert response.status_code in {200, 400}, (payload, response.content)
    if response.status_code == 400:
        assert_problem(response, 400)


# --- Unknown things, methods and callers --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{JOBS}123456/",
        f"{JOBS}abc/",
        f"{JOBS}99999999999999999999999/",
        f"{JOBS}%00/",
        f"{JOBS}123456/retry/",
        f"{TASKS}123456/",
    ],
)
def test_an_unknown_id_is_a_404_problem(manager, url):
    method = "post" if url.endswith("retry/") else "get"

    body = assert_problem(getattr(client_for(manager), method)(url), 404)

    assert body["type"] == "https://debitor.dev/problems/not-found"


def test_transitioning_an_unknown_task_is_a_404_problem(accountant):
    assert_problem(client_for(accountant).post(f"{TASKS}123456/transition/", {"status": "done"}, format="json"), 404)


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v1/platform/", "/api/elsewhere", "/api/v2/tasks/"])
def test_an_unknown_url_under_api_is_a_404_problem(manager, url):
    body = assert_problem(client_for(manager).get(url), 404, instance=url)

    assert body["type"] == "https://debitor.dev/problems/not-found"


def test_an_unknown_url_outside_api_keeps_the_html_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unsupported_method_is_a_405_problem_with_allow(manager):
    job = make_job()

    response = client_for(manager).delete(f"{JOBS}{job.pk}/")

    body = assert_problem(response, 405)
    assert body["type"] == "https://debitor.dev/problems/method-not-allowed"
    assert "GET" in response["Allow"]
    assert Job.objects.filter(pk=job.pk).exists()


def test_an_unsatisfiable_accept_header_is_a_406_problem(viewer):
    assert_problem(client_for(viewer).get(JOBS, HTTP_ACCEPT="text/csv"), 406)


def test_an_anonymous_caller_gets_a_401_problem_saying_how_to_authenticate():
    response = APIClient().get(JOBS)

    body = assert_problem(response, 401)
    assert body["type"] == "https://debitor.dev/problems/not-authenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_role_that_may_not_write_gets_a_403_problem_naming_the_needed_role(viewer):
    task = make_task()

    body = assert_problem(client_for(viewer).post(f"{TASKS}{task.pk}/transition/", {"status": "done"}), 403)

    assert "Buchhaltung" in body["detail"]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_only_finance_managers_may_retry_or_cancel_jobs(accountant, manager, action):
    job = make_job(status=Job.Status.FAILED)

    body = assert_problem(client_for(accountant).post(f"{JOBS}{job.pk}/{action}/"), 403)
    assert "Finanzleitung" in body["detail"]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED

    response = client_for(manager).post(f"{JOBS}{job.pk}/{action}/")
    assert response.status_code == 200
    assert response.json()["status"] in {"pending", "cancelled"}


def test_a_user_without_a_finance_role_may_not_even_read(django_user_model):
    outsider = django_user_model.objects.create_user("outsider", password="x", is_staff=True)

    assert_problem(client_for(outsider).get(JOBS), 403)


def test_a_browser_sees_errors_as_an_html_page_not_a_download(viewer):
    response = client_for(viewer).get(f"{JOBS}?status=bogus", HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- Bugs are a 500 problem without internals ----------------------------------------------


def test_an_unhandled_error_under_api_is_a_500_problem_without_internals(manager, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "job_retry", explode)
    job = make_job(status=Job.Status.FAILED)
    url = f"{JOBS}{job.pk}/retry/"

    response = client_for(manager).post(url)

    body = assert_problem(response, 500, instance=url)
    assert "secret internals" not in response.content.decode()
    assert body["type"] == "https://debitor.dev/problems/server-error"
    assert "secret internals" in caplog.text  # logged for the people who fix it


def test_the_500_handler_answers_a_problem_under_api_and_html_elsewhere():
    factory = RequestFactory()

    api = server_error(factory.get("/api/v1/platform/jobs/"))
    page = server_error(factory.get("/admin/"))

    assert api.status_code == 500 and api["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert json.loads(api.content)["instance"] == "/api/v1/platform/jobs/"
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
