"""The timeline in the admin and the API: who reads and who writes, filters, paging, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communications.models import CustomerNote
from communications.services.notes import customer_note_add
from core.events import Actor, event_build, events_bulk_record
from core.models import Event
from customers.tests.factories import T0, make_customer

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page_url(customer) -> str:
    return f"/admin/communications/customernote/customer/{customer.pk}/timeline/"


def _fill(customer, size: int, user) -> int:
    missing = size - Event.objects.filter(customer_id=customer.pk).count()
    events_bulk_record(
        [
            event_build(
                type="customer.changed" if i % 2 else "invoice.page_viewed",
                customer_id=customer.pk,
                data={"fields": ["notes"]},
                actor=Actor.for_user(user) if i % 3 == 0 else Actor.for_system("job:tests"),
                at=T0 - timedelta(minutes=i),
            )
            for i in range(missing)
        ]
    )
    return missing


# --- Admin page -----------------------------------------------------------------------------------


def test_a_viewer_reads_the_timeline_but_gets_no_forms(viewer, accountant):
    customer = make_customer()
    customer_note_add(customer=customer, summary="Kunde ruft zurück.", occurred_at=T0, as_of=T0, by=accountant)

    response = browser(viewer).get(page_url(customer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kunde ruft zurück." in html and "Note added" in html
    assert 'id="add-note"' not in html and 'id="write-to-customer"' not in html


def test_a_viewer_cannot_add_a_note(viewer):
    customer = make_customer()

    response = browser(viewer).post(
        f"/admin/communications/customernote/customer/{customer.pk}/note/",
        {"note-summary": "x", "note-occurred_at": "2026-11-27T09:00"},
    )

    assert response.status_code == 403
    assert not CustomerNote.objects.exists()


def test_an_accountant_adds_a_note_and_logs_a_call_from_the_page(accountant):
    customer = make_customer()
    contact = customer.contacts.get()
    client = browser(accountant)

    note = client.post(
        f"/admin/communications/customernote/customer/{customer.pk}/note/",
        {"note-summary": "Zahlung angekündigt.", "note-occurred_at": "2026-11-27T09:00", "note-contact": contact.pk},
    )
    call = client.post(
        f"/admin/communications/customernote/customer/{customer.pk}/call/",
        {
            "call-summary": "Niemand da.",
            "call-occurred_at": "2026-11-27T10:00",
            "call-direction": "outgoing",
            "call-outcome": "no_answer",
        },
    )

    assert note.status_code == call.status_code == 302
    assert note["Location"] == page_url(customer)
    assert list(CustomerNote.objects.order_by("id").values_list("kind", "outcome", "author")) == [
        ("note", "", accountant.pk),
        ("call", "no_answer", accountant.pk),
    ]
    html = client.get(page_url(customer) + "?kinds=notes").content.decode()
    assert "Phone call logged (outgoing): no answer" in html and "Zahlung angekündigt." in html


def test_a_call_that_ended_with_a_promise_goes_on_to_record_the_promise_prefilled(accountant):
    customer = make_customer()
    contact = customer.contacts.get()
    client = browser(accountant)

    call = client.post(
        f"/admin/communications/customernote/customer/{customer.pk}/call/",
        {
            "call-summary": "Zahlt bis Freitag.",
            "call-occurred_at": "2026-11-27T10:00",
            "call-direction": "incoming",
            "call-outcome": "promised_to_pay",
            "call-contact": contact.pk,
        },
    )

    assert call.status_code == 302
    assert call["Location"].startswith("/admin/casework/paymentpromise/add/?")
    form = client.get(call["Location"])
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["customer"] == str(customer.pk)
    assert form.context["adminform"].form.initial["channel"] == "call"


def test_an_empty_note_is_shown_again_with_the_reason_and_nothing_saved(accountant):
    customer = make_customer()

    response = browser(accountant).post(
        f"/admin/communications/customernote/customer/{customer.pk}/note/",
        {"note-summary": "   ", "note-occurred_at": "2026-11-27T09:00"},
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CustomerNote.objects.exists()


def test_filters_live_in_the_url_and_pages_link_onwards(accountant):
    customer = make_customer()
    written = _fill(customer, 300, accountant)

    response = browser(accountant).get(page_url(customer) + "?kinds=page_visits&actor=system")

    html = response.content.decode()
    assert response.status_code == 200
    entries = response.context["timeline"]
    assert entries.count == len([i for i in range(written) if i % 2 == 0 and i % 3 != 0]) > 50
    assert {e.category for e in entries.entries} == {"page_visits"} and len(entries.entries) == 50
    assert "?kinds=page_visits&amp;actor=system&amp;page=2" in html


def test_the_customer_page_links_the_timeline(viewer):
    customer = make_customer()

    html = browser(viewer).get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()

    assert f'href="{page_url(customer)}"' in html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_page_and_the_api_cost_the_same_queries_for_5_and_500_events(accountant, django_assert_num_queries):
    small, large = make_customer(), make_customer()
    _fill(small, 5, accountant)
    _fill(large, 500, accountant)
    client, rest = browser(accountant), api(accountant)
    client.get(page_url(small))  # warm the session and content-type caches
    rest.get(f"/api/v1/customers/{small.pk}/timeline/")

    page = (_queries(client, page_url(small)), _queries(client, page_url(large)))
    listing = (
        _queries(rest, f"/api/v1/customers/{small.pk}/timeline/?page_size=200"),
        _queries(rest, f"/api/v1/customers/{large.pk}/timeline/?page_size=200"),
    )

    assert page[0] == page[1]
    assert listing[0] == listing[1]
    # session, user, the customer, count, page (no message on it: no status query)
    with django_assert_num_queries(listing[1]):
        rest.get(f"/api/v1/customers/{large.pk}/timeline/?page_size=200")
    assert listing[1] <= 6


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_entries_with_actor_object_and_words(accountant, viewer):
    customer = make_customer()
    note = customer_note_add(customer=customer, summary="Notiz", occurred_at=T0, as_of=T0, by=accountant)

    response = api(viewer).get(f"/api/v1/customers/{customer.pk}/timeline/?category=notes,replies")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None
    assert body["results"][0] == {
        "id": Event.objects.get(type="note.added").pk,
        "type": "note.added",
        "category": "notes",
        "at": "2026-11-27T08:00:00Z",
        "sentence": "Note added",
        "actor": {"kind": "user", "name": "accountant"},
        "object": {"type": "communications.customernote", "id": note.pk},
        "message_status": "",
        "data": {"note": "Notiz", "contact": None},
    }


def test_the_api_speaks_german_when_asked(accountant, viewer):
    customer = make_customer()
    customer_note_add(customer=customer, summary="Notiz", occurred_at=T0, as_of=T0, by=accountant)
    client = api(viewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"

    body = client.get(f"/api/v1/customers/{customer.pk}/timeline/?category=notes").json()

    assert body["results"][0]["sentence"] != "Note added"


def test_the_api_pages_and_refuses_bad_filters_naming_them(accountant, viewer):
    customer = make_customer()
    _fill(customer, 30, accountant)
    client = api(viewer)
    url = f"/api/v1/customers/{customer.pk}/timeline/"

    first = client.get(url + "?page_size=20&actor=user").json()
    assert first["count"] == 10 and first["next"] is None
    paged = client.get(url + "?page_size=20").json()
    assert paged["next"].endswith("page_size=20&page=2")
    assert len(client.get(paged["next"]).json()["results"]) == 30 - 20

    for query, field in (("?category=gossip", "category"), ("?actor=robot", "actor"), ("?since=yesterday", "since")):
        refused = client.get(url + query)
        assert refused.status_code == 400, query
        assert refused["Content-Type"].startswith("application/problem+json")
        assert field in [e["field"].split("/")[0].split(".")[0] for e in refused.json()["errors"]], refused.json()
    assert client.get(url + "?page=9").status_code == 404
    assert client.get("/api/v1/customers/999999/timeline/").status_code == 404


def test_notes_and_calls_through_the_api(accountant, viewer):
    customer = make_customer()
    contact = customer.contacts.get()
    client = api(accountant)

    note = client.post(
        "/api/v1/customer-notes/", {"customer": customer.pk, "kind": "note", "summary": "Per API."}, format="json"
    )
    call = client.post(
        "/api/v1/customer-notes/",
        {
            "customer": customer.pk,
            "contact": contact.pk,
            "kind": "call",
            "direction": "incoming",
            "outcome": "call_disputed",
            "summary": "Bestreitet Lieferung.",
            "occurred_at": "2026-11-27T09:00:00+01:00",
        },
        format="json",
    )

    assert note.status_code == call.status_code == 201, (note.json(), call.json())
    assert call.json()["outcome"] == "call_disputed" and call.json()["author"] == "accountant"
    assert set(Event.objects.filter(customer_id=customer.pk).values_list("type", flat=True)) >= {
        "note.added",
        "call.logged",
    }
    listed = api(viewer).get(f"/api/v1/customer-notes/?customer={customer.pk}").json()
    assert listed["count"] == 2


def test_the_api_refuses_a_call_without_outcome_and_a_viewer(accountant, viewer):
    customer = make_customer()

    refused = api(accountant).post(
        "/api/v1/customer-notes/",
        {"customer": customer.pk, "kind": "call", "direction": "incoming", "summary": "x"},
        format="json",
    )
    forbidden = api(viewer).post(
        "/api/v1/customer-notes/", {"customer": customer.pk, "kind": "note", "summary": "x"}, format="json"
    )

    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome"]
    assert forbidden.status_code == 403
    assert not CustomerNote.objects.exists()


def test_the_customer_list_action_opens_one_customers_timeline(accountant):
    customer, other = make_customer(), make_customer()
    client = browser(accountant)

    one = client.post("/admin/customers/customer/", {"action": "show_timeline", "_selected_action": [customer.pk]})
    two = client.post(
        "/admin/customers/customer/",
        {"action": "show_timeline", "_selected_action": [customer.pk, other.pk]},
        follow=True,
    )

    assert one.status_code == 302 and one["Location"] == page_url(customer)
    assert "Choose exactly one customer" in two.content.decode()
