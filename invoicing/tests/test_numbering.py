"""Invoice numbers under concurrency (PostgreSQL): strictly consecutive, unique, and gap-free
even when issues fail inside their transaction.

These tests commit (``transaction=True``): each thread has its own connection, as parallel web
or worker processes would, and a rollback must really give its number back.
"""

from __future__ import annotations

import threading

import pytest

from customers.tests.factories import make_customer
from invoicing.models import DocumentStatus, Invoice
from invoicing.services import invoice_issue
from invoicing.services import issue as issue_module

from .factories import (
    T0,
    make_company_profile,
    make_draft,
    make_issued,
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]

ISSUERS = 24


@pytest.fixture
def setup_committed():
    seed_rates_and_terms()
    make_company_profile()


def issue_concurrently(drafts: list[Invoice]) -> tuple[list[str], list[Exception]]:
    from django.db import connection  # the thread's own

    numbers: list[str] = []
    failures: list[Exception] = []
    barrier = threading.Barrier(len(drafts))

    def issuer(draft: Invoice) -> None:
        try:
            barrier.wait(10)
            numbers.append(invoice_issue(invoice=draft, as_of=T0).number)
        except Exception as exc:  # noqa: BLE001 -- collected, and asserted on by the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issuer, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "an issuer hung (deadlock?)"
    return numbers, failures


def expected_numbers(count: int) -> list[str]:
    return [f"RE-2026-{n:06d}" for n in range(1, count + 1)]


def test_concurrent_issuers_get_consecutive_unique_numbers(setup_committed):
    customer = make_customer()
    drafts = [make_draft(customer=customer) for _ in range(ISSUERS)]

    numbers, failures = issue_concurrently(drafts)

    assert failures == []
    assert sorted(numbers) == expected_numbers(ISSUERS)
    stored = list(Invoice.objects.filter(status=DocumentStatus.ISSUED).values_list("number", flat=True))
    assert sorted(stored) == expected_numbers(ISSUERS)


def test_issues_failing_after_drawing_their_number_leave_no_gap(setup_committed, monkeypatch):
    """Every fourth issue breaks after ``number_next`` (while writing the buyer snapshot)."""
    customer = make_customer()
    doomed = make_customer(legal_name="Scheitert GmbH")
    drafts = [make_draft(customer=doomed if i % 4 == 0 else customer) for i in range(ISSUERS)]
    original = issue_module._buyer_snapshot

    def failing_snapshot(buyer):
        if buyer.pk == doomed.pk:
            raise RuntimeError("the disk is full")
        return original(buyer)

    monkeypatch.setattr(issue_module, "_buyer_snapshot", failing_snapshot)

    numbers, failures = issue_concurrently(drafts)

    assert len(failures) == ISSUERS // 4
    assert all(isinstance(exc, RuntimeError) for exc in failures)
    assert sorted(numbers) == expected_numbers(ISSUERS - ISSUERS // 4)
    assert Invoice.objects.filter(customer=doomed, status=DocumentStatus.DRAFT, number=None).count() == ISSUERS // 4
    monkeypatch.undo()
    assert make_issued(customer=customer).number == f"RE-2026-{ISSUERS - ISSUERS // 4 + 1:06d}"


def test_a_single_failed_issue_gives_its_number_back(setup_committed, monkeypatch):
    draft = make_draft()

    def broken(*args, **kwargs):
        raise RuntimeError("breakdown could not be written")

    monkeypatch.setattr(issue_module.InvoiceVatBreakdown.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        invoice_issue(invoice=draft, as_of=T0)
    monkeypatch.undo()
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (DocumentStatus.DRAFT, None)
    assert invoice_issue(invoice=draft, as_of=T0).number == "RE-2026-000001"
