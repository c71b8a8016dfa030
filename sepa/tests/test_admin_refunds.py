"""Refunding customer credit by SEPA transfer from the payment list: the action opens a page that
shows what each payment refunds and to which account, and makes the pain.001 file."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from core.formatting import money_text
from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN
from payments.services import payment_keep_as_credit
from payments.tests.factories import make_payment
from sepa.models import Batch, BatchKind

from .factories import IBANS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]
NOW = datetime(2026, 12, 9, 10, tzinfo=BERLIN)  # a Wednesday: the 10th is the next TARGET2 day


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        yield client


def credit(customer, amount):
    payment = make_payment(customer=customer, amount=amount)
    payment_keep_as_credit(payment=payment, as_of=NOW)
    payment.refresh_from_db()
    return payment


def test_the_payment_list_action_previews_then_creates_the_refund_file(browser):
    customer = make_customer(bank_accounts=[{"iban": IBANS[1], "account_holder": "Beispiel Handel"}])
    refundable = credit(customer, "50.00")
    without_credit = make_payment(customer=customer, amount="20.00")  # allocated or unapplied: no credit

    response = browser.post(
        "/admin/payments/payment/",
        {"action": "payments_refund_by_transfer", "_selected_action": [refundable.pk, without_credit.pk]},
    )
    assert response.status_code == 302 and "/admin/sepa/batch/refund/?ids=" in response["Location"]

    page = browser.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    # The page speaks the site's language (German).
    assert f"1 Überweisung, {money_text(Decimal('50.00'), 'EUR')}" in text
    assert "1 ausgewählte Zahlung hat kein Kundenguthaben in EUR und bleibt außen vor." in text
    assert 'type="date" name="execution_date" value="2026-12-10"' in text  # the next TARGET2 day, ISO for the input

    created = browser.post(
        "/admin/sepa/batch/refund/", {"ids": f"{refundable.pk},{without_credit.pk}", "execution_date": "2026-12-10"}
    )
    batch = Batch.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/admin/sepa/batch/{batch.pk}/change/"
    assert (batch.kind, batch.total, batch.item_count) == (BatchKind.CREDIT_TRANSFER, Decimal("50.00"), 1)
    refundable.refresh_from_db()
    assert (refundable.status, refundable.credit_amount) == ("refunded", Decimal("0.00"))


def test_a_holiday_and_a_customer_without_bank_account_are_refused_on_the_page_and_nothing_is_made(browser):
    payment = credit(make_customer(), "30.00")

    holiday = browser.post("/admin/sepa/batch/refund/", {"ids": str(payment.pk), "execution_date": "2026-12-25"})
    assert holiday.status_code == 200 and "TARGET2" in holiday.content.decode()

    no_account = browser.post("/admin/sepa/batch/refund/", {"ids": str(payment.pk), "execution_date": "2026-12-10"})
    assert no_account.status_code == 200 and "kein aktives Bankkonto" in no_account.content.decode()
    assert not Batch.objects.exists()
    payment.refresh_from_db()
    assert payment.credit_amount == Decimal("30.00")


def test_a_viewer_cannot_open_the_refund_page(viewer):
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/sepa/batch/refund/?ids=1").status_code == 403
