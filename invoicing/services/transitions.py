"""The one service that moves an invoice or credit note along ``DOCUMENT_TRANSITIONS``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.transitions import transition_check

from ..models import DOCUMENT_TRANSITIONS, DocumentStatus, Invoice, InvoiceEvent
from .drafts import DocumentStateConflict

# The typed event each status change writes.
EVENT_OF = {DocumentStatus.ISSUED: InvoiceEvent.Kind.ISSUED, DocumentStatus.CANCELLED: InvoiceEvent.Kind.CANCELLED}


def invoice_transition(
    *,
    invoice: Invoice,
    to: str,
    as_of: datetime,
    by=None,
    reason: str = "",
    data: dict | None = None,
    update_fields: Iterable[str] | None = None,
) -> InvoiceEvent:
    """Move a locked document to ``to``: refused with ``DocumentStateConflict`` (API 409) unless
    the table allows it; else the status is saved — with ``update_fields`` the caller changed
    alongside (``None``: every field, as issuing does) — and the typed event is written."""
    transition_check(
        DOCUMENT_TRANSITIONS,
        current=invoice.status,
        to=to,
        labels=dict(DocumentStatus.choices),
        conflict=DocumentStateConflict,
    )
    from_state = invoice.status
    invoice.status = to
    invoice.save(update_fields=None if update_fields is None else sorted({"status", *update_fields}))
    return InvoiceEvent.objects.create(
        invoice=invoice,
        kind=EVENT_OF[to],
        at=as_of,
        by=by if getattr(by, "pk", None) else None,
        from_state=from_state,
        to_state=to,
        reason=reason,
        data=data or {},
    )
