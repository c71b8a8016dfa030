"""Promises and disputes in the admin: accountants take and decide them through the services,
viewers look; the invoice page says "disputed" and "promise until …"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Dispute, DisputeStatus, PaymentPromise, PromiseStatus
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice

from .factories import make_dispute, make_promise, soon

pytestmark = pytest.mark.usefixtures("invoicing_setup")


def test_an_accountant_takes_a_promise_choosing_the_customer_first(client, accountant, customer, invoice):
    client.force_login(accountant)
    url = reverse("admin:casework_paymentpromise_add")
    page = client.get(url, {"customer": customer.pk})
    assert page.status_code == 200 and invoice.number in page.content.decode()
    data = {
        "customer": customer.pk,
        "amount": "100.00",
        "promised_date": soon().isoformat(),
        "channel": "call",
        "note": "",
        "grace_days": "",
        "contact": "",
    }
    refused = client.post(url, data)  # no invoice chosen: the service's refusal shown beside the form
    assert refused.status_code == 200 and not PaymentPromise.objects.exists()
    assert invoice.number in refused.content.decode()  # now the customer's invoices are offered
    response = client.post(url, {**data, "invoices": [invoice.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    promise = PaymentPromise.objects.get()
    assert promise.taken_by == accountant and list(promise.invoices.all()) == [invoice]


def test_an_accountant_cancels_a_promise_on_its_page_with_a_reason(client, accountant, customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], promised_date=soon(), as_of=timezone.now())
    client.force_login(accountant)
    url = reverse("admin:casework_paymentpromise_change", args=[promise.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"cancel": "on", "reason": ""}).status_code == 200  # reason missing
    promise.refresh_from_db()
    assert promise.is_open
    assert client.post(url, {"cancel": "on", "reason": "Kunde zahlt anders"}).status_code == 302
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED and promise.cancel_reason == "Kunde zahlt anders"


def test_a_viewer_sees_the_lists_but_cannot_add(client, viewer, customer, invoice):
    make_promise(customer=customer, invoices=[invoice], promised_date=soon(), as_of=timezone.now())
    make_dispute(invoice=make_invoice(customer=customer), as_of=timezone.now())
    client.force_login(viewer)
    for name in ("casework_paymentpromise", "casework_dispute"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403


def test_an_accountant_opens_a_dispute_and_settles_it_with_a_credit_note(client, accountant, invoice):
    client.force_login(accountant)
    add = reverse("admin:casework_dispute_add")
    response = client.post(add, {"invoice": invoice.pk, "reason": "price", "amount": "23.80", "description": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    dispute = Dispute.objects.get()
    change = reverse("admin:casework_dispute_change", args=[dispute.pk])
    assert client.post(change, {"outcome": "credit_note", "credit_amount": "", "note": "Kulanz"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CREDITED and str(dispute.credit_note.tax_inclusive_total) == "23.80"


def test_the_invoice_page_says_disputed_and_under_a_promise(client, accountant, customer, invoice):
    make_promise(customer=customer, invoices=[invoice], amount="50.00", promised_date=soon(), as_of=timezone.now())
    make_dispute(invoice=invoice, as_of=timezone.now(), amount=Decimal("19.00"))
    client.force_login(accountant)
    page = client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert "Beanstandet" in page and "Zahlungszusage" in page  # the site speaks German
    assert "19,00" in page and "50,00" in page
