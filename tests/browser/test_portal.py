"""The customer's invoice page in a real browser (issue 17): at 375 px and at 1366 px, the PDF
downloaded, "pay now" through a stand-in provider page, and the page read as paid afterwards.

Debian's Chromium (Playwright), German, against the live server; each page checked as the tour
checks the admin (``tests/browser/tour.py``): no 5xx, console error, CSP violation or request to
another host, no serious or critical axe-core violation, German that reads right. Screenshots:
``var/browser-artifacts/portal-*/``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.tests.factories import make_customer
from invoicing.services.documents import invoice_documents_render
from invoicing.tests.factories import make_company_profile, make_issued, reseed_after_module, seed_rates_and_terms  # noqa: F401
from portal.services import page_link_create
from providers import checkout

from . import portal_site
from .tour import Tour

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reseed_after_module")]

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def invoice_page(transactional_db, settings, monkeypatch):
    """A customer with two open invoices, the first with its stored PDF and a page link; a provider."""
    settings.ROOT_URLCONF = "tests.browser.portal_site"
    seed_rates_and_terms()
    make_company_profile(sepa_creditor_id="DE98ZZZ09999999999")
    now = timezone.now()
    customer = make_customer(legal_name="Nordlicht Software AG")
    invoice = make_issued(customer=customer, as_of=now - timedelta(days=3))
    make_issued(customer=customer, as_of=now - timedelta(days=2))
    invoice_documents_render(invoice_id=invoice.pk, as_of=now)
    invoice.refresh_from_db()
    monkeypatch.setattr(checkout, "provider_available", lambda: True)
    monkeypatch.setattr(checkout, "checkout_session_create", portal_site.checkout_session_create)
    portal_site.SESSIONS.clear()
    return invoice, page_link_create(invoice=invoice, as_of=now).path


def test_the_invoice_page_on_a_phone_and_on_a_desktop(invoice_page, chromium, live_server, artifacts):
    invoice, path = invoice_page
    for width, height in ((375, 812), (1366, 768)):
        tour = Tour(chromium, live_server.url, f"portal-{width}", artifacts)
        tour.page.set_viewport_size({"width": width, "height": height})
        assert tour.visit(path, name=f"invoice page {width}") == 200
        text = tour.page.inner_text("main").replace("\xa0", " ")
        assert f"Rechnung {invoice.number}" in text, text
        assert "238,00 € jetzt bezahlen" in text, text
        assert tour.page.locator("svg.girocode").count() == 1
        assert tour.page.evaluate(OVERFLOW) == 0, f"{width} px: the page scrolls sideways"
        # The English page, through the switch.
        with tour.page.expect_navigation():
            tour.page.click("nav.portal-languages a[lang=en]")
        tour.visited.append(tour.path())
        tour.reading = False  # the German reading checks do not apply to the English page
        tour.check(name=f"invoice page {width} english")
        assert f"Invoice {invoice.number}" in tour.page.inner_text("main")
        tour.close()
        assert not tour.problems, "\n".join(tour.problems)


def test_the_customer_downloads_the_pdf_and_pays_through_the_provider(invoice_page, chromium, live_server, artifacts):
    invoice, path = invoice_page
    tour = Tour(chromium, live_server.url, "portal-pay", artifacts)
    tour.page.set_viewport_size({"width": 375, "height": 812})
    tour.context.set_default_timeout(30_000)
    tour.visit(path, name="invoice page")
    page = tour.page

    with page.expect_download() as download_info:
        page.click(f"a[href$='/documents/{invoice.pk}/pdf/'] >> nth=0")
    download = download_info.value
    assert download.suggested_filename == invoice.documents.get(kind="pdf").filename
    with open(download.path(), "rb") as stored:
        assert stored.read(5) == b"%PDF-"

    with page.expect_navigation():
        page.click("form.portal-pay button >> nth=0")
    assert "/test-provider/1/" in page.url
    assert page.inner_text("#amount") == "238.00 EUR"  # the open amount, no surcharge
    page.screenshot(path=str(tour.folder / "provider-checkout.png"), full_page=True)

    with page.expect_navigation():
        page.click("#pay")
    tour.visited.append(tour.path())
    tour.check(name="paid")
    text = page.inner_text("main").replace("\xa0", " ")
    assert "Vielen Dank" in text and "bezahlt" in text
    assert page.locator("svg.girocode").count() == 0 and "238,00 € jetzt bezahlen" not in text
    tour.close()
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert not tour.problems, "\n".join(tour.problems)
