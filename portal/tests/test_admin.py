"""Staff make and revoke customer page links from the invoice and customer lists."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models import PageLink, PageLinkStatus

from .conftest import customer_with_invoice, link_for

pytestmark = pytest.mark.django_db


def run_action(client, url: str, action: str, ids) -> str:
    response = client.post(url, {"action": action, "_selected_action": [str(pk) for pk in ids]}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_an_accountant_creates_an_invoice_link_from_the_list_and_sees_it_once(setup, accountant, client):
    _customer, invoice = customer_with_invoice()
    client.force_login(accountant)

    html = run_action(client, reverse("admin:invoicing_invoice_changelist"), "invoice_page_link_create", [invoice.pk])

    (url,) = set(re.findall(r'href="(http://testserver/p/[^"]+/)"', html))
    assert "nur dieses eine Mal angezeigt" in html
    link = PageLink.objects.get()
    assert (link.invoice, link.created_by) == (invoice, accountant)
    client.logout()
    assert client.get(url).status_code == 200


def test_revoking_from_the_customer_list_ends_every_link_of_the_customer(setup, accountant, client):
    customer, invoice = customer_with_invoice()
    links = [link_for(invoice), link_for(customer=customer)]
    client.force_login(accountant)

    html = run_action(
        client, reverse("admin:customers_customer_changelist"), "customer_page_links_revoke", [customer.pk]
    )

    assert "2 Links widerrufen" in html
    assert set(PageLink.objects.values_list("status", flat=True)) == {PageLinkStatus.REVOKED}
    client.logout()
    assert [client.get(new.path).status_code for new in links] == [410, 410]


def test_a_viewer_is_offered_no_link_actions(setup, viewer, client):
    customer_with_invoice()
    client.force_login(viewer)

    html = client.get(reverse("admin:invoicing_invoice_changelist")).content.decode()
    assert "invoice_page_link_create" not in html
    assert client.get(reverse("admin:portal_pagelink_changelist")).status_code == 200


def test_the_link_list_shows_words_and_revokes(setup, accountant, client):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)
    client.force_login(accountant)

    page = client.get(reverse("admin:portal_pagelink_changelist")).content.decode()
    assert f"Rechnung {invoice.number}" in page and "aktiv" in page
    html = run_action(client, reverse("admin:portal_pagelink_changelist"), "revoke", [new.link.pk])
    assert "1 Link widerrufen" in html
    assert client.get(reverse("admin:portal_pagelink_change", args=[new.link.pk])).status_code == 200
