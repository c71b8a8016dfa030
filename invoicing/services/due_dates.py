"""Changing the due date of an issued invoice (agreed extension, payment plan)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import CustomerNotice, DocumentStatus, DocumentType, Invoice, InvoiceEvent, SettlementState
from .drafts import DocumentStateConflict
from .locks import invoices_lock
from .sending import due_date_notice_send


def invoice_change_due_date(*, invoice: Invoice, new_due_date: date, reason: str, as_of: datetime, by=None) -> Invoice:
    """Move the due date of an issued, unsettled invoice with a reason (agreed extension, payment plan).

    The change is kept as an event (old → new, who, why), and in the same transaction a notice to
    the customer is recorded and its e-mail queued in the outbox (``due_date_notice_send``: the
    notice is the obligation, the outbox row its delivery; the internal reason stays internal).
    Without a recipient the notice stays pending and a follow-up task opens. The due date is one
    of the columns the immutability trigger lets change after issue.
    """
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Say why the due date changes (e.g. agreed payment plan).")]
    with transaction.atomic():
        invoice = invoices_lock(invoice.pk)[invoice.pk]
        if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
            raise DocumentStateConflict(
                _("Only issued invoices have a due date to change; this one is %(status)s.")
                % {"status": invoice.get_status_display()}
            )
        if invoice.settlement_state == SettlementState.PAID:
            errors.setdefault("invoice", []).append(
                _("%(number)s is settled; there is nothing left to fall due.") % {"number": invoice.number}
            )
        elif new_due_date < invoice.invoice_date:
            errors.setdefault("due_date", []).append(_("The due date cannot lie before the invoice date."))
        elif new_due_date == invoice.due_date:
            errors.setdefault("due_date", []).append(
                _("The invoice is already due on %(date)s.") % {"date": f"{new_due_date:%d.%m.%Y}"}
            )
        if errors:
            raise ValidationError(errors)
        old = invoice.due_date
        invoice.due_date = new_due_date
        invoice.updated_at = as_of
        invoice.save(update_fields=["due_date", "updated_at"])
        actor = by if getattr(by, "pk", None) else None
        InvoiceEvent.objects.create(
            invoice=invoice,
            kind=InvoiceEvent.Kind.DUE_DATE_CHANGED,
            at=as_of,
            by=actor,
            from_state=old.isoformat() if old else "",
            to_state=new_due_date.isoformat(),
            reason=reason.strip(),
        )
        notice = CustomerNotice.objects.create(
            invoice=invoice,
            kind=CustomerNotice.Kind.DUE_DATE_CHANGED,
            created_at=as_of,
            data={
                "old_due_date": old.isoformat() if old else None,
                "new_due_date": new_due_date.isoformat(),
                "reason": reason.strip(),
            },
        )
        due_date_notice_send(notice=notice, as_of=as_of, by=actor)
    return invoice
