"""The account statement PDF: open items aged into buckets, the period's payments and credit notes,
the balance, in German and English, deterministic, downloadable through the API and the admin.

The text layer (pypdf) is what is checked: what a customer reads is what the data says.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from customers.tests.factories import make_customer
from invoicing.services import credit_note_create
from invoicing.tests.factories import D0, T0, at, invoicing_setup  # noqa: F401
from payments.statement import account_rows, account_statement_pdf, aging_bucket
from tests.conftest import client_for

from .factories import make_invoice, make_payment, net_terms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

# days past due on D0 -> gross; issued (oldest first, numbers follow dates) with 10 days' terms
AGES = {120: "595.00", 75: "357.00", 45: "238.00", 15: "119.00", -5: "59.50"}


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader_(pdf).pages)


def PdfReader_(pdf: bytes) -> PdfReader:  # noqa: N802
    import io

    return PdfReader(io.BytesIO(pdf))


@pytest.fixture
def account():
    customer = make_customer(legal_name="Nordlicht Software AG", language="en")
    terms = net_terms(10)
    invoices = {}
    for days, gross in AGES.items():
        issued = D0 - timedelta(days=days + 10)
        invoices[days] = make_invoice(
            customer=customer, gross=gross, terms=terms, as_of=at(issued), service_date=issued
        )
    # a partial payment in the period on the 45-day invoice, one before the period on the 120-day one
    make_payment(
        customer=customer,
        amount="38.00",
        value_date=D0 - timedelta(days=10),
        as_of=at(D0 - timedelta(days=10)),
        remittance=invoices[45].number,
        allocate=True,
        external_id="BANK-4711",
    )
    make_payment(
        customer=customer,
        amount="95.00",
        value_date=D0 - timedelta(days=100),
        as_of=at(D0 - timedelta(days=100)),
        remittance=invoices[120].number,
        allocate=True,
    )
    # an over-payment left unapplied: a credit in the customer's favour
    make_payment(customer=customer, amount="20.00", value_date=D0 - timedelta(days=2), as_of=at(D0 - timedelta(days=2)))
    credited = make_invoice(customer=customer, gross="11.90", terms=terms, as_of=at(D0 - timedelta(days=4)))
    note = credit_note_create(invoice=credited, as_of=at(D0 - timedelta(days=3)), issue=True)
    return customer, invoices, note


def test_aging_buckets_have_their_edges_where_accountants_put_them():
    assert [aging_bucket(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current", "current", "1_30", "1_30", "31_60", "31_60", "61_90", "61_90", "over_90", "over_90",
    ]  # fmt: skip


def test_the_account_rows_list_open_items_oldest_due_first_then_credits(account):
    customer, invoices, _note = account

    rows = account_rows(customer=customer, as_of=D0)

    debits = [row for row in rows if not row.is_credit]
    assert [row.number for row in debits] == [invoices[d].number for d in (120, 75, 45, 15, -5)]
    assert [row.bucket for row in debits] == ["over_90", "61_90", "31_60", "1_30", "current"]
    assert [row.open_amount for row in debits] == [
        Decimal("500.00"), Decimal("357.00"), Decimal("200.00"), Decimal("119.00"), Decimal("59.50"),
    ]  # fmt: skip
    assert [row.open_amount for row in rows if row.is_credit] == [Decimal("-20.00")]


def test_the_statement_shows_items_buckets_payments_credit_notes_and_balance(account):
    customer, invoices, note = account

    pdf = account_statement_pdf(customer=customer, period_start=D0 - timedelta(days=30), period_end=D0, as_of=T0)

    text = text_of(pdf)
    assert "Account statement" in text
    assert customer.number in text
    for days in AGES:
        assert invoices[days].number in text
    for label in ("not yet due", "1–30 days", "31–60 days", "61–90 days", "over 90 days"):
        assert label in text
    # the bucket totals, in bucket order
    assert "€59.50 €119.00 €200.00 €357.00 €500.00" in text
    assert "Open receivables €1,235.50" in text
    assert "€20.00" in text  # the credit
    assert "Balance due €1,215.50" in text
    assert "BANK-4711" in text  # the period's payment, applied to the 45-day invoice
    assert f"BANK-4711 {invoices[45].number} €38.00" in text
    assert "€95.00" not in text  # before the period
    assert note.number in text


def test_the_statement_speaks_german_when_asked(account):
    customer, invoices, _note = account

    text = text_of(
        account_statement_pdf(
            customer=customer, period_start=D0 - timedelta(days=30), period_end=D0, as_of=T0, language="de"
        )
    )

    assert "Kundennummer" in text  # the statement's own wording comes with the German catalogue
    assert "1.215,50 €" in text
    assert "27.11.2026" in text


def test_the_statement_is_the_same_bytes_for_the_same_input(account):
    customer, _invoices, _note = account
    kwargs = {"customer": customer, "period_start": D0 - timedelta(days=30), "period_end": D0, "as_of": T0}

    assert account_statement_pdf(**kwargs) == account_statement_pdf(**kwargs)


def test_the_api_answers_the_statement_as_a_pdf(viewer, account):
    customer, _invoices, _note = account
    client = client_for(viewer)

    response = client.get(f"/api/v1/customers/{customer.pk}/statement/?from=2026-11-01&to=2026-11-27")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"statement-{customer.number}-2026-11-27.pdf" in response["Content-Disposition"]
    assert customer.number in text_of(response.content)
    assert client.get(f"/api/v1/customers/{customer.pk}/statement/?from=2026-12-01&to=2026-11-01").status_code == 400
    assert client.get(f"/api/v1/customers/{customer.pk}/statement/?from=someday").status_code == 400
    assert client.get(f"/api/v1/customers/{customer.pk}/statement/?language=fr").status_code == 400


def test_an_empty_account_still_prints_a_statement(viewer):
    customer = make_customer()

    text = text_of(account_statement_pdf(customer=customer, period_start=D0, period_end=D0, as_of=T0, language="en"))

    assert "No open items." in text
    assert "No payments in the period." in text
