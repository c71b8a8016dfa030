"""The invoicing REST API: drafts with nested lines, issue, credit notes, due dates, terms and rates.

Views are thin (the services hold every rule); these tests pin the contract: shapes,
problem documents naming the field, 409 for edits of issued documents, all-or-nothing
writes, roles and scopes, filters, and query counts that do not grow with the rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from communications.models import OutboxMessage
from core import services as core_services
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import CompanyProfile
from customers.models import Customer, PaymentTerms
from customers.tests.factories import make_customer
from invoicing import services
from invoicing.models import (
    CustomerNotice,
    ExchangeRate,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceEvent,
    InvoiceLine,
    VatCategory,
    VatRate,
)
from invoicing.services.draft_cleaning import ALLOWANCE_FIELDS, HEADER_FIELDS, LINE_FIELDS
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

INVOICES = "/api/v1/invoices/"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
TODAY = NOW.date()
SERVICE_DATE = date(2026, 11, 30)
VALID_VAT_ID = "DE136695976"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def company():
    """The seller (issuing needs name, address and a VAT ID or tax number)."""
    return CompanyProfile.objects.create(
        pk=1,
        name="Debitor Demo GmbH",
        street="Friedrichstraße 1",
        postal_code="10117",
        city="Berlin",
        vat_id=VALID_VAT_ID,
    )


@pytest.fixture
def customer():
    return make_customer(legal_name="Muster Maschinenbau GmbH")


def line(**overrides) -> dict:
    return {
        "description": "Beratung",
        "quantity": "10",
        "unit_code": "HUR",
        "unit_price": "120.00",
        "vat_category": "S",
        "vat_rate": "19.00",
        **overrides,
    }


def draft_body(customer: Customer, **overrides) -> dict:
    return {"customer": customer.pk, "service_date": SERVICE_DATE.isoformat(), "lines": [line()], **overrides}


def make_draft(customer: Customer, *, lines=None, allowances_charges=(), by=None, **data) -> Invoice:
    return services.invoice_draft_create(
        customer=customer,
        as_of=NOW,
        data={"service_date": SERVICE_DATE, **data},
        lines=lines if lines is not None else [line()],
        allowances_charges=list(allowances_charges),
        by=by,
    )


def make_issued(customer: Customer, *, by=None, **kwargs) -> Invoice:
    return services.invoice_issue(invoice=make_draft(customer, by=by, **kwargs), as_of=NOW, by=by)


def problem_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body["status"] == status
    return body


def errors_by_pointer(body: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        found.setdefault(error["pointer"], []).append(error["message"])
    return found


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Invoice, InvoiceLine, InvoiceAllowanceCharge, InvoiceEvent, CustomerNotice)
    }


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def key_client(manager, *scopes: str) -> APIClient:
    _, raw = core_services.api_key_create(name="ERP", scopes=list(scopes), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def detail(invoice) -> str:
    return f"{INVOICES}{invoice.pk}/"


# --- Drafts: create, read, change, delete ---------------------------------------------------


def test_an_accountant_creates_a_draft_with_lines_and_allowances(accountant, customer):
    body = draft_body(
        customer,
        buyer_reference="PO-4711",
        lines=[line(), line(description="Fachbuch", quantity="2", unit_code="C62", unit_price="25.00", vat_rate="7")],
        allowances_charges=[
            {"reason": "Treuerabatt", "amount": "100.00", "vat_category": "S", "vat_rate": "19.00"},
            {"is_charge": True, "reason": "Versand", "amount": "5.00", "vat_category": "S", "vat_rate": "7.00"},
        ],
    )

    response = client_for(accountant).post(INVOICES, body, format="json")

    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    data = response.json()
    assert response["Location"] == f"http://testserver{INVOICES}{invoice.pk}/"
    assert (data["id"], data["status"], data["document_type"], data["number"]) == (invoice.pk, "draft", "invoice", None)
    assert data["customer"] == {
        "id": customer.pk,
        "number": customer.number,
        "legal_name": "Muster Maschinenbau GmbH",
        "vat_id": "",
        "verification_status": customer.verification_status,
    }
    assert (data["currency"], data["language"], data["buyer_reference"]) == ("EUR", "de", "PO-4711")
    # 1200.00 + 50.00 lines, − 100.00 allowance (19 %), + 5.00 charge (7 %).
    assert (data["line_total"], data["allowance_total"], data["charge_total"]) == ("1250.00", "100.00", "5.00")
    assert data["tax_exclusive_total"] == "1155.00"
    assert data["vat_breakdown"] == [
        {
            "vat_category": "S",
            "vat_rate": "7.00",
            "taxable_amount": "55.00",
            "tax_amount": "3.85",
            "exemption_reason": "",
            "exemption_code": "",
        },
        {
            "vat_category": "S",
            "vat_rate": "19.00",
            "taxable_amount": "1100.00",
            "tax_amount": "209.00",
            "exemption_reason": "",
            "exemption_code": "",
        },
    ]
    assert (data["tax_total"], data["tax_inclusive_total"], data["amount_due"]) == ("212.85", "1367.85", "1367.85")
    assert [(row["position"], row["net_amount"]) for row in data["lines"]] == [(1, "1200.00"), (2, "50.00")]
    assert [row["computed_amount"] for row in data["allowances_charges"]] == ["100.00", "5.00"]
    assert [(e["kind"], e["by"], e["to_state"]) for e in data["events"]] == [("created", "accountant", "draft")]
    assert data["payment_terms"] == PaymentTerms.objects.get(is_default=True).pk
    assert data["due_date"] is None and data["overdue"] is False


def test_a_draft_is_read_and_patched_keeping_lines_that_are_not_sent(accountant, viewer, customer):
    invoice = make_draft(customer, lines=[line(), line(description="Reise", quantity="1", unit_price="80")])

    assert client_for(viewer).get(detail(invoice)).json()["amount_due"] == "1523.20"
    response = client_for(accountant).patch(detail(invoice), {"note": "Danke!", "prepaid_amount": "500"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["note"] == "Danke!" and len(data["lines"]) == 2
    assert (data["prepaid_amount"], data["amount_due"]) == ("500.00", "1023.20")


def test_lines_and_allowances_given_replace_the_drafts_own(accountant, customer):
    invoice = make_draft(
        customer,
        lines=[line(), line(description="Reise")],
        allowances_charges=[{"reason": "Rabatt", "amount": "10", "vat_category": "S", "vat_rate": "19"}],
    )
    client = client_for(accountant)

    response = client.patch(detail(invoice), {"lines": [line(quantity="1", unit_price="99.99")]}, format="json")
    assert response.status_code == 200, response.content
    assert [row["description"] for row in response.json()["lines"]] == ["Beratung"]
    assert len(response.json()["allowances_charges"]) == 1
    assert response.json()["line_total"] == "99.99"

    response = client.put(detail(invoice), {"allowances_charges": [], "currency": "usd"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["allowances_charges"], response.json()["currency"]) == ([], "USD")
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1
    assert not InvoiceAllowanceCharge.objects.exists()


def test_a_draft_is_deleted(accountant, customer):
    invoice = make_draft(customer)

    assert client_for(accountant).delete(detail(invoice)).status_code == 204

    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_an_unknown_invoice_is_a_404_problem(viewer, accountant):
    for path in ("999999/", "abc/", f"{2**70}/"):
        problem_of(client_for(viewer).get(f"{INVOICES}{path}"), 404)
    for path in ("999999/issue/", "999999/credit-note/", "999999/change-due-date/"):
        problem_of(client_for(accountant).post(f"{INVOICES}{path}", {}, format="json"), 404)


# --- Issued documents are immutable: 409 ----------------------------------------------------


def test_editing_or_deleting_an_issued_invoice_is_a_409_problem_with_the_reason(accountant, customer):
    invoice = make_issued(customer)
    client = client_for(accountant)
    before = counts()

    attempts = [
        client.patch(detail(invoice), {"note": "changed"}, format="json"),
        client.patch(detail(invoice), {"lines": "not even a list"}, format="json"),  # 409 before the body
        client.put(detail(invoice), {"lines": [line(unit_price="1")]}, format="json"),
        client.delete(detail(invoice)),
        client.post(f"{detail(invoice)}issue/", {}, format="json"),
    ]

    for response in attempts:
        problem = problem_of(response, 409)
        assert problem["type"] == "https://debitor.dev/problems/document-not-editable"
        assert problem["detail"].startswith(f"{invoice.number} is issued")
        assert "credit note" in problem["detail"]
    assert counts() == before
    invoice.refresh_from_db()
    assert (invoice.note, invoice.amount_due) == ("", Decimal("1428.00"))


# --- Issue ----------------------------------------------------------------------------------


def test_issuing_fixes_number_due_date_discounts_breakdown_and_open_amount(accountant, customer):
    skonto = PaymentTerms.objects.get(name="2 % Skonto 10 Tage, 30 Tage netto")
    invoice = make_draft(customer, payment_terms=skonto.pk)

    response = client_for(accountant).post(f"{detail(invoice)}issue/", {}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    invoice.refresh_from_db()
    assert data["status"] == "issued" and data["number"] == invoice.number is not None
    assert (data["invoice_date"], data["due_date"]) == ("2026-12-01", "2026-12-31")
    assert data["discount_offers"] == [
        {"percent": "2.00", "deadline": "2026-12-11", "discount_amount": "28.56", "amount_to_pay": "1399.44"}
    ]
    assert (data["amount_due"], data["open_amount"], data["settlement_state"]) == ("1428.00", "1428.00", "open")
    assert data["vat_breakdown"] == [
        {
            "vat_category": "S",
            "vat_rate": "19.00",
            "taxable_amount": "1200.00",
            "tax_amount": "228.00",
            "exemption_reason": "",
            "exemption_code": "",
        }
    ]
    assert data["seller"]["name"] == "Debitor Demo GmbH" and data["buyer"]["name"] == "Muster Maschinenbau GmbH"
    assert "Skonto" in data["payment_terms_text"]
    assert [(e["kind"], e["by"]) for e in data["events"]] == [("created", None), ("issued", "accountant")]


def test_reverse_charge_without_the_buyers_vat_id_is_refused_at_issue(accountant, customer):
    client = client_for(accountant)
    created = client.post(INVOICES, draft_body(customer, lines=[line(vat_category="AE", vat_rate="0")]), format="json")
    assert created.status_code == 201, created.content
    url = created["Location"]

    problem = problem_of(client.post(f"{url}issue/", {}, format="json"))

    (message,) = errors_by_pointer(problem)["#/lines"]
    assert "VAT ID" in message and customer.number in message
    assert Invoice.objects.get().status == "draft"

    Customer.objects.filter(pk=customer.pk).update(vat_id=VALID_VAT_ID)
    response = client.post(f"{url}issue/", {}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["tax_total"], response.json()["vat_breakdown"][0]["vat_category"]) == ("0.00", "AE")
    assert "13b UStG" in response.json()["note"]


def test_a_foreign_currency_needs_the_monthly_exchange_rate_to_issue(accountant, customer):
    client = client_for(accountant)
    invoice = make_draft(customer, currency="USD")

    problem = problem_of(client.post(f"{detail(invoice)}issue/", {}, format="json"))
    assert "exchange rate for USD" in errors_by_pointer(problem)["#/currency"][0]

    ExchangeRate.objects.create(currency="USD", date=date(2026, 11, 1), units_per_eur=Decimal("1.05000000"))
    response = client.post(f"{detail(invoice)}issue/", {}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["currency"], response.json()["tax_total"]) == ("USD", "228.00")
    assert (response.json()["exchange_rate"], response.json()["tax_total_eur"]) == ("1.05000000", "217.14")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"currency": "XYZ"}, "#/currency"),
        ({"currency": "EURO"}, "#/currency"),
        # Amounts that do not fit the currency's minor unit (JPY has none, BR-DEC).
        ({"currency": "JPY", "prepaid_amount": "0.50"}, "#/prepaid_amount"),
        (
            {
                "currency": "JPY",
                "allowances_charges": [{"reason": "Rabatt", "amount": "1.50", "vat_category": "S", "vat_rate": "19"}],
            },
            "#/allowances_charges/0/amount",
        ),
    ],
)
def test_an_unknown_currency_or_amounts_that_do_not_fit_it_are_refused(accountant, customer, body, pointer):
    problem = problem_of(client_for(accountant).post(INVOICES, draft_body(customer, **body), format="json"))

    assert pointer in errors_by_pointer(problem)
    assert not Invoice.objects.exists()


def test_a_customer_in_review_is_issued_to_only_by_a_finance_manager_with_a_reason(accountant, manager, customer):
    Customer.objects.filter(pk=customer.pk).update(verification_status="needs_review")
    invoice = make_draft(customer)
    url = f"{detail(invoice)}issue/"

    problem = problem_of(client_for(accountant).post(url, {}, format="json"))
    assert "#/review_override_reason" in errors_by_pointer(problem)
    problem = problem_of(client_for(accountant).post(url, {"review_override_reason": "known"}, format="json"))
    assert "finance manager" in errors_by_pointer(problem)["#/review_override_reason"][0]

    response = client_for(manager).post(url, {"review_override_reason": "Checked by phone"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["review_override_reason"] == "Checked by phone"
    assert "review_overridden" in [e["kind"] for e in response.json()["events"]]


def test_exceeding_the_credit_limit_needs_a_confirmation(accountant, customer):
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("1000.00"))
    invoice = make_draft(customer)
    url = f"{detail(invoice)}issue/"
    client = client_for(accountant)

    problem = problem_of(client.post(url, {}, format="json"))
    assert "credit limit" in errors_by_pointer(problem)["#/credit_limit_confirmation"][0]

    response = client.post(url, {"credit_limit_confirmation": "Approved by CFO"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["credit_limit_confirmation"] == "Approved by CFO"


def test_issue_bodies_are_checked(accountant, customer):
    invoice = make_draft(customer)

    problem = problem_of(
        client_for(accountant).post(f"{detail(invoice)}issue/", {"credit_limit_confirmation": "x" * 256}, format="json")
    )

    assert "#/credit_limit_confirmation" in errors_by_pointer(problem)
    assert Invoice.objects.get().status == "draft"


# --- Credit notes ---------------------------------------------------------------------------


def test_a_full_credit_note_is_created_as_a_draft_with_the_invoices_lines(accountant, customer):
    invoice = make_issued(customer, lines=[line(), line(description="Reise", quantity="1", unit_price="80")])

    response = client_for(accountant).post(f"{detail(invoice)}credit-note/", {}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == f"http://testserver{INVOICES}{data['id']}/"
    assert (data["document_type"], data["status"], data["corrected_invoice"]) == ("credit_note", "draft", invoice.pk)
    assert [row["description"] for row in data["lines"]] == ["Beratung", "Reise"]
    assert data["amount_due"] == "1523.20"
    assert invoice.number in data["note"]  # BT-25 in words
    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount) == ("issued", Decimal("1523.20"))


def test_a_partial_credit_note_issued_at_once_reduces_the_open_amount(accountant, viewer, customer):
    invoice = make_issued(customer)
    body = {"lines": [line(quantity="2")], "reason": "2 Stunden zu viel berechnet", "issue": True}

    response = client_for(accountant).post(f"{detail(invoice)}credit-note/", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "issued" and data["number"] != invoice.number
    assert data["amount_due"] == "285.60" and "2 Stunden zu viel berechnet" in data["note"]
    original = client_for(viewer).get(detail(invoice)).json()
    assert (original["open_amount"], original["credited_amount"], original["status"]) == ("1142.40", "285.60", "issued")
    assert original["credit_notes"] == [
        {
            "id": data["id"],
            "number": data["number"],
            "status": "issued",
            "invoice_date": "2026-12-01",
            "tax_inclusive_total": "285.60",
        }
    ]


def test_a_full_credit_note_issued_cancels_the_invoice(accountant, customer):
    invoice = make_issued(customer)

    response = client_for(accountant).post(f"{detail(invoice)}credit-note/", {"issue": True}, format="json")

    assert response.status_code == 201, response.content
    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount, invoice.settlement_state) == ("cancelled", Decimal("0"), "paid")


def test_a_credit_note_beyond_the_invoice_is_refused_and_leaves_nothing_behind(accountant, customer):
    invoice = make_issued(customer)
    before = counts()

    body = {"lines": [line(quantity="11")], "issue": True}
    problem = problem_of(client_for(accountant).post(f"{detail(invoice)}credit-note/", body, format="json"))

    assert "exceeds what is left to credit" in errors_by_pointer(problem)["#/lines"][0]
    assert counts() == before


def test_a_credit_note_that_cannot_be_issued_leaves_no_draft_behind(accountant, customer):
    invoice = make_issued(customer)
    CompanyProfile.objects.filter(pk=1).update(vat_id="")  # the seller lacks a VAT ID or tax number now
    before = counts()

    problem = problem_of(client_for(accountant).post(f"{detail(invoice)}credit-note/", {"issue": True}, format="json"))

    assert "#/seller" in errors_by_pointer(problem)
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"lines": []}, "#/lines"),
        ({"lines": [line(vat_category="X")]}, "#/lines/0/vat_category"),
        ({"lines": "all"}, "#/lines"),
        ({"issue": "maybe"}, "#/issue"),
    ],
)
def test_bad_credit_note_bodies_are_400_problems(accountant, customer, body, pointer):
    invoice = make_issued(customer)
    before = counts()

    problem = problem_of(client_for(accountant).post(f"{detail(invoice)}credit-note/", body, format="json"))

    assert pointer in errors_by_pointer(problem)
    assert counts() == before


def test_a_draft_cannot_be_credited(accountant, customer):
    invoice = make_draft(customer)

    problem = problem_of(client_for(accountant).post(f"{detail(invoice)}credit-note/", {}, format="json"), 409)

    assert problem["type"].endswith("/document-state-conflict")
    assert "Only issued invoices can be credited" in problem["detail"]
    assert Invoice.objects.count() == 1


def test_a_credit_note_create_is_idempotent(accountant, customer):
    invoice = make_issued(customer)
    client = client_for(accountant)
    url = f"{detail(invoice)}credit-note/"
    body = {"lines": [line(quantity="1")], "issue": True}

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="credit-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="credit-1")

    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Invoice.objects.filter(document_type="credit_note").count() == 1


# --- Due dates ------------------------------------------------------------------------------


def test_the_due_date_of_an_issued_invoice_is_moved_with_a_reason_and_the_customer_notified(accountant, customer):
    invoice = make_issued(customer)

    body = {"due_date": "2027-01-31", "reason": "Ratenzahlung vereinbart"}
    response = client_for(accountant).post(f"{detail(invoice)}change-due-date/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == "2027-01-31"
    event = response.json()["events"][-1]
    assert (event["kind"], event["from_state"], event["to_state"]) == ("due_date_changed", "2026-12-31", "2027-01-31")
    assert (event["reason"], event["by"]) == ("Ratenzahlung vereinbart", "accountant")
    notice = CustomerNotice.objects.get(invoice=invoice)
    assert (notice.status, notice.data["new_due_date"]) == ("sent", "2027-01-31")
    assert OutboxMessage.objects.get(pk=notice.data["outbox_message_id"]).template == "due_date_changed"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"due_date": "2027-01-31", "reason": " "}, "#/reason"),
        ({"due_date": "2026-11-01", "reason": "x"}, "#/due_date"),
        ({"due_date": "2026-12-31", "reason": "x"}, "#/due_date"),  # unchanged
        ({"due_date": "31.01.2027", "reason": "x"}, "#/due_date"),
        ({"reason": "x"}, "#/due_date"),
        ({"due_date": "2027-01-31"}, "#/reason"),
    ],
)
def test_bad_due_date_changes_are_400_problems_and_change_nothing(accountant, customer, body, pointer):
    invoice = make_issued(customer)
    before = counts()

    problem = problem_of(client_for(accountant).post(f"{detail(invoice)}change-due-date/", body, format="json"))

    assert pointer in errors_by_pointer(problem)
    assert counts() == before
    invoice.refresh_from_db()
    assert invoice.due_date == date(2026, 12, 31)


def test_a_retried_due_date_change_replays_the_first_answer_and_another_body_is_refused(accountant, customer):
    invoice = make_issued(customer)
    client = client_for(accountant)
    url = f"{detail(invoice)}change-due-date/"
    body = {"due_date": "2027-01-31", "reason": "Ratenzahlung vereinbart"}

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="due-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="due-1")
    other = client.post(url, {**body, "due_date": "2027-02-28"}, format="json", HTTP_IDEMPOTENCY_KEY="due-1")

    assert first.status_code == again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert problem_of(other, 422)["type"].endswith("/idempotency-key-reused")
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="due_date_changed").count() == 1
    assert CustomerNotice.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert invoice.due_date == date(2027, 1, 31)


def test_a_draft_has_no_due_date_to_change(accountant, customer):
    invoice = make_draft(customer)

    body = {"due_date": "2027-01-31", "reason": "x"}
    response = client_for(accountant).post(f"{detail(invoice)}change-due-date/", body, format="json")
    problem = problem_of(response, 409)

    assert problem["type"].endswith("/document-state-conflict")
    assert "Only issued invoices" in problem["detail"]


# --- Bad input: field errors, nothing saved -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"lines": [line(), line(vat_category="X")]}, "#/lines/1/vat_category"),
        ({"lines": [line(), line(vat_category=None)]}, "#/lines/1/vat_category"),
        ({"lines": [line(quantity="abc")]}, "#/lines/0/quantity"),
        ({"lines": [line(quantity="1e12")]}, "#/lines/0/quantity"),
        ({"lines": [line(quantity="0.00001")]}, "#/lines/0/quantity"),
        ({"lines": [line(quantity="0")]}, "#/lines/0/quantity"),
        ({"lines": [line(unit_price="-1")]}, "#/lines/0/unit_price"),
        ({"lines": [line(unit_price="NaN")]}, "#/lines/0/unit_price"),
        ({"lines": [line(unit_price="1e400")]}, "#/lines/0/unit_price"),
        ({"lines": [line(vat_rate="16")]}, "#/lines/0/vat_rate"),  # not in the rate table
        ({"lines": [line(vat_rate=None)]}, "#/lines/0/vat_rate"),
        ({"lines": [line(vat_category="Z", vat_rate="7")]}, "#/lines/0/vat_rate"),
        ({"lines": [line(vat_category="E", vat_rate="0")]}, "#/lines/0/exemption_reason"),
        ({"lines": [line(unit_code="??")]}, "#/lines/0/unit_code"),
        ({"lines": [line(description="")]}, "#/lines/0/description"),
        ({"lines": [line(description="x" * 501)]}, "#/lines/0/description"),
        ({"lines": [line(allowance_percent="10", allowance_amount="5")]}, "#/lines/0/allowance_amount"),
        ({"lines": [line(vat_category="O", vat_rate=None), line()]}, "#/lines/1/vat_category"),
        ({"lines": []}, "#/lines"),
        ({"lines": None}, "#/lines"),
        ({"lines": "one"}, "#/lines"),
        ({"lines": ["one"]}, "#/lines/0"),
        ({"lines": {"description": "x"}}, "#/lines"),
        (
            {"allowances_charges": [{"amount": "10", "vat_category": "S", "vat_rate": "19"}]},
            "#/allowances_charges/0/reason",
        ),
        (
            {"allowances_charges": [{"reason": "Rabatt", "vat_category": "S", "vat_rate": "19"}]},
            "#/allowances_charges/0/amount",
        ),
        (
            {"allowances_charges": [{"reason": "R", "amount": "1", "vat_category": "Q"}]},
            "#/allowances_charges/0/vat_category",
        ),
        ({"customer": 999999}, "#/customer"),
        ({"customer": 2**70}, "#/customer"),
        ({"customer": "Muster"}, "#/customer"),
        ({"customer": None}, "#/customer"),
        ({"payment_terms": 999999}, "#/payment_terms"),
        ({"invoice_date": "2026-13-01"}, "#/invoice_date"),
        ({"service_period_start": "2026-11-30", "service_period_end": "2026-11-01"}, "#/service_period_end"),
        ({"language": "fr"}, "#/language"),
        ({"deliver_to_country": "XX"}, "#/deliver_to_country"),
        ({"prepaid_amount": "-1"}, "#/prepaid_amount"),
        ({"prepaid_amount": "0.001"}, "#/prepaid_amount"),
        ({"buyer_reference": "x" * 201}, "#/buyer_reference"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_saves_nothing(accountant, customer, body, pointer):
    response = client_for(accountant).post(INVOICES, {**draft_body(customer), **body}, format="json")

    assert pointer in errors_by_pointer(problem_of(response)), response.json()
    assert counts() == {name: 0 for name in counts()}


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null", "{", "1e999999"])
def test_a_body_that_is_not_an_object_is_a_400_problem(accountant, raw):
    problem_of(client_for(accountant).generic("POST", INVOICES, raw, content_type="application/json"))
    assert not Invoice.objects.exists()


def test_bad_input_on_update_is_a_400_problem_and_changes_nothing(accountant, customer):
    invoice = make_draft(customer, lines=[line(), line(description="Reise")])

    body = {"note": "changed", "lines": [line(), line(vat_rate="16")]}
    problem = problem_of(client_for(accountant).patch(detail(invoice), body, format="json"))

    assert set(errors_by_pointer(problem)) == {"#/lines/1/vat_rate"}
    invoice.refresh_from_db()
    assert invoice.note == "" and invoice.lines.count() == 2 and invoice.amount_due == Decimal("2856.00")


# --- Roles and API keys ---------------------------------------------------------------------


def test_a_finance_viewer_reads_but_every_write_is_refused(viewer, customer):
    draft = make_draft(customer)
    issued = make_issued(customer)
    client = client_for(viewer)
    before = counts()

    assert client.get(INVOICES).json()["count"] == 2
    assert client.get(detail(issued)).status_code == 200
    writes = [
        ("post", INVOICES, draft_body(customer)),
        ("patch", detail(draft), {"note": "x"}),
        ("put", detail(draft), {"note": "x"}),
        ("delete", detail(draft), None),
        ("post", f"{detail(draft)}issue/", {}),
        ("post", f"{detail(issued)}credit-note/", {}),
        ("post", f"{detail(issued)}change-due-date/", {"due_date": "2027-01-31", "reason": "x"}),
    ]
    for method, path, data in writes:
        problem = problem_of(getattr(client, method)(path, data, format="json"), 403)
        assert "accountant" in problem["detail"], (method, path)

    assert counts() == before


def test_an_api_key_with_invoicing_read_lists_but_cannot_write(manager, customer):
    make_draft(customer)
    client = key_client(manager, "invoicing:read")

    assert client.get(INVOICES).json()["count"] == 1
    assert client.get("/api/v1/vat-rates/").status_code == 200
    problem = problem_of(client.post(INVOICES, draft_body(customer), format="json"), 403)

    assert "invoicing:write" in problem["detail"]
    assert Invoice.objects.count() == 1


def test_an_api_key_with_invoicing_write_creates_and_issues_without_a_user(manager, customer):
    client = key_client(manager, "invoicing:write")

    created = client.post(INVOICES, draft_body(customer), format="json")
    assert created.status_code == 201, created.content
    issued = client.post(f"{created['Location']}issue/", {}, format="json")

    assert issued.status_code == 200, issued.content
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.created_by, invoice.issued_by) == ("issued", None, None)


def test_an_api_key_for_another_area_reads_no_invoices(manager):
    client = key_client(manager, "customers:write")

    assert "invoicing:read" in problem_of(client.get(INVOICES), 403)["detail"]
    problem_of(client.get("/api/v1/payment-terms/"), 403)


# --- Idempotency ----------------------------------------------------------------------------


def test_an_idempotent_create_is_replayed_not_repeated(accountant, customer):
    client = client_for(accountant)
    body = draft_body(customer)

    first = client.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    again = client.post(INVOICES, body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")

    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Invoice.objects.count() == 1 and InvoiceLine.objects.count() == 1

    other = client.post(INVOICES, draft_body(customer, note="other"), format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert problem_of(other, 422)["type"].endswith("idempotency-key-reused")
    assert Invoice.objects.count() == 1


def test_a_failed_create_releases_its_idempotency_key(accountant, customer):
    client = client_for(accountant)

    bad = draft_body(customer, lines=[line(vat_rate="16")])
    problem_of(client.post(INVOICES, bad, format="json", HTTP_IDEMPOTENCY_KEY="k"))
    fixed = client.post(INVOICES, draft_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert fixed.status_code == 201, fixed.content


# --- Filters, search and ordering -----------------------------------------------------------


def ids(client, params) -> list[int]:
    response = client.get(INVOICES, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_invoices_filter_by_status_type_customer_currency_and_dates(viewer, accountant, customer):
    other = make_customer(legal_name="Andere KG")
    draft = make_draft(customer, currency="USD", invoice_date=date(2026, 12, 5))
    issued = make_issued(customer)
    elsewhere = make_issued(other, payment_terms=PaymentTerms.objects.get(name="14 Tage netto").pk)
    credit = services.credit_note_create(invoice=issued, as_of=NOW, lines=[line(quantity="1")], issue=True)
    client = client_for(viewer)

    def found(params):
        return sorted(ids(client, params))

    assert found({"status": "draft"}) == [draft.pk]
    assert found({"status__in": "issued,cancelled"}) == sorted([issued.pk, elsewhere.pk, credit.pk])
    assert found({"document_type": "credit_note"}) == [credit.pk]
    assert found({"customer": other.pk}) == [elsewhere.pk]
    assert found({"customer": customer.pk, "document_type": "invoice"}) == sorted([draft.pk, issued.pk])
    assert found({"currency": "usd"}) == [draft.pk]
    assert found({"settlement_state": "open", "status": "issued"}) == sorted([issued.pk, elsewhere.pk])
    assert found({"invoice_date__gte": "2026-12-02"}) == [draft.pk]
    assert found({"invoice_date__lte": "2026-12-01"}) == sorted([issued.pk, elsewhere.pk, credit.pk])
    assert found({"due_date__lte": "2026-12-15"}) == [elsewhere.pk]
    assert found({"due_date__gte": "2026-12-16", "due_date__lte": "2026-12-31"}) == [issued.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "paid"},
        {"status__in": "draft,nope"},
        {"settlement_state": "overdue"},
        {"customer": "abc"},
        {"invoice_date__gte": "yesterday"},
        {"overdue_as_of": "2026-02-30"},
        {"document_type": "receipt"},
    ],
)
def test_a_bad_filter_value_is_a_400_problem(viewer, params):
    problem_of(client_for(viewer).get(INVOICES, params))


def test_overdue_as_of_lists_issued_unpaid_invoices_due_before_the_date(viewer, accountant, customer):
    net_14 = PaymentTerms.objects.get(name="14 Tage netto").pk
    due_15th = make_issued(customer, payment_terms=net_14)  # due 2026-12-15
    due_31st = make_issued(customer)  # due 2026-12-31
    credited = make_issued(customer, payment_terms=net_14)
    services.credit_note_create(invoice=credited, as_of=NOW, issue=True)  # open amount 0
    make_draft(customer)
    client = client_for(viewer)

    assert ids(client, {"overdue_as_of": "2026-12-15"}) == []
    assert ids(client, {"overdue_as_of": "2026-12-16"}) == [due_15th.pk]
    rows = client.get(INVOICES, {"overdue_as_of": "2027-01-01", "ordering": "due_date"}).json()["results"]
    assert [(row["id"], row["overdue"]) for row in rows] == [(due_15th.pk, True), (due_31st.pk, True)]
    assert {row["overdue"] for row in client.get(INVOICES).json()["results"]} == {False}  # as of today

    body = {"due_date": "2027-01-15", "reason": "Zahlungsplan"}
    assert client_for(accountant).post(f"{detail(due_15th)}change-due-date/", body, format="json").status_code == 200
    assert ids(client, {"overdue_as_of": "2027-01-01"}) == [due_31st.pk]


def test_search_finds_documents_by_number_or_the_customers_name_or_number(viewer, customer):
    other = make_customer(legal_name="Zebra Logistik AG")
    mine = make_issued(customer)
    theirs = make_issued(other)
    client = client_for(viewer)

    assert ids(client, {"search": mine.number}) == [mine.pk]
    assert ids(client, {"search": "zebra"}) == [theirs.pk]
    assert ids(client, {"search": other.number}) == [theirs.pk]
    assert sorted(ids(client, {"search": " "})) == sorted([mine.pk, theirs.pk])


def test_invoices_are_newest_first_with_drafts_on_top_and_the_id_as_tie_break(viewer, customer):
    issued = [make_issued(customer) for _ in range(2)]
    drafts = [make_draft(customer) for _ in range(2)]
    client = client_for(viewer)

    assert ids(client, {}) == [drafts[1].pk, drafts[0].pk, issued[1].pk, issued[0].pk]
    assert ids(client, {"ordering": "due_date"}) == [issued[0].pk, issued[1].pk, drafts[0].pk, drafts[1].pk]
    assert ids(client, {"ordering": "-number"}) == [drafts[0].pk, drafts[1].pk, issued[1].pk, issued[0].pk]
    assert ids(client, {"ordering": "-id"}) == [drafts[1].pk, drafts[0].pk, issued[1].pk, issued[0].pk]
    assert ids(client, {"ordering": "last_error"}) == ids(client, {})  # undocumented: ignored


# --- Payment terms and VAT rates ------------------------------------------------------------


def test_payment_terms_and_vat_rates_are_listed_for_clients(viewer):
    client = client_for(viewer)

    terms = client.get("/api/v1/payment-terms/").json()["results"]
    skonto = next(t for t in terms if t["name"] == "2 % Skonto 10 Tage, 30 Tage netto")
    assert (skonto["basis"], skonto["days"], skonto["discount_tiers"]) == ("net", 30, [{"percent": "2.00", "days": 10}])
    assert [t["name"] for t in terms if t["is_default"]] == ["30 Tage netto"]
    assert client.get(f"/api/v1/payment-terms/{skonto['id']}/").json() == skonto

    rates = client.get("/api/v1/vat-rates/", {"category": "S"}).json()["results"]
    assert [(r["country"], r["rate"]) for r in rates] == [("DE", "19.00"), ("DE", "7.00")]
    VatRate.objects.filter(category="S", rate=Decimal("7")).update(valid_to=date(2026, 6, 30))
    rates = client.get("/api/v1/vat-rates/", {"category": "S", "valid_on": "2026-12-01"}).json()["results"]
    assert [r["rate"] for r in rates] == ["19.00"]
    all_categories = {r["category"] for r in client.get("/api/v1/vat-rates/").json()["results"]}
    assert all_categories == set(VatCategory.values)
    problem_of(client.get("/api/v1/vat-rates/", {"category": "X"}))


def test_inactive_payment_terms_cannot_be_chosen(accountant, customer):
    old = PaymentTerms.objects.create(name="Alt", days=60, active=False)

    problem = problem_of(
        client_for(accountant).post(INVOICES, draft_body(customer, payment_terms=old.pk), format="json")
    )

    assert "#/payment_terms" in errors_by_pointer(problem)


# --- Query counts (N+1 guard) ---------------------------------------------------------------

# Session, user and role (3); the page's count and rows with their customers and document
# states (2); the stored VAT breakdowns, the stored documents, the drafts' lines and the drafts'
# allowances (4). The same for any number.
LIST_QUERIES = 9
# Session, user and role (3); the document with customer and document state (1); lines, stored
# documents, allowances, breakdown, events with their users, credit notes (6).
DETAIL_QUERIES = 10


def ten_lines(n: int) -> list[dict]:
    rates = ("19", "7")
    return [line(description=f"Position {n}-{i}", quantity=str(i + 1), vat_rate=rates[i % 2]) for i in range(10)]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_invoice_list_takes_the_same_number_of_queries_for_any_number_of_rows(
    viewer, customer, django_assert_num_queries, rows
):
    allowance = [{"reason": "Rabatt", "amount": "10.00", "vat_category": "S", "vat_rate": "19"}]
    for n in range(rows):
        draft = make_draft(customer, lines=ten_lines(n), allowances_charges=allowance)
        if n % 2 == 0:
            services.invoice_issue(invoice=draft, as_of=NOW)
    client = session_client(viewer)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(INVOICES)

    results = response.json()["results"]
    assert len(results) == rows
    for row in results:
        assert [(b["vat_rate"], b["taxable_amount"]) for b in row["vat_breakdown"]] == [
            ("7.00", "3600.00"),
            ("19.00", "2990.00"),
        ], row["status"]
        assert row["tax_inclusive_total"] == "7410.10"


def test_the_invoice_detail_takes_a_fixed_number_of_queries(viewer, accountant, customer, django_assert_num_queries):
    invoice = make_issued(customer, lines=ten_lines(1), by=accountant)
    for _ in range(3):
        services.credit_note_create(invoice=invoice, as_of=NOW, lines=[line(quantity="1")], issue=True, by=accountant)
    client = session_client(viewer)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail(invoice))

    data = response.json()
    assert len(data["lines"]) == 10 and len(data["credit_notes"]) == 3
    assert [e["kind"] for e in data["events"]] == ["created", "issued", "credited", "credited", "credited"]


# --- The schema -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """The schema as ``manage.py spectacular --validate --fail-on-warn`` writes it."""
    target = tmp_path_factory.mktemp("openapi") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", validate=True, fail_on_warn=True, format="openapi-json", file=str(target))
    return json.loads(target.read_text())


def test_the_invoice_list_documents_its_filters_search_ordering_and_pagination(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/invoices/"]["get"]["parameters"]}

    expected = {"status", "status__in", "settlement_state", "document_type", "customer", "currency", "search"}
    dates = {"invoice_date__gte", "invoice_date__lte", "due_date__gte", "due_date__lte", "overdue_as_of"}
    assert expected | dates | {"ordering", "page", "page_size"} <= parameters.keys()
    assert parameters["overdue_as_of"]["schema"]["format"] == "date"
    assert set(parameters["status"]["schema"]["enum"]) == {"draft", "issued", "cancelled"}


def test_the_invoice_operations_document_their_bodies_and_answers(schema):
    paths, components = schema["paths"], schema["components"]["schemas"]

    def request_properties(operation):
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        return components[ref]["properties"]

    create = paths["/api/v1/invoices/"]["post"]
    assert {"customer", "lines", "allowances_charges", *HEADER_FIELDS} <= request_properties(create).keys()
    assert "number" not in request_properties(create) and "status" not in request_properties(create)
    credit_note = paths["/api/v1/invoices/{id}/credit-note/"]["post"]
    # The successes only: every operation also lists its problem responses (core/api/schema.py).
    assert {status for status in create["responses"] if status < "400"} == {"201"}
    assert {status for status in credit_note["responses"] if status < "400"} == {"201"}
    assert {"lines", "reason", "issue"} == request_properties(
        paths["/api/v1/invoices/{id}/credit-note/"]["post"]
    ).keys()
    assert {"due_date", "reason"} == request_properties(paths["/api/v1/invoices/{id}/change-due-date/"]["post"]).keys()
    assert components["VatCategoryEnum"]["enum"] == VatCategory.values
    for operation in (create, paths["/api/v1/invoices/{id}/credit-note/"]["post"]):
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}


# --- Never a 500 ----------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6,
)
# Values a client might plausibly send for each field (half of the draws), else anything.
PLAUSIBLE = {
    "customer": [1, 2**63, "1"],
    "currency": ["EUR", "usd", "JPY", "XYZ", ""],
    "invoice_date": ["2026-12-01", "2026-11-15", "2027-02-29", None],
    "service_date": ["2026-11-30", "1900-01-01", "", None],
    "service_period_start": ["2026-11-01", None],
    "service_period_end": ["2026-11-30", "2026-10-31", None],
    "deliver_to_country": ["DE", "at", "XX", ""],
    "buyer_reference": ["PO-4711", "x" * 201],
    "purchase_order_reference": ["4500012345", ""],
    "note": ["Vielen Dank!", ""],
    "payment_terms": [1, 2, 999, None],
    "prepaid_amount": ["0", "100.00", "-1", "0.001", "1e11"],
    "language": ["de", "en", "fr"],
    "description": ["Beratung", "", "x" * 501],
    "item_number": ["A-1", ""],
    "quantity": ["1", "-2", "0.5", "0", "1e3", "99999999999", "0.00001"],
    "unit_code": ["HUR", "c62", "x", "ABCD"],
    "unit_price": ["0", "10.00", "0.0001", "99999999999", "-1"],
    "price_base_quantity": ["1", "100", "0"],
    "allowance_percent": ["10", "100", "101", None],
    "allowance_amount": ["5.00", "0.005", "1e10", None],
    "vat_category": [*VatCategory.values, "X", None],
    "vat_rate": ["19", "7.00", "0", "16", None],
    "exemption_reason": ["Steuerfrei nach § 4 Nr. 14 UStG", ""],
    "exemption_code": ["vatex-eu-132-1a", ""],
    "is_charge": [True, False, "yes"],
    "reason": ["Rabatt", ""],
    "reason_code": ["95", ""],
    "amount": ["10.00", "0.001", "1e11", None],
    "percent": ["10", "3.5", None],
    "base_amount": ["100.00", "33.33", None],
    # issue 13: references, buyer's contact, line period, charge and reasons
    "contract_reference": ["RV-17", "", "x" * 201],
    "project_reference": ["P-0815", ""],
    "project_name": ["Neubau", ""],
    "buyer_contact_name": ["Herr Kämmerer", ""],
    "buyer_contact_phone": ["+49 30 1234567", "030 1234567", "12", "abc", ""],
    "buyer_contact_email": ["a@example.com", "not-an-address", ""],
    "allowance_reason": ["Treue", ""],
    "allowance_reason_code": ["95", "FC", "1000", ""],
    "charge_percent": ["5", "101", "0.001", None],
    "charge_amount": ["5.00", "-1", "1e11", None],
    "charge_reason": ["Fracht", ""],
    "charge_reason_code": ["FC", "fc", "XYZ", ""],
    "period_start": ["2026-10-01", "31.10.2026", None],
    "period_end": ["2026-10-31", "2026-09-30", None],
}


def value_for(field: str) -> st.SearchStrategy:
    return st.sampled_from(PLAUSIBLE[field]) | any_json


def loose(fields, max_size: int = 3) -> st.SearchStrategy[dict]:
    """A few of ``fields``, each with a plausible value or anything."""
    return st.lists(st.sampled_from(fields), max_size=max_size, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({field: value_for(field) for field in chosen})
    )


def valid_lines() -> st.SearchStrategy[list[dict]]:
    """Lines that start valid, with some fields replaced by anything."""
    return st.lists(loose(LINE_FIELDS).map(lambda fields: line(**fields)), min_size=1, max_size=3)


@settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=loose((*HEADER_FIELDS, "customer")),
    lines=st.none() | valid_lines() | st.lists(loose(LINE_FIELDS), max_size=2) | any_json,
    allowances=st.none() | st.lists(loose(ALLOWANCE_FIELDS, max_size=8), max_size=2) | any_json,
)
def test_any_create_body_answers_201_or_a_400_problem_never_500(accountant, customer, fields, lines, allowances):
    body = {**draft_body(customer), **fields}
    if lines is not None:
        body["lines"] = lines
    if allowances is not None:
        body["allowances_charges"] = allowances
    before = counts()

    response = client_for(accountant).post(INVOICES, body, format="json")

    event(f"status {response.status_code}")
    assert response.status_code in {201, 400}, (body, response.content)
    if response.status_code == 400:
        assert problem_of(response)["errors"]
        assert counts() == before


def snapshot(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (
        invoice.updated_at,
        invoice.amount_due,
        invoice.note,
        list(invoice.lines.values_list("description", "quantity", "unit_price", "vat_rate")),
        list(invoice.allowances_charges.values_list("reason", "amount")),
    )


@settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_update_body_answers_200_or_a_400_problem_never_500(accountant, customer, data):
    invoice = Invoice.objects.filter(status="draft").first() or make_draft(customer)
    body = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "lines": valid_lines() | st.lists(loose(LINE_FIELDS), max_size=2) | any_json,
                "allowances_charges": st.lists(loose(ALLOWANCE_FIELDS, max_size=8), max_size=2) | any_json,
            },
        ).flatmap(lambda lists: loose(HEADER_FIELDS).map(lambda header: {**header, **lists}))
        | any_json
    )
    before = snapshot(invoice)

    response = client_for(accountant).patch(detail(invoice), body, format="json")

    event(f"status {response.status_code}")
    assert response.status_code in {200, 400}, (body, response.content)
    if response.status_code == 400:
        assert problem_of(response)["errors"]
        assert snapshot(invoice) == before


@settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "status",
                "status__in",
                "settlement_state",
                "document_type",
                "customer",
                "currency",
                "invoice_date__gte",
                "due_date__lte",
                "overdue_as_of",
                "search",
                "ordering",
                "page",
                "page_size",
            ]
        ),
        st.one_of(any_text, st.sampled_from(["draft", "2026-12-01", "0001-01-01", "9999-12-31", str(2**70), "-id"])),
        max_size=4,
    )
)
def test_any_list_query_answers_200_or_a_400_problem_never_500(viewer, params):
    response = client_for(viewer).get(INVOICES, params)

    event(f"status {response.status_code}")
    assert response.status_code in {200, 400, 404}, (params, response.content)
    if response.status_code != 200:
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
