"""The customer page through its URL: what it shows, to whom, and what it refuses."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0
from portal.models import PageLink
from portal.services import page_link_revoke

from .conftest import (
    at,
    customer_with_invoice,
    link_for,
    make_issued,
    make_mandate,
    make_pending_collection,
    with_documents,
)

pytestmark = pytest.mark.django_db

VISIT = at(date(2026, 12, 1), 10)  # after T0 (issued), before the due date


def get(path: str, **kwargs):
    with time_machine.travel(VISIT, tick=False):
        return Client().get(path, **kwargs)


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_invoice_page_shows_the_invoice_its_status_and_the_bank_details_in_german(setup, no_provider):
    _customer, invoice = customer_with_invoice()
    response = get(link_for(invoice).path)

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = text_of(response)
    assert f"Rechnung {invoice.number}" in text
    assert "Nordlicht Software AG" in text
    assert "Status offen" in text
    assert "238,00 €" in text  # 2 × 100.00 net + 19 % VAT, open in full
    assert "DE89 3704 0044 0532 0130 00" in text
    assert 'class="girocode"' in response.content.decode()
    assert "Jetzt bezahlen" not in text  # no provider
    assert "Für keine Zahlungsart wird eine Gebühr berechnet" in text  # § 270a BGB


def test_the_page_speaks_english_when_asked_and_for_an_english_customer(setup, no_provider):
    _customer, invoice = customer_with_invoice(language="en")
    response = get(link_for(invoice).path)
    text = text_of(response)

    assert response["Content-Language"] == "en"
    assert f"Invoice {invoice.number}" in text and "€238.00" in text and "Status open" in text
    german = text_of(get(link_for(invoice).path + "?lang=de"))
    assert f"Rechnung {invoice.number}" in german


def test_pay_now_is_offered_for_the_open_amount_when_a_provider_is_configured(setup, provider):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)
    text = text_of(get(new.path))
    assert "238,00 € jetzt bezahlen" in text

    with time_machine.travel(VISIT, tick=False):
        client = Client(enforce_csrf_checks=False)
        response = client.post(new.path + "pay/", {"invoice": str(invoice.pk)})

    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    (session,) = provider.sessions
    assert session["invoices"] == [invoice] and session["total"] == Decimal("238.00")  # no surcharge
    assert session["success_url"].endswith("payment=done")


def test_a_pending_direct_debit_hides_girocode_and_pay_now_and_shows_the_notice(setup, provider):
    customer, invoice = customer_with_invoice()
    mandate = make_mandate(customer, reference="MNDT-2026-NORDLICHT-0042")
    make_pending_collection(invoice, mandate, collection_date=date(2026, 12, 10))
    new = link_for(invoice)

    response = get(new.path)
    html, text = response.content.decode(), text_of(response)
    assert "girocode" not in html
    assert "jetzt bezahlen" not in text.lower()
    assert "per Lastschrift" in text
    assert "10.12.2026" in text and "238,00 €" in text
    assert "DE98ZZZ09999999999" in text  # creditor identifier
    assert "MND…0042" in text and "MNDT-2026-NORDLICHT-0042" not in text
    assert "DE02 •••• 2051" in text and "DE02120300000000202051" not in text

    with time_machine.travel(VISIT, tick=False):
        response = Client().post(new.path + "pay/", {"invoice": str(invoice.pk)})
    assert response.status_code == 302 and "payment=nothing" in response["Location"]
    assert provider.sessions == []


def test_an_invoice_issued_for_direct_debit_shows_its_announcement_instead_of_transfer_details(setup, provider):
    customer = make_customer(legal_name="Lastschrift Muster GmbH")
    make_mandate(customer, reference="MNDT-2026-MUSTER-0007")
    invoice = make_issued(customer=customer, as_of=T0)
    assert invoice.payment_means["code"] == "59"  # issued for direct debit, not yet in a collection

    response = get(link_for(invoice).path)
    html, text = response.content.decode(), text_of(response)
    assert "girocode" not in html  # no invitation to transfer an amount that will be collected
    assert "DE89 3704 0044 0532 0130 00" not in text  # nor our account for a transfer
    assert "per SEPA-Lastschrift" in text and "MNDT-2026-MUSTER-0007" in text
    assert "238,00 € jetzt bezahlen" in text  # paying first by card is fine: a paid invoice is not collected


def test_the_page_lists_all_open_items_of_the_customer_and_offers_to_pay_them_all(setup, provider):
    customer, invoice = customer_with_invoice()
    second = make_issued(customer=customer)
    paid_elsewhere = make_issued(customer=customer)
    make_pending_collection(paid_elsewhere, make_mandate(customer))
    new = link_for(invoice)

    text = text_of(get(new.path))
    for document in (invoice, second, paid_elsewhere):
        assert document.number in text
    assert "wird per Lastschrift eingezogen" in text
    assert "Alle 2 offenen Rechnungen jetzt bezahlen: 476,00 €" in text
    assert "Kontoauszug" in text

    with time_machine.travel(VISIT, tick=False):
        Client().post(new.path + "pay/", {"invoice": "all"})
    (session,) = provider.sessions
    assert {i.pk for i in session["invoices"]} == {invoice.pk, second.pk}  # never the one being collected


def test_an_active_mandate_is_mentioned_without_hiding_the_ways_to_pay(setup, provider):
    customer, invoice = customer_with_invoice()
    make_mandate(customer, reference="MNDT-2026-NORDLICHT-0042")

    response = get(link_for(invoice).path)
    text = text_of(response)
    assert "SEPA-Lastschriftmandat" in text and "MND…0042" in text
    assert "jetzt bezahlen" in text and "girocode" in response.content.decode()


@pytest.mark.parametrize("state", ["tampered", "expired", "revoked", "unknown"])
def test_a_link_that_ended_or_never_was_shows_a_clear_page_without_any_data(setup, state):
    customer, invoice = customer_with_invoice()
    new = link_for(invoice)
    path = new.path
    when = VISIT
    if state == "tampered":
        path = path.replace(new.token[:6], "AAAAAA" if new.token[:6] != "AAAAAA" else "BBBBBB")
    elif state == "expired":
        when = new.link.expires_at + timedelta(seconds=1)
    elif state == "revoked":
        page_link_revoke(link=new.link, as_of=VISIT - timedelta(hours=1))
    else:
        path = "/p/not-a-token/"

    with time_machine.travel(when, tick=False):
        response = Client().get(path)
        downloads = [Client().get(path + suffix) for suffix in (f"documents/{invoice.pk}/pdf/", "statement/")]

    expected = 410 if state in ("expired", "revoked") else 404
    assert response.status_code == expected
    assert [d.status_code for d in downloads] == [expected, expected]
    text = text_of(response)
    for secret in (invoice.number, customer.legal_name, customer.number, "238,00", "DE89"):
        assert secret not in text
    assert {"expired": "abgelaufen", "revoked": "nicht mehr gültig"}.get(state, "öffnet keine Seite") in text
    assert PageLink.objects.get().view_count == 0


def test_a_token_of_one_customer_never_shows_or_downloads_another_customers_data(setup, no_provider):
    _mine, my_invoice = customer_with_invoice()
    theirs, their_invoice = customer_with_invoice(name="Südwind Handel GmbH")
    with_documents(my_invoice)
    with_documents(their_invoice)
    new = link_for(my_invoice)

    text = text_of(get(new.path))
    assert their_invoice.number not in text and theirs.legal_name not in text

    for kind in ("pdf", "facturx"):
        assert get(f"{new.path}documents/{their_invoice.pk}/{kind}/").status_code == 404
    own = get(f"{new.path}documents/{my_invoice.pk}/pdf/")
    assert own.status_code == 200
    assert own["Content-Disposition"] == f'attachment; filename="{my_invoice.documents.get(kind="pdf").filename}"'
    assert own.content.startswith(b"%PDF")

    statement = get(f"{new.path}statement/")
    assert statement.status_code == 200 and statement.content.startswith(b"%PDF")
    assert statement["Content-Disposition"].startswith(f'attachment; filename="statement-{_mine.number}-')


def test_the_page_links_the_stored_pdf_and_xml(setup, no_provider):
    _customer, invoice = customer_with_invoice()
    with_documents(invoice)
    new = link_for(invoice)

    html = get(new.path).content.decode()
    assert f'href="{new.path}documents/{invoice.pk}/pdf/"' in html
    assert f'href="{new.path}documents/{invoice.pk}/facturx/"' in html
    xml = get(f"{new.path}documents/{invoice.pk}/facturx/")
    assert xml.status_code == 200 and b"CrossIndustryInvoice" in xml.content


def test_a_visit_records_first_viewed_at_on_the_link(setup, no_provider):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)
    get(new.path)
    get(new.path)

    link = PageLink.objects.get()
    assert (link.first_viewed_at, link.view_count) == (VISIT, 2)


def test_too_many_views_answer_429_with_retry_after(setup, no_provider, settings):
    settings.DEBITOR_PORTAL = {**settings.DEBITOR_PORTAL, "RATE_LIMIT_PER_LINK": 3, "RATE_LIMIT_PER_IP": 100}
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)

    statuses = [get(new.path).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = get(new.path)
    assert 0 < int(limited["Retry-After"]) <= 60
    assert invoice.number not in text_of(limited) and "Zu viele Anfragen" in text_of(limited)
    # A minute later the link opens again.
    with time_machine.travel(VISIT + timedelta(seconds=61), tick=False):
        assert Client().get(new.path).status_code == 200


def test_guessing_tokens_from_one_address_is_limited_too(setup, settings):
    settings.DEBITOR_PORTAL = {**settings.DEBITOR_PORTAL, "RATE_LIMIT_PER_IP": 5}
    statuses = [get(f"/p/guess-{n}/").status_code for n in range(6)]
    assert statuses == [404] * 5 + [429]
    assert get("/p/guess-x/", REMOTE_ADDR="192.0.2.7").status_code == 404  # another address is not limited


def test_the_page_takes_a_fixed_number_of_queries_for_any_number_of_open_items(
    setup, provider, django_assert_num_queries
):
    customer, invoice = customer_with_invoice()
    make_pending_collection(make_issued(customer=customer), make_mandate(customer))
    new = link_for(invoice)
    get(new.path)  # warm the content type and translation caches
    with django_assert_num_queries(QUERIES):
        get(new.path)
    for _ in range(3):
        make_pending_collection(make_issued(customer=customer), make_mandate(customer))
        make_issued(customer=customer)
    with django_assert_num_queries(QUERIES):
        response = get(new.path)
    assert response.status_code == 200


QUERIES = 15


def test_english_wording_is_pinned_for_the_refusal(setup):
    with translation.override("en"):
        response = get("/p/nothing/?lang=en")
    assert "This link does not open a page" in text_of(response)


def test_an_account_link_offers_to_pay_the_one_open_invoice(setup, provider):
    customer, invoice = customer_with_invoice()

    text = text_of(get(link_for(customer=customer).path))
    assert "Ihr Kundenkonto" in text and invoice.number in text
    assert "Die offene Rechnung jetzt bezahlen: 238,00 €" in text


def test_a_provider_that_fails_sends_the_customer_back_with_a_clear_notice(setup, monkeypatch):
    from providers import checkout

    monkeypatch.setattr(checkout, "provider_available", lambda: True)  # the contract's stub still raises
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice)

    with time_machine.travel(VISIT, tick=False):
        response = Client().post(new.path + "pay/", {"invoice": str(invoice.pk)})
    assert response.status_code == 302 and response["Location"].endswith("payment=failed")
    text = text_of(get(response["Location"].replace("http://testserver", "")))
    assert "Die Online-Zahlung konnte nicht gestartet werden" in text


def test_pay_now_refuses_another_customers_invoice(setup, provider):
    _customer, invoice = customer_with_invoice()
    _other, theirs = customer_with_invoice(name="Südwind Handel GmbH")

    with time_machine.travel(VISIT, tick=False):
        response = Client().post(link_for(invoice).path + "pay/", {"invoice": str(theirs.pk)})
    assert response.status_code == 302 and "payment=nothing" in response["Location"]
    assert provider.sessions == []
