"""The invoice e-mail links to the customer page; the invoice admin tells when it was first opened."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from communications.selectors import messages_about
from invoicing.services.sending import invoice_send
from portal.models import PageLink

from .conftest import T0, at, customer_with_invoice, with_documents

pytestmark = pytest.mark.django_db

URL = re.compile(r"http://testserver(/p/[^/\s]+/)")


def test_the_invoice_email_carries_a_link_that_opens_the_invoice_page(setup, settings):
    settings.DEBITOR_PORTAL = {**settings.DEBITOR_PORTAL, "BASE_URL": "http://testserver"}
    _customer, invoice = customer_with_invoice()
    with_documents(invoice)  # the customer takes invoices by e-mail: sent when the documents are ready

    message = messages_about(invoice).get(template="invoice")

    (path,) = URL.findall(message.body_text)
    assert f'href="http://testserver{path}"' in message.body_html
    assert "Rechnung ansehen, herunterladen und alle offenen Posten online einsehen" in message.body_text
    link = PageLink.objects.get()
    assert (link.invoice, link.created_at) == (invoice, T0)
    with time_machine.travel(at(date(2026, 12, 1)), tick=False):
        response = Client().get(path)
    assert response.status_code == 200 and invoice.number in response.content.decode()


def test_a_message_that_is_not_queued_leaves_no_link(setup):
    _customer, invoice = customer_with_invoice()
    with_documents(invoice)
    before = set(PageLink.objects.values_list("pk", flat=True))

    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_send(invoice=invoice, as_of=T0, resend=True)
        assert PageLink.objects.count() == len(before) + 1
        raise RuntimeError("the sending transaction rolls back")

    assert set(PageLink.objects.values_list("pk", flat=True)) == before


def test_the_invoice_admin_page_shows_when_the_customer_first_opened_it(setup, accountant, client):
    _customer, invoice = customer_with_invoice()
    client.force_login(accountant)
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])

    assert "Rechnungsseite vom Kunden zuerst geöffnet" in client.get(url).content.decode()
    assert "noch nicht" in client.get(url).content.decode()

    from portal.services import page_link_create, page_link_visit

    page_link_visit(link=page_link_create(invoice=invoice, as_of=T0).link, as_of=at(date(2026, 11, 30), 14))
    assert "30.11.2026, 14:00" in client.get(url).content.decode()
