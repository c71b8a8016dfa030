"""Where money went, on the invoice's and the payment's admin pages (payments.selectors.invoice_money,
payment_money; payments.admin.money), with pinned query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.tests.factories import D0, invoicing_setup, line  # noqa: F401
from payments.selectors import invoice_money, payment_money
from tests.support.page_reading import page_text_problems, visible_text

from .factories import make_invoice, make_payment, skonto_terms

pytestmark = pytest.mark.usefixtures("invoicing_setup")
NBSP = "\xa0"


@pytest.fixture
def skonto_paid():
    customer = make_customer()
    lines = [line(quantity="1", unit_price="100.00"), line(quantity="1", unit_price="50.00", vat_rate="7")]
    invoice = make_invoice(customer=customer, terms=skonto_terms(percent="2.00"), lines=lines)
    payment = make_payment(customer=customer, amount="169.05", value_date=D0 + timedelta(days=10), allocate=True)
    return Invoice.objects.get(pk=invoice.pk), payment


@pytest.fixture
def partly_paid():
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="1190.00")
    payment = make_payment(customer=customer, amount="1500.00", remittance=invoice.number, allocate=True)
    return Invoice.objects.get(pk=invoice.pk), payment


def test_an_invoice_paid_with_skonto_lists_the_payment_and_the_skonto(skonto_paid, django_assert_num_queries):
    invoice, payment = skonto_paid
    with django_assert_num_queries(2):
        rows = invoice_money(invoice=invoice)
    assert [(row.kind, row.amount, row.payment) for row in rows] == [
        ("payment", Decimal("169.05"), payment),
        ("skonto", Decimal("3.45"), payment),
    ]
    assert {part["vat_rate"]: part["vat"] for part in rows[1].vat_split} == {"19.00": "0.38", "7.00": "0.07"}


def test_a_payment_shows_its_invoice_and_the_unapplied_rest(partly_paid, django_assert_num_queries):
    invoice, payment = partly_paid
    with django_assert_num_queries(3):
        rows = payment_money(payment=payment)
    assert [(row.kind, row.amount, row.invoice) for row in rows] == [
        ("payment", Decimal("1190.00"), invoice),
        ("unapplied", Decimal("310.00"), None),
    ]


def test_the_invoice_page_links_its_payment_and_says_paid_not_prepaid(skonto_paid, manager):
    invoice, payment = skonto_paid
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="de")
    text = visible_text(page.text)
    assert reverse("admin:payments_payment_change", args=[payment.pk]) in page.text
    assert "Bereits gezahlt" not in text  # BT-113 prepaid amount: zero, so not shown
    assert f"Bezahlt\n169,05{NBSP}€" in text and f"Skonto gewährt\n3,45{NBSP}€" in text
    assert f"Offener Betrag\n0,00{NBSP}€" in text
    assert f"davon USt 19 %: 0,38{NBSP}€" in text and f"davon USt 7 %: 0,07{NBSP}€" in text  # § 17 UStG
    assert page_text_problems(text) == []


def test_the_payment_page_links_its_invoice_and_reads_its_history(partly_paid, manager):
    invoice, payment = partly_paid
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]), HTTP_ACCEPT_LANGUAGE="de")
    text = visible_text(page.text)
    assert reverse("admin:invoicing_invoice_change", args=[invoice.pk]) in page.text
    assert f"Rechnung {invoice.number}" in text
    assert f"Noch nicht zugeordnet\n310,00{NBSP}€" in text
    assert f"1.190,00{NBSP}€ der Rechnung {invoice.number} zugeordnet" in text  # the history, as a sentence
    assert f"Zahlung 1.500,00{NBSP}€ vom" in text  # the title
    assert page_text_problems(text) == []
