"""Refunding customer credit by SEPA transfer from the admin: a page lists the payments holding
EUR credit with the account each would go to; ticked ones are refunded in one pain.001 file."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

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
    with time_machine.travel(NOW, tick=False):
        yield client


def credit(customer, amount):
    payment = make_payment(customer=customer, amount=amount)
    payment_keep_as_credit(payment=payment, as_of=NOW)
    payment.refresh_from_db()
    return payment


def test_the_payment_page_links_to_the_refund_page_which_makes_the_file_of_the_ticked_payments(browser):
    customer = make_customer(bank_accounts=[{"iban": IBANS[1], "account_holder": "Beispiel Handel"}])
    refundable, kept = credit(customer, "50.00"), credit(customer, "20.00")

    payment_page = browser.get(f"/admin/payments/payment/{refundable.pk}/change/").content.decode()
    link = f"/admin/sepa/batch/refund/?ids={refundable.pk}"
    assert link in payment_page
    assert "/admin/sepa/batch/refund/" in browser.get("/admin/sepa/batch/").content.decode()

    page = browser.get(link).content.decode()
    assert re.search(rf'name="payments" value="{refundable.pk}"[^>]*checked', page)  # ticked from the link
    assert re.search(rf'name="payments" value="{kept.pk}"[^>]*>', page).group(0).count("checked") == 0  # offered
    assert 'type="date" name="execution_date" value="2026-12-10"' in page  # the next TARGET2 day, ISO for the input

    created = browser.post("/admin/sepa/batch/refund/", {"payments": [refundable.pk], "execution_date": "2026-12-10"})
    batch = Batch.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/admin/sepa/batch/{batch.pk}/change/"
    assert (batch.kind, batch.total, batch.item_count) == (BatchKind.CREDIT_TRANSFER, Decimal("50.00"), 1)
    refundable.refresh_from_db()
    kept.refresh_from_db()
    assert (refundable.status, refundable.credit_amount, kept.credit_amount) == (
        "refunded",
        Decimal("0.00"),
        Decimal("20.00"),
    )


def test_a_holiday_and_a_customer_without_bank_account_are_refused_on_the_page_and_nothing_is_made(browser):
    payment = credit(make_customer(), "30.00")

    holiday = browser.post("/admin/sepa/batch/refund/", {"payments": [payment.pk], "execution_date": "2026-12-25"})
    assert holiday.status_code == 200 and "TARGET2" in holiday.content.decode()

    no_account = browser.post("/admin/sepa/batch/refund/", {"payments": [payment.pk], "execution_date": "2026-12-10"})
    assert no_account.status_code == 200 and "kein aktives Bankkonto" in no_account.content.decode()
    assert not Batch.objects.exists()
    payment.refresh_from_db()
    assert payment.credit_amount == Decimal("30.00")


def test_a_viewer_cannot_open_the_refund_page(viewer):
    client = Client()
    client.force_login(viewer)
    assert client.get("/admin/sepa/batch/refund/").status_code == 403
