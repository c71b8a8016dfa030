"""Checkout sessions: a "pay now" page at the provider for the open amount of invoices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.events import event_record
from core.locks import lock_rows
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..adapters import adapter_for
from ..adapters.base import CheckoutRequest, ProviderError
from ..models import CHECKOUT_TRANSITIONS, CheckoutItem, CheckoutSession, CheckoutStatus
from .common import status_change

# Stripe keeps a session between 30 minutes and 24 hours; the payer gets the longest.
CHECKOUT_LIFETIME = timedelta(hours=24)
# What fits into one metadata value (500 characters) with room for long invoice numbers.
MAX_INVOICES = 25


def checkout_validate(*, customer, invoices: Sequence) -> tuple[list[Invoice], Decimal, str]:
    """The invoices to pay, their open amount and currency; refused (field ``invoices``) unless
    they are this customer's issued invoices, each with something open, all in one currency."""
    wanted = [getattr(invoice, "pk", invoice) for invoice in invoices]
    if not wanted:
        raise ValidationError({"invoices": [_("Name at least one invoice to pay.")]})
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"invoices": [_("An invoice is named twice.")]})
    if len(wanted) > MAX_INVOICES:
        message = _("At most %(n)d invoices can be paid in one checkout.") % {"n": MAX_INVOICES}
        raise ValidationError({"invoices": [message]})
    found = Invoice.objects.in_bulk(wanted)
    rows = []
    for pk in wanted:
        invoice = found.get(pk)
        if invoice is None:
            raise ValidationError({"invoices": [_("There is no invoice %(pk)s.") % {"pk": pk}]})
        label = invoice.number or str(invoice.pk)
        if invoice.customer_id != getattr(customer, "pk", None):
            raise ValidationError({"invoices": [_("%(n)s belongs to another customer.") % {"n": label}]})
        if invoice.document_type != DocumentType.INVOICE:
            raise ValidationError(
                {"invoices": [_("%(n)s is a credit note; only invoices can be paid.") % {"n": label}]}
            )
        if invoice.status != DocumentStatus.ISSUED:
            message = _("Only issued invoices can be paid; %(n)s is %(status)s.")
            raise ValidationError({"invoices": [message % {"n": label, "status": invoice.get_status_display()}]})
        if invoice.open_amount <= 0:
            raise ValidationError({"invoices": [_("%(n)s has nothing left to pay.") % {"n": label}]})
        rows.append(invoice)
    currencies = sorted({invoice.currency for invoice in rows})
    if len(currencies) > 1:
        message = _("The invoices are in different currencies (%(c)s); pay each currency on its own.")
        raise ValidationError({"invoices": [message % {"c": ", ".join(currencies)}]})
    # No surcharge for any payment method (§ 270a BGB): the payer is asked for the open amount.
    return rows, sum((invoice.open_amount for invoice in rows), Decimal("0")), currencies[0]


def checkout_session_start(
    *, customer, invoices: Sequence, success_url: str, cancel_url: str, as_of: datetime, provider: str = "stripe"
) -> CheckoutSession:
    """Create the provider's checkout for the open amount of ``invoices`` (``checkout_validate``)
    and store it. The provider call comes first, outside the transaction: were the row lost
    after it, the payment would still be recorded from the metadata the provider echoes back
    (customer, invoice numbers). A provider refusal is a ``ValidationError``, nothing stored."""
    rows, amount, currency = checkout_validate(customer=customer, invoices=invoices)
    for field, url in (("success_url", success_url), ("cancel_url", cancel_url)):
        if not (url or "").startswith(("https://", "http://")):
            raise ValidationError({field: [_("Give the full address (https://…) the payer returns to.")]})
    reusable = _open_session_for(customer=customer, rows=rows, amount=amount, as_of=as_of)
    if reusable is not None:
        return reusable
    numbers = tuple(invoice.number for invoice in rows)
    reference = uuid.uuid4()
    description = ngettext("Invoice %(numbers)s", "Invoices %(numbers)s", len(numbers)) % {
        "numbers": ", ".join(numbers)
    }
    request = CheckoutRequest(
        reference=str(reference),
        customer_id=customer.pk,
        customer_number=customer.number,
        amount=amount,
        currency=currency,
        invoice_numbers=numbers,
        description=description[:250],
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=as_of + CHECKOUT_LIFETIME,
        locale=(customer.language or "")[:2] or "auto",
    )
    try:
        created = adapter_for(provider).checkout_create(request)
    except ProviderError as exc:
        raise ValidationError({"invoices": [str(exc)]}) from exc
    with transaction.atomic():
        session = CheckoutSession.objects.create(
            provider=provider,
            session_id=created.session_id,
            reference=reference,
            customer=customer,
            amount=amount,
            currency=currency,
            url=created.url,
            created_at=as_of,
            expires_at=created.expires_at,
            updated_at=as_of,
        )
        CheckoutItem.objects.bulk_create(
            [CheckoutItem(session=session, invoice=invoice, amount=invoice.open_amount) for invoice in rows]
        )
        event_record(
            type="checkout_session.created",
            obj=session,
            customer_id=customer.pk,
            data={"amount": str(amount), "currency": currency, "invoices": list(numbers)},
            at=as_of,
        )
    return session


# A payer sent to a page that expires within this is given a new one instead.
REUSE_MARGIN = timedelta(minutes=30)


def _open_session_for(*, customer, rows: list[Invoice], amount: Decimal, as_of: datetime) -> CheckoutSession | None:
    """An open session for exactly these invoices and amount that is still valid for a while:
    a second "pay now" click sends the payer to the same page, so one payment cannot be made twice
    through two pages."""
    wanted = sorted(invoice.pk for invoice in rows)
    candidates = CheckoutSession.objects.filter(
        customer=customer, status=CheckoutStatus.OPEN, amount=amount, expires_at__gt=as_of + REUSE_MARGIN
    ).prefetch_related("items")
    for session in candidates.order_by("-created_at", "-id")[:10]:
        if sorted(item.invoice_id for item in session.items.all()) == wanted:
            return session
    return None


def checkout_session_end(*, session: CheckoutSession, outcome: str, as_of: datetime) -> bool:
    """A session expired or its (asynchronous) payment failed; False when it had ended already."""
    locked = lock_rows(CheckoutSession, [session.pk])[session.pk]
    if locked.status != CheckoutStatus.OPEN:
        return False
    status_change(
        obj=locked,
        table=CHECKOUT_TRANSITIONS,
        to=CheckoutStatus.EXPIRED if outcome == "expired" else CheckoutStatus.FAILED,
        as_of=as_of,
        event_type="checkout_session.status_changed",
        customer_id=locked.customer_id,
    )
    return True
