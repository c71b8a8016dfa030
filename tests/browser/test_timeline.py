"""The customer's timeline in a real browser (issue 18): reached from the customer page, filtered
through the URL, a note added, a free-text letter previewed and sent through the outbox.

Debian's Chromium (Playwright), German, against the live server; each page checked as the tour
checks the admin (``tests/browser/tour.py``): no 5xx, console error, CSP violation or request to
another host, no serious or critical axe-core violation, German that reads right. Screenshots:
``var/browser-artifacts/timeline-*/``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from communications.models import CustomerNote, OutboxMessage
from communications.services.notes import customer_call_log
from core.roles import Role
from customers.tests.factories import make_customer
from invoicing.tests.factories import make_company_profile, reseed_after_module, seed_rates_and_terms  # noqa: F401
from payments.tests.factories import make_invoice
from tests.conftest import make_user

from .tour import Tour

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reseed_after_module")]


@pytest.fixture
def customer_with_history(transactional_db, django_user_model):
    seed_rates_and_terms()
    make_company_profile()
    accountant = make_user(django_user_model, "buchhaltung", Role.ACCOUNTANT, first_name="Berta", last_name="Buch")
    make_user(django_user_model, "leser", Role.FINANCE_VIEWER)
    now = timezone.now()
    customer = make_customer(legal_name="Nordlicht Software AG", as_of=now - timedelta(days=3))
    make_invoice(customer=customer, as_of=now - timedelta(days=2))
    customer_call_log(
        customer=customer,
        direction="outgoing",
        outcome="no_answer",
        summary="Niemand erreicht.",
        occurred_at=now - timedelta(days=1),
        as_of=now,
        by=accountant,
    )
    return customer


def test_an_accountant_filters_the_timeline_adds_a_note_and_writes_a_letter(
    customer_with_history, chromium, live_server, artifacts
):
    customer = customer_with_history
    tour = Tour(chromium, live_server.url, "timeline-accountant", artifacts)
    tour.context.set_default_timeout(30_000)
    tour.login("buchhaltung", "x")
    page = tour.page

    tour.visit(f"/admin/customers/customer/{customer.pk}/change/", name="customer")
    with page.expect_navigation():
        page.click("#customer-timeline-link")
    tour.visited.append(tour.path())
    tour.check(name="timeline")
    text = page.inner_text("#timeline")
    assert "Telefonat erfasst (ausgehend): nicht erreicht" in text and "Niemand erreicht." in text
    assert "Berta Buch" in text

    # Filter: only notes and calls, the choice kept in the URL.
    page.check("#timeline-filters input[value=notes]")
    with page.expect_navigation():
        page.click("#timeline-filters input[type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="timeline notes")
    assert "kinds=notes" in page.url
    assert page.locator("#timeline tbody tr.casework-entry").count() == 1

    # Add a note.
    page.fill("#add-note textarea", "Kunde bittet um Ratenzahlung.")
    with page.expect_navigation():
        page.click("#add-note input[type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="note added")
    assert "Kunde bittet um Ratenzahlung." in page.inner_text("#timeline")
    assert CustomerNote.objects.filter(kind="note", author__username="buchhaltung").count() == 1

    # Write a free-text letter: preview, then send.
    with page.expect_navigation():
        page.click("#write-to-customer")
    tour.visited.append(tour.path())
    tour.check(name="letter")
    body = page.input_value("#letter-form textarea[name=body]")
    assert body.startswith("Guten Tag Anna Schmidt,")  # the invoice recipient, greeted by name
    page.fill("#letter-form textarea[name=body]", body.replace(",\n\n", ",\n\nanbei unser Vorschlag.\n\n", 1))
    with page.expect_navigation():
        page.click("#letter-form input[name=preview]")
    tour.visited.append(tour.path())
    tour.check(name="letter preview")
    assert "anbei unser Vorschlag." in page.inner_text("#letter-preview")
    assert not OutboxMessage.objects.exists()
    with page.expect_navigation():
        page.click("#letter-form input[name=send]")
    tour.visited.append(tour.path())
    tour.check(name="letter sent")
    message = OutboxMessage.objects.get()
    assert message.customer_id == customer.pk and message.template == "letter_free_text"
    assert "anbei unser Vorschlag." in message.body_text
    assert "/timeline/" in page.url and "E-Mail" in page.inner_text("#timeline")

    # A payment plan over the open invoice: three monthly instalments, previewed.
    with page.expect_navigation():
        page.click("#write-to-customer")
    page.select_option("#letter-template select", "letter_payment_plan")
    with page.expect_navigation():
        page.click("#letter-template input[type=submit]")
    tour.visited.append(tour.path())
    tour.check(name="payment plan")
    page.check("#letter-form input[name=invoices]")
    page.fill("#letter-form input[name=plan_count]", "3")
    page.fill("#letter-form input[name=plan_first_date]", (timezone.localdate() + timedelta(days=7)).isoformat())
    page.select_option("#letter-form select[name=plan_interval]", "monthly")
    with page.expect_navigation():
        page.click("#letter-form input[name=preview]")
    tour.visited.append(tour.path())
    tour.check(name="payment plan preview")
    preview = page.inner_text("#letter-preview").replace("\xa0", " ")
    assert "119,00 €" in preview and "1. " in preview and "3. " in preview and "{instalments}" not in preview
    tour.close()
    assert not tour.problems, "\n".join(tour.problems)


def test_a_viewer_reads_the_timeline_without_forms(customer_with_history, chromium, live_server, artifacts):
    tour = Tour(chromium, live_server.url, "timeline-viewer", artifacts)
    tour.login("leser", "x")
    url = f"/admin/communications/customernote/customer/{customer_with_history.pk}/timeline/"

    assert tour.visit(url, name="timeline") == 200
    assert tour.page.locator("#add-note, #log-call, #write-to-customer").count() == 0
    assert "Niemand erreicht." in tour.page.inner_text("#timeline")
    tour.close()
    assert not tour.problems, "\n".join(tour.problems)
