"""Reads of the ``sepa`` app that other apps (the customer page, dunning) rely on."""

from __future__ import annotations

from collections.abc import Iterable

from .models import BatchItem, BatchItemStatus, Mandate, MandateStatus


def invoices_collection_pending(invoice_ids: Iterable[int]) -> set[int]:
    """Those of ``invoice_ids`` in a direct-debit collection the bank has not yet booked or returned:
    the customer must not be asked to pay them another way (a double payment)."""
    ids = list(invoice_ids)
    if not ids:
        return set()
    return set(
        BatchItem.objects.filter(invoice_id__in=ids, status=BatchItemStatus.PENDING).values_list(
            "invoice_id", flat=True
        )
    )


def mandate_active_for(customer) -> Mandate | None:
    """The customer's active mandate (the newest signed, where there are several), or None."""
    return Mandate.objects.filter(customer=customer, status=MandateStatus.ACTIVE).order_by("-signed_on", "-id").first()
