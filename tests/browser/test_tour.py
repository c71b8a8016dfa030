"""The admin in a real browser, as each finance role meets it (issue 16).

Debian's Chromium (Playwright), 1400 px wide, German, against pytest-django's live server with
the quick start's demo data (``load_demo_data``: the generator's two years of history plus
today's documents, payments, bank statement and tasks). For each role: log in, open every admin
page the home links to and one object of each kind (change form and history), and check each
page (``tests/browser/tour.py``): no 5xx, no console error, no CSP violation, no request to
another host, no serious or critical axe-core violation, German that reads right; a viewer finds
no button that saves, adds or deletes. Then an accountant creates, issues and pays an invoice
by clicking, and the API docs render from our own server alone.

Screenshots: ``var/browser-artifacts/``. Runs in CI's main phase (marker ``browser``).
"""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from core.management.commands.load_demo_data import DEMO_PASSWORD
from invoicing.tests.factories import reseed_after_module, seed_rates_and_terms  # noqa: F401

from .tour import Tour

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reseed_after_module")]

ROLES = ["viewer", "accountant", "manager", "admin"]  # the demo users, one per role
SKIP_LINKS = re.compile(r"/admin/(logout|jsi18n)/|/admin/r/|/autocomplete/")
CHANGE_LIST = re.compile(r"^/admin/[a-z_]+/[a-z_]+/$")
OBJECT = re.compile(r"^/admin/[a-z_]+/[a-z_]+/[^/]+/change/$")
WRITE_CONTROLS = (
    "[name=_save], [name=_continue], [name=_addanother], [name=_saveasnew], a.deletelink, a.addlink, "
    "select[name=action] option[value=delete_selected]"
)


@pytest.fixture
def demo(transactional_db):
    seed_rates_and_terms()  # a flush after an earlier committing test removed the seeded ones
    call_command("load_demo_data", force=True, stdout=io.StringIO())


def write_controls(tour: Tour) -> list[str]:
    """What a viewer could save, add or delete with on the current page (visible controls only)."""
    found = tour.page.eval_on_selector_all(
        WRITE_CONTROLS,
        "nodes => nodes.filter((n) => n.offsetParent !== null || n.tagName === 'OPTION')"
        ".map((n) => n.outerHTML.slice(0, 120))",
    )
    return found


def tour_role(chromium, live_server, artifacts, role: str) -> Tour:
    tour = Tour(chromium, live_server.url, role, artifacts)
    tour.login(role, DEMO_PASSWORD)
    tour.visit("/admin/", name="home")
    pages = tour.links("#content a[href^='/admin/'], #user-tools a[href^='/admin/'], #content a[href^='/analytics/']")
    # The sidebar of a list page names the same sections, and any the home leaves out.
    tour.goto("/admin/password_change/" if role != "viewer" else "/admin/")
    pages += [
        p for p in tour.links("#nav-sidebar a[href^='/admin/'], #nav-sidebar a[href^='/analytics/']") if p not in pages
    ]
    objects: list[str] = []
    for url in pages:
        if SKIP_LINKS.search(url):
            continue
        status = tour.visit(url)
        if status is not None and status >= 400:
            tour.problems.append(f"[{role}] {url}: answered {status}")
        if role == "viewer" and (controls := write_controls(tour)):
            tour.problems.append(f"[{role}] {url}: a viewer finds a save, add or delete control: {controls}")
        if url.startswith("/analytics/"):  # the dashboard: its other pages are its tabs
            pages += [p for p in tour.links(".dashboard-tabs a") if p not in pages]
        if CHANGE_LIST.match(url.split("?")[0]):
            first = next(iter(tour.links("#result_list tbody a[href^='/admin/']")), None)
            if first and OBJECT.match(first.split("?")[0]) and first not in objects:
                objects.append(first)
    for url in objects:
        change = url.split("?")[0]
        status = tour.visit(change)
        if status is not None and status >= 400:
            tour.problems.append(f"[{role}] {change}: answered {status}")
        if role == "viewer" and (controls := write_controls(tour)):
            tour.problems.append(f"[{role}] {change}: a viewer finds a save, add or delete control: {controls}")
        tour.visit(change.removesuffix("change/") + "history/")
    # The error pages as this role meets them: German, with the navigation and a way back.
    errors = [("/admin/no-such-page/", 404, "Seite nicht gefunden")]
    if role == "viewer":
        errors.append(("/admin/invoicing/invoice/add/", 403, "Zugriff verweigert"))
    for url, expected, title in errors:
        status = tour.visit(url, expect=expected)
        text = tour.page.inner_text("body")
        if status != expected or title not in text or "Zur Startseite" not in text:
            tour.problems.append(f"[{role}] {url}: expected the {expected} page, got {status}: {text[:200]!r}")
        if not tour.page.locator("#nav-sidebar").count():
            tour.problems.append(f"[{role}] {url}: the {expected} page lacks the admin navigation")
    return tour


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_admin_reads_right_for(role, demo, chromium, live_server, artifacts):
    tour = tour_role(chromium, live_server, artifacts, role)
    tour.close()

    print(f"\n{role}: {len(tour.visited)} pages")
    assert len(tour.visited) > 10, tour.visited
    # ReDoc's footer always asks for Redocly's logo from their CDN; the CSP refuses it, so nothing
    # leaves the server (the logo is simply missing). That refusal is the one expected problem.
    problems = [p for p in tour.problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p]
    assert not problems, "\n".join(problems)


def choose(page, select: str, text: str) -> None:
    """Pick ``text`` in an autocomplete field as a person does: open it, type, click the hit."""
    page.click(f"{select} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text.split()[0])
    page.click(f".select2-results__option:has-text('{text}')")


def test_an_accountant_creates_issues_and_pays_an_invoice_by_clicking(demo, chromium, live_server, artifacts):
    from invoicing.models import Invoice

    tour = Tour(chromium, live_server.url, "scenario", artifacts)
    tour.login("accountant", DEMO_PASSWORD)
    page = tour.page

    # A draft: customer through the autocomplete, one line, saved.
    tour.visit("/admin/invoicing/invoice/add/", name="new invoice")
    choose(page, "#id_customer", "Nordlicht Software AG")
    page.fill("#id_lines-0-description", "Mahnlauf-Beratung")
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_lines-0-unit_price", "120.00")
    page.select_option("#id_lines-0-vat_category", "S")
    page.fill("#id_lines-0-vat_rate", "19")
    with page.expect_navigation():
        page.click("#invoice_form [name=_continue]")
    tour.visited.append(tour.path())
    tour.check(name="draft saved")
    draft = Invoice.objects.get(customer__legal_name="Nordlicht Software AG", lines__description="Mahnlauf-Beratung")
    assert draft.is_draft, tour.problems

    # Issued from its page.
    with page.expect_navigation():
        page.click("a[href$='/issue/']")
    tour.visited.append(tour.path())
    tour.check(name="issue")
    confirmation = page.locator("[name=credit_limit_confirmation]")
    if confirmation.count():
        confirmation.check()
    with page.expect_navigation():
        page.click("#content-main form [type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="issued")
    draft.refresh_from_db()
    assert draft.number and not draft.is_draft, tour.problems
    gross = draft.open_amount
    assert gross > 0
    assert draft.number in page.inner_text("#content")

    # Paid: the money is recorded on the payments list, naming the invoice in the remittance.
    tour.visit("/admin/payments/payment/", name="payments")
    with page.expect_navigation():
        page.click("a.addlink[href$='/record/']")
    tour.visited.append(tour.path())
    tour.check(name="record payment")
    choose(page, "#id_customer", draft.customer.legal_name)
    page.fill("#id_amount", f"{gross:.2f}")
    page.fill("#id_remittance", f"Rechnung {draft.number}")
    with page.expect_navigation():
        page.click("#content-main form [type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="payment recorded")

    tour.visit(f"/admin/invoicing/invoice/{draft.pk}/change/", name="invoice paid")

    # The list filtered by customer: chosen in the filter's autocomplete, applied at once.
    tour.visit("/admin/invoicing/invoice/", name="invoices")
    # Below 1,600 px the filter column starts hidden; its switch shows it (and is remembered).
    assert page.get_attribute(".debitor-filter-toggle", "aria-expanded") == "false"
    page.click(".debitor-filter-toggle")
    assert page.get_attribute(".debitor-filter-toggle", "aria-expanded") == "true"
    with page.expect_navigation():
        choose(page, "#filter-customer__id__exact", draft.customer.legal_name)
    tour.visited.append(tour.path())
    tour.check(name="invoices of one customer")
    assert f"customer__id__exact={draft.customer_id}" in page.url, page.url
    assert draft.number in page.inner_text("#result_list")
    assert page.is_visible("#changelist-filter")  # the choice to show the filters was remembered
    tour.close()
    draft.refresh_from_db()
    assert draft.open_amount == 0, tour.problems
    # ReDoc's footer always asks for Redocly's logo from their CDN; the CSP refuses it, so nothing
    # leaves the server (the logo is simply missing). That refusal is the one expected problem.
    problems = [p for p in tour.problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p]
    assert not problems, "\n".join(problems)


# The lists people work in (issue 16): each shows every column of its ``list_display`` at 1366 px.
LISTS_AT_1366 = ["invoicing.Invoice", "customers.Customer", "payments.Payment", "tasks.FollowUpTask"]


def test_the_main_lists_fit_a_1366_pixel_screen(demo, chromium, live_server, artifacts):
    """The change lists people work in show their columns at 1366 px without horizontal scrolling."""
    tour = Tour(chromium, live_server.url, "lists-1366", artifacts)
    tour.page.set_viewport_size({"width": 1366, "height": 768})
    tour.login("accountant", DEMO_PASSWORD)
    for label in LISTS_AT_1366:
        model = apps.get_model(label)
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        columns = [c for c in admin.site._registry[model].list_display if c != "__str__"]
        tour.visit(url)
        tour.page.screenshot(path=str(tour.folder / f"viewport-{url.strip('/').replace('/', '-')}.png"))
        overflow = tour.page.evaluate(
            "() => ({page: document.documentElement.scrollWidth - window.innerWidth,"
            " list: (document.querySelector('#changelist .results') || {scrollWidth: 0, clientWidth: 0}).scrollWidth"
            " - (document.querySelector('#changelist .results') || {clientWidth: 0}).clientWidth})"
        )
        assert overflow == {"page": 0, "list": 0}, (url, overflow)
        headers = tour.page.eval_on_selector_all("#result_list thead th", "nodes => nodes.map((n) => n.className)")
        missing = [c for c in columns if not any(f"column-{c}" in h for h in headers)]
        assert not missing, (url, missing, headers)
    tour.close()
    assert not tour.problems, "\n".join(tour.problems)


def test_the_api_docs_render_offline_grouped_by_area(demo, chromium, live_server, artifacts):
    """Swagger UI and ReDoc from our own server alone (no fonts or scripts from another host),
    under the site's CSP, with the operations grouped by area. Neither axe nor the German reading
    checks run: both are the vendors' English pages, where ISO dates are the documented format."""
    tour = Tour(chromium, live_server.url, "api-docs", artifacts, axe=False, reading=False)
    tour.login("manager", DEMO_PASSWORD)

    tour.visited.append("/api/docs/")
    tour.goto("/api/docs/")
    tour.page.wait_for_selector(".opblock-tag", timeout=30_000)
    tour.check(name="swagger ui")
    # Swagger UI renders a large spec's operations virtually (only what is near the viewport): the
    # tags are collected while scrolling through the page, as a reader would meet them.
    seen: set[str] = set()
    for _ in range(80):
        seen |= set(tour.page.locator(".opblock-tag").all_inner_texts())
        if tour.page.evaluate("window.innerHeight + window.scrollY >= document.body.scrollHeight"):
            break
        tour.page.evaluate("window.scrollBy(0, 800)")
        tour.page.wait_for_timeout(100)
    swagger_tags = sorted(seen)

    tour.visited.append("/api/redoc/")
    tour.goto("/api/redoc/")
    tour.page.wait_for_selector(".menu-content >> text=Bank statements", timeout=60_000)
    tour.check(name="redoc")
    tour.close()

    assert any("Customers" in tag for tag in swagger_tags) and any("Bank statements" in t for t in swagger_tags)
    assert not any(tag.strip().startswith("v1") for tag in swagger_tags), swagger_tags
    # ReDoc's footer always asks for Redocly's logo from their CDN; the CSP refuses it, so nothing
    # leaves the server (the logo is simply missing). That refusal is the one expected problem.
    problems = [p for p in tour.problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p]
    assert not problems, "\n".join(problems)
