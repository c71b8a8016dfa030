"""The access export: every source's data about the person, nothing of another customer, logged."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from core.models import Event
from core.privacy import privacy_sources
from invoicing.tests.factories import make_issued
from payments.tests.factories import make_payment
from privacy.export import export_zip, privacy_export, privacy_export_data
from privacy.models import RequestStatus
from privacy.services import privacy_request_create

from .conftest import NOW, RECENT, make_consumer, send, typed_in

pytestmark = pytest.mark.django_db


def rows_by_source(data) -> dict[str, list]:
    return {source["source"]: source["rows"] for source in data["sources"]}


def test_every_registered_source_is_in_the_export():
    names = [source.name for source in privacy_sources()]
    assert names == [
        "customers.contacts",
        "customers.customer",
        "communications.outbox",
        "communications.inbound",
        "communications.notes",
        "invoicing.invoices",
        "tasks.tasks",
        "casework.casework",
        "payments.payments",
        "sepa.mandates",
        "portal.visits",
        "providers.card_payments",
        "core.events",
    ]


def test_the_export_holds_the_contacts_data_history_messages_and_events_and_nothing_of_another_customer(world):
    anna = world["anna"]
    # Typed in, to her earlier address, linked to no contact: hers all the same.
    earlier = typed_in(world["customer"], "anna.schmidt@example.com", as_of=RECENT, body="An die alte Adresse")
    request = privacy_request_create(
        customer=world["customer"], contacts=[anna], kind="access", received_at=NOW, as_of=NOW
    )
    data = privacy_export_data(request=request, as_of=NOW)
    rows = rows_by_source(data)
    [contact] = rows["customers.contacts"]
    assert (contact["name"], contact["email"], contact["phone"]) == ("Anna Schmidt", "anna@example.com", "+49891234567")
    assert "anna.schmidt@example.com" in {h["email"] for h in contact["history"]}  # an earlier address
    assert {m["id"] for m in rows["communications.outbox"]} == {
        world["old_mail"].pk,
        world["recent_mail"].pk,
        earlier.pk,
    }
    assert rows["communications.outbox"][0]["body_text"] == "Guten Tag Frau Schmidt"
    assert [r["address"] for r in rows["communications.outbox"][0]["recipients"]] == ["anna@example.com"]
    assert [m["id"] for m in rows["communications.inbound"]] == [world["reply"].pk]
    assert world["noted"].pk in {e["id"] for e in rows["core.events"]}
    assert rows["customers.customer"] == []  # a business customer is no person

    text = json.dumps(data)
    assert "Guten Tag Herr Weber" not in text  # Bernd's mail: another person
    assert "von nebenan" not in text and "Nachbarin" not in text  # the namesake at another customer
    assert "bernd@example.com" not in text
    assert data["request"]["customer"]["number"] == world["customer"].number


def test_a_consumers_export_holds_master_data_invoices_payments_and_is_logged_and_answers_the_request(world, manager):
    customer = make_consumer()
    invoice = make_issued(customer=customer, as_of=RECENT, service_date=RECENT.date())
    make_payment(customer=customer, amount="50.00", value_date=date(2026, 5, 2), payer_name="Erika Mustermann")
    mail = send(customer, customer.contacts.get(), as_of=RECENT, body="Guten Tag Frau Mustermann")
    request = privacy_request_create(
        customer=customer, customer_itself=True, kind="access", received_at=NOW, as_of=NOW, by=manager
    )
    data = privacy_export(request=request, as_of=NOW, by=manager)
    rows = rows_by_source(data)
    [master] = rows["customers.customer"]
    assert master["legal_name"] == "Erika Mustermann"
    assert master["bank_accounts"][0]["iban"] == "DE89370400440532013000"
    assert [i["number"] for i in rows["invoicing.invoices"]] == [invoice.number]
    assert rows["invoicing.invoices"][0]["buyer_as_issued"]
    assert [p["payer_name"] for p in rows["payments.payments"]] == ["Erika Mustermann"]
    assert [m["id"] for m in rows["communications.outbox"]] == [mail.pk]
    assert "Anna Schmidt" not in json.dumps(data)

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.DONE, manager)
    logged = Event.objects.get(type="privacy.exported")
    assert logged.actor_user == manager and logged.customer_id == customer.pk
    assert logged.data["sources"]["invoicing.invoices"] == 1
    assert "Erika" not in json.dumps(logged.data)


def test_the_zip_holds_the_json_one_csv_per_source_with_rows_and_a_summary_to_read(world):
    request = privacy_request_create(
        customer=world["customer"], contacts=[world["anna"]], kind="access", received_at=NOW, as_of=NOW
    )
    data = privacy_export_data(request=request, as_of=NOW)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(data, request=request)))
    names = set(archive.namelist())
    assert {"export.json", "summary.html", "customers.contacts.csv", "communications.outbox.csv"} <= names
    assert "customers.customer.csv" not in names  # no rows, no file
    assert json.loads(archive.read("export.json")) == data
    assert "Anna Schmidt" in archive.read("customers.contacts.csv").decode()
    summary = archive.read("summary.html").decode()
    assert "01.03.2019" in summary  # dates as the reader writes them, not ISO
    assert "Anna Schmidt" in summary
