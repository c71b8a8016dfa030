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
from django.core.management import call_command

from core.management.commands.load_demo_data import DEMO_PASSWORD

from invoicing.tests.factories import reseed_after_module  # noqa: F401

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
    call_command("load_demo_data", force=True, stdout=io.StringIO())


def tour_role(chromium, live_server, artifacts, role: str) -> Tour:
    tour = Tour(chromium, live_server.url, role, artifacts)
    tour.login(role, DEMO_PASSWORD)
    tour.visit("/admin/", name="home")
    pages = tour.links("#content a[href^='/admin/'], #user-tools a[href^='/admin/']")
    # The sidebar of a list page names the same sections, and any the home leaves out.
    tour.goto("/admin/password_change/" if role != "viewer" else "/admin/")
    pages += [p for p in tour.links("#nav-sidebar a[href^='/admin/']") if p not in pages]
    objects: list[str] = []
    for url in pages:
        if SKIP_LINKS.search(url):
            continue
        status = tour.visit(url)
        if status is not None and status >= 400:
            tour.problems.append(f"[{role}] {url}: answered {status}")
        if role == "viewer" and tour.page.locator(WRITE_CONTROLS).count():
            tour.problems.append(f"[{role}] {url}: a viewer finds a save, add or delete control")
        if CHANGE_LIST.match(url.split("?")[0]):
            first = next(iter(tour.links("#result_list tbody a[href^='/admin/']")), None)
            if first and OBJECT.match(first.split("?")[0]) and first not in objects:
                objects.append(first)
    for url in objects:
        change = url.split("?")[0]
        status = tour.visit(change)
        if status is not None and status >= 400:
            tour.problems.append(f"[{role}] {change}: answered {status}")
        if role == "viewer" and tour.page.locator(WRITE_CONTROLS).count():
            tour.problems.append(f"[{role}] {change}: a viewer finds a save, add or delete control")
        tour.visit(change.removesuffix("change/") + "history/")
    return tour


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_admin_reads_right_for(role, demo, chromium, live_server, artifacts):
    tour = tour_role(chromium, live_server, artifacts, role)
    tour.close()

    print(f"\n{role}: {len(tour.visited)} pages")
    assert len(tour.visited) > 10, tour.visited
    assert not tour.problems, "\n".join(tour.problems)
