"""The finance dashboard in a real browser (issue 20): a finance viewer opens every dashboard page
on the book (analytics/tests/book.py, figures computed by hand there), changes a filter, exports a
table as CSV, hovers a bar for its value, and sees a payment recorded through the API appear in the
live feed and in the headline figures without reloading.

Debian's Chromium (Playwright), German, against the live server; every page is checked as the tour
checks the admin (``tests/browser/tour.py``): no 5xx, console error, CSP violation or request to
another host, no serious or critical axe-core violation, German that reads right. Screenshots:
``var/browser-artifacts/dashboard/``.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from analytics.tests.book import AS_OF, build_book
from core import services as core_services
from core.roles import Role
from invoicing.tests.factories import make_company_profile, reseed_after_module, seed_rates_and_terms  # noqa: F401

from .tour import Tour

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reseed_after_module")]

PASSWORD = "dashboard-Passphrase-42"
NOVEMBER = f"as_of={AS_OF.isoformat()}&period=month"


@pytest.fixture
def book(transactional_db, django_user_model):
    from core.roles import sync_role_permissions

    seed_rates_and_terms()
    make_company_profile()
    sync_role_permissions()  # a flush after an earlier committing test emptied the role groups
    book = build_book()
    viewer = django_user_model.objects.create_user(
        username="vera", password=PASSWORD, is_staff=True, first_name="Vera", last_name="Muster"
    )
    viewer.groups.add(Group.objects.get_or_create(name=Role.FINANCE_VIEWER.group_name)[0])
    manager = django_user_model.objects.create_user(username="mia", password=PASSWORD, is_staff=True)
    manager.groups.add(Group.objects.get_or_create(name=Role.FINANCE_MANAGER.group_name)[0])
    _, key = core_services.api_key_create(name="Bank", scopes=["payments:write"], created_by=manager)
    return book, key


def kpi(page, key: str) -> str:
    return page.inner_text(f'[data-kpi="{key}"] .kpi-value').strip()


def test_a_viewer_reads_the_dashboard_and_sees_a_new_payment_arrive(book, chromium, live_server, artifacts):
    book, key = book
    tour = Tour(chromium, live_server.url, "dashboard", artifacts)
    tour.login("vera", PASSWORD)
    page = tour.page

    # From the finance home to the overview.
    tour.visit("/admin/", name="home")
    with page.expect_navigation():
        page.click(".debitor-home-dashboard a")
    tour.visited.append(tour.path())
    assert tour.path() == "/analytics/"

    # The end of November: open A-2 295.00 + B-2 357.00 + A-4 59.50 + C-1 USD 1,000 at 1.25 (EUR 800).
    tour.visit(f"/analytics/?{NOVEMBER}", name="overview november")
    assert kpi(page, "open") == "1.511,50\xa0€"
    assert kpi(page, "overdue") == "652,00\xa0€"  # A-2 and B-2

    # A filter: Austria (Beta's B-2 only); the URL keeps it, so the view can be bookmarked.
    page.select_option("#f-country", "AT")
    with page.expect_navigation():
        page.click(".dashboard-filters button[type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="overview austria")
    assert "country=AT" in tour.path()
    assert kpi(page, "open") == kpi(page, "overdue") == "357,00\xa0€"

    # Every page of the dashboard, with the same filters.
    for name in ("aging", "trends", "forecast", "dunning"):
        tour.visit(f"/analytics/{name}/?{NOVEMBER}", name=name)

    # A customer's open items from the aging list, and the way to the timeline.
    tour.visit(f"/analytics/aging/?{NOVEMBER}&order=name", name="aging by name")
    with page.expect_navigation():
        page.click("#table-customers tbody tr:first-child td:first-child a")
    tour.visited.append(tour.path())
    tour.check(name="open items of alpha")
    assert page.locator("#table-open_items tbody tr").count() == 2
    assert page.locator("a", has_text="Verlauf").count() == 1

    # The aging table as CSV.
    tour.visit(f"/analytics/aging/?{NOVEMBER}", name="aging for export")
    with page.expect_download() as download:
        page.click("#table-aging .dashboard-export a:first-child")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["Tage über Fälligkeit", "Offener Betrag (EUR)", "Belege"]
    assert rows[-1] == ["Summe", "1511.50", "4"]

    # Hovering a bar shows its value in a tooltip.
    page.hover("#content-main .chart-stacked .mark >> nth=0")
    tooltip = page.locator(".chart-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text() == "nicht fällig: 859,50\xa0€"  # A-4 59.50 + C-1 EUR 800.00
    page.screenshot(path=str(tour.folder / "tooltip.png"))

    # A payment recorded through the API appears in the feed without a reload.
    # Today A-1 is open again (its payment was returned on 03.12.): 1,190.00 + 295.00 + 59.50 + 357.00
    # + EUR 800.00; the payment below settles A-2, and the headline follows without a reload.
    tour.visit("/analytics/", name="overview before payment")
    assert kpi(page, "open") == "2.701,50\xa0€"
    marker = page.evaluate("() => { window.__notReloaded = true; return true; }")
    before = page.locator(".payment-feed-row").count()
    body = {
        "customer": book.alpha.pk,
        "channel": "bank_transfer",
        "amount": "295.00",
        "currency": "EUR",
        "value_date": timezone.localdate().isoformat(),
        "payer_name": "Alpha GmbH",
        "payer_iban": "DE89370400440532013000",
        "remittance": book.a2.number,
        "external_id": "",
    }
    request = urllib.request.Request(  # the bank's system: an API key, not the viewer's session
        live_server.url + "/api/v1/payments/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    page.locator(".payment-feed-row").nth(before).wait_for(timeout=25_000)
    assert page.evaluate("() => window.__notReloaded === true") and marker
    assert "295,00\xa0€" in page.locator(".payment-feed-row").first.inner_text()
    page.wait_for_function(
        "() => document.querySelector('[data-kpi=\"open\"] .kpi-value').textContent.trim() === '2.406,50\u00a0€'",
        timeout=30_000,
    )
    tour.check(name="overview after payment")

    tour.close()
    assert tour.problems == [], "\n".join(tour.problems)
