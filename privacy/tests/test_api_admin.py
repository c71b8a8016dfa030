"""The API (/api/v1/privacy-requests/) and the admin pages: finance managers only, reads included;
bad input answers a problem naming the field; the dry run changes nothing; execute and export work."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from core import services as core_services
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import Event
from privacy.models import DataSubjectRequest, RequestStatus, RetentionSettings
from privacy.services import privacy_request_create
from tests.conftest import client_for

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/api/v1/privacy-requests/"


@pytest.fixture
def request_of_anna(world):
    return privacy_request_create(
        customer=world["customer"], contacts=[world["anna"]], kind="erasure", received_at=NOW, as_of=NOW
    )


def test_a_manager_records_a_request_dry_runs_executes_and_exports_it_through_the_api(world, manager):
    api = client_for(manager)
    created = api.post(
        URL,
        {
            "customer": world["customer"].pk,
            "contacts": [world["anna"].pk],
            "kind": "erasure",
            "received_at": "2026-11-20T10:00:00+01:00",
            "requested_by": "per E-Mail",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "received"

    events_before = Event.objects.count()
    plan = api.get(f"{URL}{pk}/dry-run/")
    assert plan.status_code == 200
    assert {p["source"]: p["action"] for p in plan.json()}["communications.outbox"] == "restricted"
    assert Event.objects.count() == events_before  # the dry run writes nothing

    export = api.get(f"{URL}{pk}/export/")
    assert export.status_code == 200
    assert any(s["source"] == "customers.contacts" and s["rows"] for s in export.json()["sources"])

    done = api.post(f"{URL}{pk}/execute/")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["status"], body["decided_by"], body["requested_by"]) == ("done", "manager", "")
    assert {d["source"]: d["basis"] for d in body["decisions"]}["customers.contacts"] == "art17_1"

    again = api.post(f"{URL}{pk}/execute/")
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM_CONTENT_TYPE


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "rectification"}, "kind"),
        ({"contacts": []}, "contacts"),
        ({"customer_itself": True}, "customer_itself"),
        ({"received_at": "2030-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"customer": 999999}, "customer"),
    ],
)
def test_bad_input_answers_a_problem_naming_the_field_and_saves_nothing(world, manager, payload, field):
    data = {
        "customer": world["customer"].pk,
        "contacts": [world["anna"].pk],
        "kind": "erasure",
        "received_at": "2026-11-20T10:00:00+01:00",
        **payload,
    }
    response = client_for(manager).post(URL, data, format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert field in {error["field"].split(".")[0] for error in response.json()["errors"]}
    assert not DataSubjectRequest.objects.exists()


def test_a_contact_of_another_customer_is_refused(world, manager):
    response = client_for(manager).post(
        URL,
        {
            "customer": world["customer"].pk,
            "contacts": [world["namesake"].pk],
            "kind": "access",
            "received_at": "2026-11-20T10:00:00+01:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["contacts"]


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_viewers_and_accountants_neither_read_nor_export_nor_execute(request, request_of_anna, role):
    api = client_for(request.getfixturevalue(role))
    pk = request_of_anna.pk
    for path in (URL, f"{URL}{pk}/", f"{URL}{pk}/dry-run/", f"{URL}{pk}/export/"):
        assert api.get(path).status_code == 403, path
    assert api.post(f"{URL}{pk}/execute/").status_code == 403
    assert not Event.objects.filter(type="privacy.exported").exists()
    assert DataSubjectRequest.objects.get(pk=pk).status == RequestStatus.RECEIVED


def test_an_api_key_needs_customers_write_even_to_read(request_of_anna, manager):
    _, reader = core_services.api_key_create(name="Reader", scopes=["customers:read"], created_by=manager)
    _, writer = core_services.api_key_create(name="Writer", scopes=["customers:write"], created_by=manager)
    client = Client()
    refused = client.get(f"{URL}{request_of_anna.pk}/export/", HTTP_AUTHORIZATION=f"Api-Key {reader}")
    assert refused.status_code == 403
    assert "customers:write" in refused.json()["detail"]
    allowed = client.get(f"{URL}{request_of_anna.pk}/export/", HTTP_AUTHORIZATION=f"Api-Key {writer}")
    assert allowed.status_code == 200
    assert Event.objects.get(type="privacy.exported").actor_api_key is not None


def test_the_list_reads_in_a_fixed_number_of_queries(world, manager, django_assert_num_queries):
    for _ in range(3):
        privacy_request_create(
            customer=world["customer"], contacts=[world["anna"]], kind="access", received_at=NOW, as_of=NOW
        )
    api = client_for(manager)
    api.get(URL)  # warm caches (content types, roles)
    # count, the page (decided_by joined), its contacts, its decisions: however many requests
    with django_assert_num_queries(4):
        assert api.get(URL).json()["count"] == 3


# --- Admin ---------------------------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_downloads_the_zip_export_from_the_admin_and_it_is_logged(request_of_anna, manager):
    response = admin_client(manager).get(f"/admin/privacy/datasubjectrequest/{request_of_anna.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "export.json" in names and "summary.html" in names
    event = Event.objects.get(type="privacy.exported")
    assert (event.actor_user, event.data["format"]) == (manager, "zip")


def test_the_admin_dry_run_page_explains_and_its_button_executes(request_of_anna, manager):
    client = admin_client(manager)
    base = f"/admin/privacy/datasubjectrequest/{request_of_anna.pk}"
    page = client.get(f"{base}/change/")
    assert page.status_code == 200 and b"dry-run/" in page.content
    dry = client.get(f"{base}/dry-run/")
    assert dry.status_code == 200
    assert "31.12.2032" in dry.content.decode()
    assert DataSubjectRequest.objects.get(pk=request_of_anna.pk).status == RequestStatus.RECEIVED
    assert client.get(f"{base}/execute/").status_code == 405
    done = client.post(f"{base}/execute/")
    assert done.status_code == 302
    assert DataSubjectRequest.objects.get(pk=request_of_anna.pk).status == RequestStatus.DONE


def test_the_admin_add_form_records_a_request_through_the_service_and_names_bad_fields(world, manager):
    client = admin_client(manager)
    bad = client.post(
        "/admin/privacy/datasubjectrequest/add/",
        {
            "customer": world["customer"].pk,
            "contacts": str(world["namesake"].pk),
            "kind": "erasure",
            "received_at_0": "2026-11-20",
            "received_at_1": "10:00:00",
        },
    )
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["contacts"]
    good = client.post(
        "/admin/privacy/datasubjectrequest/add/",
        {
            "customer": world["customer"].pk,
            "contacts": str(world["anna"].pk),
            "kind": "erasure",
            "received_at_0": "2026-11-20",
            "received_at_1": "10:00:00",
            "requested_by": "Brief vom 19.11.",
        },
    )
    assert good.status_code == 302, good.context["adminform"].form.errors if good.context else ""
    created = DataSubjectRequest.objects.get()
    assert list(created.contacts.all()) == [world["anna"]]
    assert Event.objects.filter(type="privacy.request_received", object_id=created.pk).exists()


@pytest.mark.parametrize("role", ["viewer", "accountant"])
def test_the_admin_pages_are_for_finance_managers_only(request, request_of_anna, role):
    client = admin_client(request.getfixturevalue(role))
    base = f"/admin/privacy/datasubjectrequest/{request_of_anna.pk}"
    for path in (
        "/admin/privacy/datasubjectrequest/",
        f"{base}/change/",
        f"{base}/dry-run/",
        f"{base}/export/",
        f"{base}/reject/",
        "/admin/privacy/processingrestriction/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{base}/execute/").status_code == 403
    assert not Event.objects.filter(type="privacy.exported").exists()


def test_a_manager_changes_the_retention_periods_in_the_admin(manager):
    client = admin_client(manager)
    assert client.get("/admin/privacy/retentionsettings/").status_code == 200
    response = client.post(
        "/admin/privacy/retentionsettings/1/change/", {"books_years": 10, "vouchers_years": 9, "letters_years": 6}
    )
    assert response.status_code == 302
    assert RetentionSettings.objects.get().vouchers_years == 9
    assert Event.objects.get(type="privacy.retention_changed").actor_user == manager
    refused = client.post(
        "/admin/privacy/retentionsettings/1/change/", {"books_years": 10, "vouchers_years": 0, "letters_years": 6}
    )
    assert refused.status_code == 200 and RetentionSettings.objects.get().vouchers_years == 9


def test_a_manager_rejects_an_open_request_with_a_reason_once(request_of_anna, manager):
    api = client_for(manager)
    path = f"{URL}{request_of_anna.pk}/reject/"
    assert api.post(path, {"reason": "  "}, format="json").status_code == 400
    done = api.post(path, {"reason": "Identität nicht nachgewiesen"}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["rejection_reason"]) == ("rejected", "Identität nicht nachgewiesen")
    assert api.post(path, {"reason": "nochmal"}, format="json").status_code == 409
    assert api.post(f"{URL}{request_of_anna.pk}/execute/").status_code == 409
    assert Event.objects.get(type="privacy.rejected").actor_user == manager


def test_a_manager_rejects_a_request_in_the_admin_and_an_empty_reason_is_refused(request_of_anna, manager):
    client = admin_client(manager)
    path = f"/admin/privacy/datasubjectrequest/{request_of_anna.pk}/reject/"
    assert client.get(path).status_code == 200
    empty = client.post(path, {"reason": "   "})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    assert DataSubjectRequest.objects.get(pk=request_of_anna.pk).status == RequestStatus.RECEIVED
    assert client.post(path, {"reason": "Identität nicht nachgewiesen"}).status_code == 302
    rejected = DataSubjectRequest.objects.get(pk=request_of_anna.pk)
    assert (rejected.status, rejected.decided_by) == (RequestStatus.REJECTED, manager)
