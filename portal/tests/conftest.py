"""Builders of the customer page tests: customers with issued invoices, stored documents, SEPA
mandates and pending collections (sepa rows written directly, as the sepa app would), and the
payment provider's two functions replaced (the outbound boundary)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from customers.tests.factories import make_customer
from invoicing.services.documents import invoice_documents_render
from invoicing.tests.factories import T0, at, invoicing_setup, make_issued  # noqa: F401
from portal.services import page_link_create
from providers import checkout
from sepa.models import Batch, BatchItem, BatchItemStatus, BatchKind, Mandate

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()  # the counters of one test must not limit the next
    yield
    cache.clear()


@pytest.fixture
def setup(invoicing_setup):  # noqa: F811
    invoicing_setup.sepa_creditor_id = "DE98ZZZ09999999999"
    invoicing_setup.save(update_fields=["sepa_creditor_id"])
    return invoicing_setup


def customer_with_invoice(*, name: str = "Nordlicht Software AG", language: str = "de", as_of: datetime = T0):
    customer = make_customer(legal_name=name, language=language)
    invoice = make_issued(customer=customer, as_of=as_of)
    return customer, invoice


def with_documents(invoice, *, as_of: datetime = T0):
    invoice_documents_render(invoice_id=invoice.pk, as_of=as_of)
    invoice.refresh_from_db()
    return invoice


def link_for(invoice=None, *, customer=None, as_of: datetime = T0, **kwargs):
    return page_link_create(invoice=invoice, customer=customer, as_of=as_of, **kwargs)


def make_mandate(customer, *, reference: str | None = None, signed_on: date = date(2026, 1, 15)) -> Mandate:
    return Mandate.objects.create(
        customer=customer,
        reference=reference or f"MNDT-2026-{next(_serial):05d}",
        signed_on=signed_on,
        debtor_name=customer.legal_name,
        debtor_iban="DE02120300000000202051",
        created_at=T0,
        updated_at=T0,
    )


def make_pending_collection(invoice, mandate: Mandate, *, collection_date: date = date(2026, 12, 10)) -> BatchItem:
    serial = next(_serial)
    batch = Batch.objects.create(
        kind=BatchKind.DIRECT_DEBIT,
        schema="pain.008.001.08",
        message_id=f"MSG-{serial:08d}",
        requested_date=collection_date,
        total=invoice.open_amount,
        item_count=1,
        creditor_id="DE98ZZZ09999999999",
        created_at=T0,
    )
    return BatchItem.objects.create(
        batch=batch,
        status=BatchItemStatus.PENDING,
        customer=invoice.customer,
        end_to_end_id=f"E2E-{serial:08d}",
        payment_info_id=f"PMT-{serial:08d}",
        amount=invoice.open_amount,
        currency=invoice.currency,
        invoice=invoice,
        mandate=mandate,
        sequence_type="FRST",
    )


class Provider:
    """The payment provider as the page sees it: available or not, and the checkouts asked for."""

    def __init__(self, monkeypatch, *, available: bool):
        self.available = available
        self.sessions: list[dict] = []
        monkeypatch.setattr(checkout, "provider_available", lambda: self.available)
        monkeypatch.setattr(checkout, "checkout_session_create", self.create)

    def create(self, *, customer, invoices, success_url, cancel_url, as_of) -> str:
        total = sum((invoice.open_amount for invoice in invoices), Decimal("0.00"))
        self.sessions.append(
            {"customer": customer, "invoices": list(invoices), "total": total, "success_url": success_url}
        )
        return f"https://checkout.stripe.com/c/pay/cs_test_{len(self.sessions)}"


@pytest.fixture
def provider(monkeypatch):
    return Provider(monkeypatch, available=True)


@pytest.fixture
def no_provider(monkeypatch):
    return Provider(monkeypatch, available=False)


__all__ = ["at", "make_issued"]
