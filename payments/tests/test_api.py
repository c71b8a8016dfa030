"""The payments REST API: record (once per Idempotency-Key), allocate, reverse, credit, refund,
return; a customer's balance and open items.

Views are thin; these tests pin the contract: amounts as strings, 400 problems whose pointers
name the field (over-allocation, currency mismatch, a draft, negative amounts) with nothing
applied, roles, filters, and list query counts that do not grow with the rows.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.api.problems import PROBLEM_CONTENT_TYPE
from core.services import api_key_create
from customers.tests.factories import make_customer
from invoicing.models import InvoiceEvent
from invoicing.tests.factories import D0, T0, invoicing_setup, make_draft  # noqa: F401
from payments.models import Allocation, Payment, PaymentEvent, Refund, WriteOff
from payments.services import payment_allocate
from tests.conftest import client_for

from .factories import make_invoice, make_payment

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/payments/"


def detail(payment) -> str:
    return f"{PAYMENTS}{payment.pk}/"


def problem_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body["status"] == status
    return body


def pointers(body: dict) -> set[str]:
    return {error["pointer"] for error in body.get("errors", [])}


def counts() -> tuple:
    return (Payment.objects.count(), Allocation.objects.count(), PaymentEvent.objects.count(), Refund.objects.count())


@pytest.fixture
def customer(invoicing_setup):  # noqa: F811
    return make_customer()


@pytest.fixture
def invoice(customer):
    return make_invoice(customer=customer, gross="119.00")


def body_for(payer, **overrides) -> dict:
    return {
        "customer": payer.pk,
        "channel": "bank_transfer",
        "amount": "119.00",
        "currency": "EUR",
        "value_date": D0.isoformat(),
        "payer_name": "Nordlicht Software AG",
        "payer_iban": "DE89370400440532013000",
        "remittance": "",
        "external_id": "",
        **overrides,
    }


# --- Recording --------------------------------------------------------------------------------
def test_an_accountant_records_a_payment_that_settles_the_invoice_its_remittance_names(accountant, customer, invoice):
    response = client_for(accountant).post(
        PAYMENTS, body_for(customer, remittance=f"Rechnung {invoice.number}"), format="json"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"].endswith(f"/api/v1/payments/{data['id']}/")
    assert data["amount"] == "119.00"
    assert data["allocated_amount"] == "119.00"
    assert data["unapplied_amount"] == "0.00"
    assert data["customer"]["number"] == customer.number
    assert [(a["invoice"]["number"], a["amount"], a["active"]) for a in data["allocations"]] == [
        (invoice.number, "119.00", True)
    ]
    assert data["allocations"][0]["invoice"]["settlement_state"] == "paid"
    assert data["events"][0]["kind"] == "recorded"
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"
    assert invoice.open_amount == 0


def test_a_payment_recorded_without_allocation_stays_unapplied(accountant, customer, invoice):
    response = client_for(accountant).post(PAYMENTS, body_for(customer, allocate=False), format="json")

    assert response.status_code == 201
    assert response.json()["unapplied_amount"] == "119.00"
    invoice.refresh_from_db()
    assert invoice.settlement_state == "open"


def test_the_same_idempotency_key_twice_records_one_payment(accountant, customer, invoice):
    client = client_for(accountant)
    body = body_for(customer, amount="50.00")

    first = client.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    second = client.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("69.00")


def test_the_same_idempotency_key_with_another_body_is_refused(accountant, customer):
    client = client_for(accountant)
    client.post(PAYMENTS, body_for(customer), format="json", HTTP_IDEMPOTENCY_KEY="pay-2")

    response = client.post(PAYMENTS, body_for(customer, amount="1.00"), format="json", HTTP_IDEMPOTENCY_KEY="pay-2")

    problem_of(response, 422)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "-5.00"),
        ("amount", "0"),
        ("amount", "1.001"),
        ("amount", "NaN"),
        ("amount", "1e20"),
        ("channel", "pigeon"),
        ("currency", "euro"),
        ("value_date", "2026-13-01"),
        ("customer", 999999),
    ],
)
def test_bad_create_input_is_a_400_problem_pointing_at_the_field(accountant, customer, field, value):
    before = counts()

    response = client_for(accountant).post(PAYMENTS, body_for(customer, **{field: value}), format="json")

    assert f"#/{field}" in pointers(problem_of(response))
    assert counts() == before


def test_a_viewer_reads_payments_but_may_not_record_or_allocate(viewer, customer, invoice):
    payment = make_payment(customer=customer, amount="10.00")
    client = client_for(viewer)

    assert client.get(PAYMENTS).status_code == 200
    assert client.get(detail(payment)).status_code == 200
    problem_of(client.post(PAYMENTS, body_for(customer), format="json"), 403)
    problem_of(
        client.post(
            f"{detail(payment)}allocations/",
            {"targets": [{"invoice": invoice.pk, "amount": "10.00"}]},
            format="json",
        ),
        403,
    )
    assert Payment.objects.count() == 1
    assert not Allocation.objects.exists()


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(PAYMENTS).status_code in (401, 403)


# --- Allocating -------------------------------------------------------------------------------
def allocate(client, payment, *targets, **extra):
    return client.post(f"{detail(payment)}allocations/", {"targets": list(targets), **extra}, format="json")


def test_a_payment_is_allocated_to_two_invoices_partially(accountant, customer, invoice):
    other = make_invoice(customer=customer, gross="238.00")
    payment = make_payment(customer=customer, amount="200.00")

    response = allocate(
        client_for(accountant),
        payment,
        {"invoice": invoice.pk, "amount": "119.00"},
        {"invoice": other.pk, "amount": "81.00"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["unapplied_amount"] == "0.00"
    invoice.refresh_from_db()
    other.refresh_from_db()
    assert (invoice.settlement_state, other.settlement_state) == ("paid", "partially_paid")
    assert other.open_amount == Decimal("157.00")


def test_over_allocation_is_a_400_problem_and_nothing_is_applied(accountant, customer, invoice):
    other = make_invoice(customer=customer, gross="238.00")
    payment = make_payment(customer=customer, amount="300.00")
    before = counts()

    response = allocate(
        client_for(accountant),
        payment,
        {"invoice": other.pk, "amount": "100.00"},
        {"invoice": invoice.pk, "amount": "150.00"},  # more than the invoice's 119.00 open
    )

    body = problem_of(response)
    assert any(pointer.startswith("#/targets/1") for pointer in pointers(body)), body
    assert counts() == before
    other.refresh_from_db()
    assert other.open_amount == Decimal("238.00")


def test_allocating_more_than_the_payment_is_refused(accountant, customer, invoice):
    payment = make_payment(customer=customer, amount="50.00")

    body = problem_of(allocate(client_for(accountant), payment, {"invoice": invoice.pk, "amount": "60.00"}))

    assert body["errors"]
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("119.00")


def test_allocating_to_a_draft_is_refused(accountant, customer):
    draft = make_draft(customer=customer)
    payment = make_payment(customer=customer, amount="50.00")

    body = problem_of(allocate(client_for(accountant), payment, {"invoice": draft.pk, "amount": "10.00"}))

    assert any(pointer.startswith("#/targets/0") for pointer in pointers(body)), body
    assert not Allocation.objects.exists()


def test_allocating_across_currencies_is_refused(accountant, customer, invoice):
    payment = make_payment(customer=customer, amount="50.00", currency="USD")

    body = problem_of(allocate(client_for(accountant), payment, {"invoice": invoice.pk, "amount": "10.00"}))

    assert any(pointer.startswith("#/targets/0") for pointer in pointers(body)), body
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    "target",
    [
        {"amount": "10.00"},
        {"invoice": 0, "amount": "10.00"},
        {"invoice": "x", "amount": "10.00"},
        {"amount": "-1.00", "invoice": None},
    ],
)
def test_malformed_targets_are_400_problems(accountant, customer, invoice, target):
    payment = make_payment(customer=customer, amount="50.00")
    if target.get("invoice") is None and "invoice" in target:
        target = {**target, "invoice": invoice.pk}

    body = problem_of(allocate(client_for(accountant), payment, target))

    assert any(pointer.startswith("#/targets/0") for pointer in pointers(body)), body
    assert not Allocation.objects.exists()


def test_a_negative_allocation_amount_points_at_it(accountant, customer, invoice):
    payment = make_payment(customer=customer, amount="50.00")

    body = problem_of(allocate(client_for(accountant), payment, {"invoice": invoice.pk, "amount": "-1.00"}))

    assert "#/targets/0/amount" in pointers(body)


def test_reversing_an_allocation_reopens_the_invoice(accountant, customer, invoice):
    payment = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    allocation = payment.allocations.get()
    client = client_for(accountant)

    problem_of(client.post(f"/api/v1/allocations/{allocation.pk}/reverse/", {}, format="json"))
    response = client.post(f"/api/v1/allocations/{allocation.pk}/reverse/", {"reason": "wrong customer"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert response.json()["reversal_reason"] == "wrong customer"
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.settlement_state == "open"
    assert payment.unapplied_amount == Decimal("119.00")
    again = client.post(f"/api/v1/allocations/{allocation.pk}/reverse/", {"reason": "twice"}, format="json")
    assert problem_of(again)["errors"]


# --- Credit, refund, return -------------------------------------------------------------------
def test_an_over_payment_is_kept_as_credit_applied_elsewhere_and_the_rest_refunded(accountant, customer, invoice):
    payment = make_payment(customer=customer, amount="150.00", remittance=invoice.number, allocate=True)
    client = client_for(accountant)

    credited = client.post(f"{detail(payment)}credit/", {}, format="json")
    assert credited.status_code == 200, credited.content
    assert credited.json()["credit_amount"] == "31.00"

    later = make_invoice(customer=customer, gross="11.90")
    applied = allocate(client, payment, {"invoice": later.pk, "amount": "11.90"}, from_credit=True)
    assert applied.status_code == 201, applied.content
    assert applied.json()["credit_amount"] == "19.10"

    refunded = client.post(
        f"{detail(payment)}refund/", {"amount": "19.10", "channel": "bank_transfer", "reference": "R-1"}, format="json"
    )
    assert refunded.status_code == 201, refunded.content
    data = refunded.json()
    assert (data["credit_amount"], data["refunded_amount"]) == ("0.00", "19.10")
    assert data["refunds"][0]["reference"] == "R-1"

    too_much = client.post(f"{detail(payment)}refund/", {"amount": "1.00", "channel": "bank_transfer"}, format="json")
    assert problem_of(too_much)["errors"]
    assert Refund.objects.count() == 1


def test_a_returned_direct_debit_reopens_its_invoice(accountant, customer, invoice):
    payment = make_payment(
        customer=customer, amount="119.00", channel="direct_debit", remittance=invoice.number, allocate=True
    )

    response = client_for(accountant).post(
        f"{detail(payment)}return/", {"reason": "Rücklastschrift", "return_code": "MD06"}, format="json"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["returned_amount"], data["allocated_amount"]) == ("returned", "119.00", "0.00")
    assert all(not allocation["active"] for allocation in data["allocations"])
    invoice.refresh_from_db()
    assert invoice.settlement_state == "open"
    problem_of(client_for(accountant).post(f"{detail(payment)}return/", {}, format="json"))


# --- Lists ------------------------------------------------------------------------------------
def test_the_list_filters_by_channel_status_customer_date_and_unapplied(viewer, customer, invoice):
    other = make_customer(legal_name="Zweite GmbH")
    applied = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    open_money = make_payment(customer=customer, amount="5.00", channel="cash", value_date=D0 - timedelta(days=10))
    foreign = make_payment(customer=other, amount="7.00")
    client = client_for(viewer)

    def ids(query: str) -> list[int]:
        response = client.get(f"{PAYMENTS}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [foreign.pk, applied.pk, open_money.pk]  # newest value date first, id breaks ties
    assert ids("channel=cash") == [open_money.pk]
    assert ids("unapplied=true") == [foreign.pk, open_money.pk]
    assert ids("unapplied=false") == [applied.pk]
    assert ids(f"customer={other.pk}") == [foreign.pk]
    assert ids(f"value_date__lte={(D0 - timedelta(days=1)).isoformat()}") == [open_money.pk]
    assert ids("ordering=amount") == [open_money.pk, foreign.pk, applied.pk]
    assert ids("status=completed&ordering=-amount") == [applied.pk, foreign.pk, open_money.pk]
    problem_of(client.get(f"{PAYMENTS}?status=lost"))
    problem_of(client.get(f"{PAYMENTS}?value_date__gte=yesterday"))


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{PAYMENTS}?page_size=100")
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_one_payment_as_for_fifty(viewer, customer):
    client = client_for(viewer)
    make_payment(customer=customer, amount="1.00")
    client.get(PAYMENTS)  # the user's role is looked up once
    one = list_queries(client)
    for index in range(49):
        make_payment(customer=make_customer() if index % 5 == 0 else customer, amount="2.00")

    assert list_queries(client) == one == 2  # count, page (customers joined)


def test_the_detail_costs_the_same_queries_however_many_allocations(viewer, customer):
    invoices = [make_invoice(customer=customer, gross="11.90") for _ in range(3)]
    payment = make_payment(customer=customer, amount="100.00")
    client = client_for(viewer)
    payment_allocate(payment=payment, targets=[{"invoice": invoices[0], "amount": Decimal("11.90")}], as_of=T0)
    client.get(detail(payment))  # the user's role is looked up once
    with CaptureQueriesContext(connection) as few:
        client.get(detail(payment))
    payment_allocate(
        payment=payment, targets=[{"invoice": i, "amount": Decimal("11.90")} for i in invoices[1:]], as_of=T0
    )
    with CaptureQueriesContext(connection) as more:
        response = client.get(detail(payment))

    assert len(response.json()["allocations"]) == 3
    assert len(more) == len(few) == 4  # payment with customer, allocations, refunds, events (with their users)


# --- A customer's account ---------------------------------------------------------------------
def test_the_balance_and_open_items_of_a_customer(viewer, customer, invoice):
    other = make_invoice(customer=customer, gross="238.00")
    make_payment(customer=customer, amount="400.00", remittance=f"{invoice.number} {other.number}", allocate=True)
    third = make_invoice(customer=customer, gross="59.50")
    client = client_for(viewer)

    balance = client.get(f"/api/v1/customers/{customer.pk}/balance/")
    items = client.get(f"/api/v1/customers/{customer.pk}/open-items/")

    assert balance.status_code == 200, balance.content
    assert items.status_code == 200, items.content
    assert balance.json() == [
        {"currency": "EUR", "open_receivables": "59.50", "credit": "0.00", "unapplied": "43.00", "balance": "16.50"}
    ]
    rows = items.json()
    assert [(row["kind"], row["number"], row["open_amount"], row["is_credit"]) for row in rows] == [
        ("invoice", third.number, "59.50", False),
        ("unapplied_payment", "", "43.00", True),
    ]
    assert rows[0]["aging"] == "current" and rows[1]["aging"] is None
    assert client.get("/api/v1/customers/999999/balance/").status_code == 404
    problem_of(client.get(f"/api/v1/customers/{customer.pk}/open-items/?as_of=soon"))


def test_open_items_age_as_of_the_date_asked(viewer, customer, invoice):
    late = (invoice.due_date + timedelta(days=45)).isoformat()

    [row] = client_for(viewer).get(f"/api/v1/customers/{customer.pk}/open-items/?as_of={late}").json()

    assert (row["days_overdue"], row["aging"]) == (45, "31_60")


# --- Never a 500 ------------------------------------------------------------------------------
any_json = st.recursive(
    # JSON has no NaN or Infinity (the client could not send them); "NaN" as a string is tried above.
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
PLAUSIBLE = {
    "channel": ["bank_transfer", "cash", "card", "x", ""],
    "status": ["completed", "pending", "returned", "x"],
    "amount": ["119.00", "0.01", "-1", "0", "1.001", "1e11", "NaN", "Infinity", "", "12,50"],
    "currency": ["EUR", "USD", "eur", "EURO", "XXX", ""],
    "value_date": ["2026-11-27", "0001-01-01", "9999-12-31", "2026-02-30", ""],
    "payer_name": ["Müller", "", "x" * 201],
    "payer_iban": ["DE89370400440532013000", "x" * 35],
    "remittance": ["RE-2026-00001", "", "x" * 2001],
    "external_id": ["bank-1", "", "x" * 201],
    "allocate": [True, False, "yes", None],
}


@settings(max_examples=50, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=3, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({field: st.sampled_from(PLAUSIBLE[field]) | any_json for field in chosen})
    )
)
def test_any_create_body_answers_201_or_a_400_problem_never_500(accountant, customer, fields):
    body = {**body_for(customer), **fields}
    before = counts()

    response = client_for(accountant).post(PAYMENTS, body, format="json")

    event(f"status {response.status_code}")
    assert response.status_code in {201, 400}, (body, response.content)
    if response.status_code == 400:
        assert problem_of(response)["errors"]
        assert counts() == before


def test_the_currency_defaults_to_the_customers(accountant, invoicing_setup):  # noqa: F811
    swiss = make_customer(currency="CHF")
    body = body_for(swiss, allocate=False)
    del body["currency"]

    response = client_for(accountant).post(PAYMENTS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "CHF"


# --- Write-offs -------------------------------------------------------------------------------
WRITE_OFFS = "/api/v1/write-offs/"


def short_paid(customer, invoice, missing: str = "0.42"):
    """The invoice paid but for ``missing``; returns the payment."""
    amount = invoice.tax_inclusive_total - Decimal(missing)
    return make_payment(customer=customer, amount=amount, remittance=invoice.number, allocate=True)


def test_a_manager_writes_off_the_few_cents_left_and_the_invoice_is_paid(manager, customer, invoice):
    payment = short_paid(customer, invoice)

    response = client_for(manager).post(
        WRITE_OFFS,
        {"invoice": invoice.pk, "amount": "0.42", "reason": "bank charges", "payment": payment.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["amount"], data["reason"], data["created_by"], data["payment"]) == (
        "0.42",
        "bank charges",
        "manager",
        payment.pk,
    )
    assert data["invoice"]["id"] == invoice.pk
    assert (data["invoice"]["open_amount"], data["invoice"]["settlement_state"]) == ("0.00", "paid")
    assert data["created_at"]
    record = WriteOff.objects.get()
    assert (record.pk, record.amount, record.created_by) == (data["id"], Decimal("0.42"), manager)
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settlement_state) == (Decimal("0.00"), "paid")
    assert invoice.events.filter(kind=InvoiceEvent.Kind.SETTLEMENT_CHANGED, to_state="paid").exists()
    assert payment.events.filter(kind=PaymentEvent.Kind.WRITTEN_OFF).exists()


def test_an_accountant_may_not_write_off(accountant, customer, invoice):
    short_paid(customer, invoice)

    response = client_for(accountant).post(
        WRITE_OFFS, {"invoice": invoice.pk, "amount": "0.42", "reason": "bank charges"}, format="json"
    )

    problem_of(response, 403)
    assert not WriteOff.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "pointer"),
    [
        ("5.01", "bank charges", "#/amount"),  # over the tolerance (5.00)
        ("1.00", "bank charges", "#/amount"),  # more than the 0.42 open
        ("0.42", "", "#/reason"),
        ("0.42", "   ", "#/reason"),
        ("-0.42", "bank charges", "#/amount"),
        ("abc", "bank charges", "#/amount"),
    ],
)
def test_a_refused_write_off_is_a_400_problem_and_nothing_is_saved(manager, customer, invoice, amount, reason, pointer):
    short_paid(customer, invoice)

    response = client_for(manager).post(
        WRITE_OFFS, {"invoice": invoice.pk, "amount": amount, "reason": reason}, format="json"
    )

    assert pointer in pointers(problem_of(response)), response.content
    assert not WriteOff.objects.exists()
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.42")


def test_the_tolerance_comes_from_the_settings(manager, customer, invoice, settings):
    settings.DEBITOR_WRITE_OFF_TOLERANCE = Decimal("0.40")
    short_paid(customer, invoice)

    body = problem_of(
        client_for(manager).post(WRITE_OFFS, {"invoice": invoice.pk, "amount": "0.42", "reason": "x"}, format="json")
    )

    assert "#/amount" in pointers(body)
    assert not WriteOff.objects.exists()


def test_writing_off_on_a_draft_or_an_unknown_invoice_points_at_the_invoice(manager, customer):
    draft = make_draft(customer=customer)
    client = client_for(manager)

    for invoice_id in (draft.pk, 999_999):
        body = problem_of(
            client.post(WRITE_OFFS, {"invoice": invoice_id, "amount": "0.42", "reason": "x"}, format="json")
        )
        assert "#/invoice" in pointers(body)
    assert not WriteOff.objects.exists()


def test_the_same_idempotency_key_twice_writes_off_once(manager, customer, invoice):
    short_paid(customer, invoice, missing="1.00")
    client = client_for(manager)
    body = {"invoice": invoice.pk, "amount": "0.50", "reason": "goodwill"}

    first = client.post(WRITE_OFFS, body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    second = client.post(WRITE_OFFS, body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert WriteOff.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.50")


def test_an_api_key_may_not_write_off_even_with_the_payments_write_scope(manager, customer, invoice):
    short_paid(customer, invoice)
    _key, plaintext = api_key_create(name="Bank sync", scopes=["payments:write"], created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    response = client.post(WRITE_OFFS, {"invoice": invoice.pk, "amount": "0.42", "reason": "x"}, format="json")

    problem_of(response, 403)
    assert not WriteOff.objects.exists()


# --- Pending payments and unknown payers ------------------------------------------------------------


def test_a_pending_payment_is_completed_through_the_api_and_settles_the_invoice(accountant, viewer, customer, invoice):
    payment = make_payment(customer=customer, amount="119.00", status="pending")

    assert client_for(viewer).post(f"{detail(payment)}complete/", {}, format="json").status_code == 403
    response = client_for(accountant).post(f"{detail(payment)}complete/", {}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["allocated_amount"]) == ("completed", "119.00")
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"


def test_a_pending_payment_fails_with_a_reason_and_a_completed_one_cannot(accountant, customer):
    pending = make_payment(customer=customer, amount="50.00", status="pending")
    done = make_payment(customer=customer, amount="50.00")
    client = client_for(accountant)

    assert pointers(problem_of(client.post(f"{detail(pending)}fail/", {"reason": ""}, format="json"))) == {"#/reason"}
    response = client.post(f"{detail(pending)}fail/", {"reason": "card declined"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "failed")
    assert pointers(problem_of(client.post(f"{detail(done)}fail/", {"reason": "x"}, format="json"))) == {"#/status"}


def test_money_from_an_unknown_payer_is_assigned_to_a_customer(accountant, customer, invoice):
    response = client_for(accountant).post(
        PAYMENTS, body_for(customer, customer=None, remittance=invoice.number), format="json"
    )
    assert response.status_code == 201, response.content
    url = f"{PAYMENTS}{response.json()['id']}/assign/"

    response = client_for(accountant).post(url, {"customer": customer.pk}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["allocated_amount"] == "119.00"
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"
    assert pointers(problem_of(client_for(accountant).post(url, {"customer": customer.pk}, format="json"))) == {
        "#/customer"
    }
