"""The documented API contract: the OpenAPI schema, its docs pages, and the list conventions
every list endpoint follows (pagination, filtering, ordering, a pinned query count)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from core import services
from core.api.pagination import MAX_PAGE_SIZE
from core.models import Job
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/platform/jobs/"
TASKS = "/api/v1/tasks/"
T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


# --- The schema -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """The schema as ``manage.py spectacular --validate --fail-on-warn`` writes it."""
    target = tmp_path_factory.mktemp("openapi") / "schema.json"
    with django_db_blocker.unblock():
        # Raises on a warning (an undocumentable view) or an invalid OpenAPI document.
        call_command("spectacular", validate=True, fail_on_warn=True, format="openapi-json", file=str(target))
    return json.loads(target.read_text())


def _placeholders(route: str) -> str:
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", route)  # regex routes (routers)
    route = re.sub(r"<(?:\w+:)?\w+>", "{}", route)  # path() converters
    return "/" + route.replace("^", "").replace("$", "").replace(r"\Z", "")


def resolver_endpoints(prefix: str) -> dict[str, object]:
    """Every URL the resolver answers under ``prefix`` (parameters as ``{}``) and its view."""
    found = {}

    def walk(patterns, base: str) -> None:
        for pattern in patterns:
            route = base + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "(?P<format>" not in route:
                found[_placeholders(route)] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return {route: view for route, view in found.items() if route.startswith(prefix)}


def schema_operations(schema) -> dict[str, dict]:
    return {re.sub(r"\{[^}]+\}", "{}", path): operations for path, operations in schema["paths"].items()}


def test_the_schema_validates_without_warnings_and_has_content(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Debitor API"
    assert "ApiKeyAuth" in schema["components"]["securitySchemes"]


def test_every_v1_route_of_the_url_resolver_is_in_the_schema(schema):
    routes = set(resolver_endpoints("/api/v1/"))
    documented = set(schema_operations(schema))

    assert {"/api/v1/me/", "/api/v1/platform/jobs/{}/retry/", "/api/v1/tasks/{}/transition/"} <= routes
    assert routes - documented == set()
    assert {path for path in documented if path.startswith("/api/v1/")} == routes


def test_every_v1_view_method_is_a_schema_operation(schema):
    documented = schema_operations(schema)

    for route, view in resolver_endpoints("/api/v1/").items():
        # DRF adds "head" to a viewset's actions after its first request; OpenAPI omits HEAD.
        methods = (set(getattr(view, "actions", {}) or {}) - {"head"}) or {"get"}
        assert methods <= documented[route].keys(), route


def test_the_ping_operation_documents_the_idempotency_key_header(schema):
    parameters = schema["paths"]["/api/v1/platform/jobs/ping/"]["post"]["parameters"]

    header = next(p for p in parameters if p["name"] == "Idempotency-Key")

    assert header["in"] == "header"
    assert header.get("required", False) is False
    assert "24 hours" in header["description"]


def test_every_idempotent_operation_documents_the_idempotency_key_header(schema):
    """Guards the decorator order: ``@idempotent`` below ``@action`` lost the header."""
    documented = schema_operations(schema)
    checked = []

    for route, view in resolver_endpoints("/api/").items():
        for method, name in (getattr(view, "actions", None) or {}).items():
            if getattr(getattr(view.cls, name, None), "idempotent", False):
                parameters = documented[route][method].get("parameters", [])
                assert "Idempotency-Key" in {p["name"] for p in parameters}, (route, method)
                checked.append((route, method))

    assert ("/api/v1/platform/jobs/ping/", "post") in checked


@pytest.mark.parametrize("path", ["/api/v1/platform/jobs/", "/api/v1/tasks/"])
def test_list_operations_document_pagination_and_its_cap(schema, path):
    operation = schema["paths"][path]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert {"page", "page_size", "ordering"} <= parameters.keys()
    assert str(MAX_PAGE_SIZE) in parameters["page_size"]["description"]
    page_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][page_schema]["properties"]) == {"count", "next", "previous", "results"}


def test_filters_are_documented_with_their_allowed_values(schema):
    jobs = {p["name"]: p for p in schema["paths"]["/api/v1/platform/jobs/"]["get"]["parameters"]}
    tasks = {p["name"]: p for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}

    assert {"status", "kind", "created_at__gte", "created_at__lte"} <= jobs.keys()
    assert set(jobs["status"]["schema"]["enum"]) == set(Job.Status.values)
    assert {"status", "status__in", "assignee", "due_date__lte", "due_date__gte"} <= tasks.keys()
    assert set(tasks["status__in"]["schema"]["items"]["enum"]) == set(FollowUpTask.Status.values)


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/api/schema/", "application/vnd.oai.openapi"),
        ("/api/docs/", "text/html"),
        ("/api/redoc/", "text/html"),
    ],
)
def test_the_schema_and_its_docs_pages_answer(viewer, url, content_type):
    response = client_for(viewer).get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_the_docs_pages_load_their_assets_from_our_own_static_files(viewer, url, asset):
    page = client_for(viewer).get(url).content.decode()

    assert f"/static/{asset}" in page
    assert finders.find(asset) is not None
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


# --- Pagination -----------------------------------------------------------------------------


def enqueue_jobs(count: int, *, start: datetime = T0) -> list[Job]:
    return [services.job_enqueue(kind="core.ping", as_of=start + timedelta(minutes=index)) for index in range(count)]


def test_lists_are_paginated_by_50_with_count_and_links(viewer):
    enqueue_jobs(55)

    first = client_for(viewer).get(JOBS).json()
    second = client_for(viewer).get(first["next"]).json()

    assert first["count"] == 55
    assert len(first["results"]) == 50 and first["previous"] is None
    assert "page=2" in first["next"]
    assert len(second["results"]) == 5 and second["next"] is None
    assert {row["id"] for row in first["results"]}.isdisjoint(row["id"] for row in second["results"])


def test_page_size_is_honoured_up_to_200_and_capped_above(viewer):
    enqueue_jobs(MAX_PAGE_SIZE + 3)
    client = client_for(viewer)

    assert len(client.get(JOBS, {"page_size": 7}).json()["results"]) == 7
    assert len(client.get(JOBS, {"page_size": MAX_PAGE_SIZE}).json()["results"]) == MAX_PAGE_SIZE
    capped = client.get(JOBS, {"page_size": 1000}).json()
    assert len(capped["results"]) == MAX_PAGE_SIZE
    assert capped["count"] == MAX_PAGE_SIZE + 3
    assert len(client.get(capped["next"]).json()["results"]) == 3


def test_an_empty_page_size_means_the_default(viewer):
    enqueue_jobs(51)

    response = client_for(viewer).get(JOBS, {"page_size": ""})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("page_size", ["0", "-5", "abc"])
def test_an_unusable_page_size_answers_400_naming_it(viewer, page_size):
    """Once silently the default: the client read 50 rows where it had asked for something else."""
    response = client_for(viewer).get(JOBS, {"page_size": page_size})

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["page_size"]


# --- Filtering and ordering -----------------------------------------------------------------


def test_jobs_filter_by_status_kind_and_creation_time(viewer):
    jobs = enqueue_jobs(4)
    Job.objects.filter(pk__in=[jobs[0].pk, jobs[2].pk]).update(status=Job.Status.DONE)
    client = client_for(viewer)

    def ids(params):
        response = client.get(JOBS, params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids({"status": "done"}) == [jobs[0].pk, jobs[2].pk]
    assert ids({"status": "pending"}) == [jobs[1].pk, jobs[3].pk]
    assert ids({"kind": "core.ping"}) == sorted(job.pk for job in jobs)
    assert ids({"kind": "core.other"}) == []
    assert ids({"created_at__gte": (T0 + timedelta(minutes=2)).isoformat()}) == [jobs[2].pk, jobs[3].pk]
    assert ids({"created_at__lte": (T0 + timedelta(minutes=1)).isoformat(), "status": "done"}) == [jobs[0].pk]


def test_jobs_are_newest_first_by_default_with_the_id_as_tie_break(viewer):
    same_time = [services.job_enqueue(kind="core.ping", as_of=T0) for _ in range(3)]
    older = services.job_enqueue(kind="core.ping", as_of=T0 - timedelta(days=1))

    rows = client_for(viewer).get(JOBS).json()["results"]

    assert [row["id"] for row in rows] == [*sorted((job.pk for job in same_time), reverse=True), older.pk]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("created_at", [0, 1, 2]), ("-created_at", [2, 1, 0]), ("id", [0, 1, 2]), ("-id", [2, 1, 0])],
)
def test_jobs_can_be_ordered_by_a_documented_field(viewer, ordering, expected):
    jobs = enqueue_jobs(3)

    rows = client_for(viewer).get(JOBS, {"ordering": ordering}).json()["results"]

    assert [row["id"] for row in rows] == [jobs[index].pk for index in expected]


def test_ordering_by_an_undocumented_field_is_ignored(viewer):
    jobs = enqueue_jobs(3)

    response = client_for(viewer).get(JOBS, {"ordering": "last_error"})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [job.pk for job in reversed(jobs)]


def open_tasks(count: int, *, assignee=None) -> list[FollowUpTask]:
    """``count`` open tasks, each about its own job, due on consecutive days."""
    tasks = []
    for index, job in enumerate(enqueue_jobs(count)):
        task, _ = task_open_for_cause(
            kind="job_failed",
            title=f"Look at job {job.pk}",
            about=job,
            rule="test",
            as_of=T0,
            assignee=assignee,
            due_date=date(2025, 2, 1) + timedelta(days=index),
        )
        tasks.append(task)
    return tasks


def test_tasks_filter_by_status_assignee_and_due_date(viewer, accountant):
    mine = open_tasks(2, assignee=accountant)
    FollowUpTask.objects.filter(pk=mine[1].pk).update(
        status=FollowUpTask.Status.WAITING, waiting_until=date(2099, 1, 1)
    )
    client = client_for(viewer)

    def ids(params):
        response = client.get(TASKS, params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids({"status": "open"}) == [mine[0].pk]
    assert ids({"status__in": "open,waiting"}) == sorted(task.pk for task in mine)
    assert ids({"assignee": accountant.pk}) == sorted(task.pk for task in mine)
    assert ids({"assignee": viewer.pk}) == []
    assert ids({"due_date__gte": "2025-02-02"}) == [mine[1].pk]
    assert ids({"due_date__lte": "2025-02-01"}) == [mine[0].pk]


def test_tasks_can_be_ordered_by_due_date(viewer):
    tasks = open_tasks(3)

    ascending = client_for(viewer).get(TASKS, {"ordering": "due_date"}).json()["results"]
    descending = client_for(viewer).get(TASKS, {"ordering": "-due_date"}).json()["results"]

    assert [row["id"] for row in ascending] == [task.pk for task in tasks]
    assert [row["id"] for row in descending] == [task.pk for task in reversed(tasks)]
    assert ascending[0]["about_type"] == "core.job"


# --- Query counts (N+1 guard) -----------------------------------------------------------------

# Session, user and role (3) plus the page's count and rows (2); the same for any number of rows.
LIST_QUERIES = 5


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("rows", [1, 30])
def test_the_jobs_list_takes_the_same_number_of_queries_for_any_number_of_rows(viewer, django_assert_num_queries, rows):
    enqueue_jobs(rows)
    client = session_client(viewer)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(JOBS)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_the_tasks_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    viewer, accountant, django_assert_num_queries, rows
):
    open_tasks(rows, assignee=accountant)
    client = session_client(viewer)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(TASKS)

    results = response.json()["results"]
    assert len(results) == rows
    assert {(row["assignee"], row["about_type"]) for row in results} == {("accountant", "core.job")}


def test_an_api_key_lists_with_a_fixed_number_of_queries(manager, django_assert_num_queries):
    _, plaintext = services.api_key_create(name="ERP", scopes=["platform:read"], created_by=manager)
    enqueue_jobs(20)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    client.get(JOBS)  # the first use writes last_used_at

    # The key (1) plus the page's count and rows (2): no write within the minute.
    with django_assert_num_queries(3):
        response = client.get(JOBS)

    assert len(response.json()["results"]) == 20
