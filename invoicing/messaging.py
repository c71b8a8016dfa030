"""What invoicing registers with the outbox (``communications.registry``): its purposes and reactions.

The outbox knows no invoice: the invoice's own history (``sent``, ``delivered``) and its date of
receipt (§ 130 BGB, § 286 (3) BGB) are written here, in the transaction of the message's change.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from communications.registry import Purpose, SubjectKind, purpose_register, reaction, subject_kind_register

from .models import Invoice, InvoiceEvent
from .services.receipts import INVOICE_MAILS, invoice_receipt_confirm

purpose_register(
    # Invoices, credit notes and notices about them go to the contacts flagged "receives invoices";
    # a template no purpose names goes there too (as before purposes were registered).
    Purpose(
        name="invoices",
        contact_flag="receives_invoices",
        templates=("invoice", "credit_note", "due_date_changed"),
        default=True,
    ),
    Purpose(name="reminders", contact_flag="receives_reminders", templates=("reminder", "dunning")),
)

# The API shows and filters a message's invoice as ``invoice``; texts name it by its number.
subject_kind_register(
    SubjectKind(name="invoice", model=Invoice, label=lambda invoice: invoice.number or str(invoice.pk))
)


def _invoices(message, subjects) -> list[Invoice]:
    if message.template not in INVOICE_MAILS:
        return []
    return [subject for subject in subjects if isinstance(subject, Invoice)]


@reaction("sent")
def invoice_mail_sent(*, message, subjects, as_of: datetime) -> None:
    """The invoice's own history says when it left (its receipt comes from tracking)."""
    for invoice in _invoices(message, subjects):
        InvoiceEvent.objects.create(
            invoice_id=invoice.pk,
            kind=InvoiceEvent.Kind.SENT,
            at=as_of,
            reason=", ".join(message.to_addresses),
            data={"outbox_id": message.pk, "message_id": message.message_id},
        )


@reaction("delivered")
def invoice_mail_delivered(*, message, subjects, at: datetime, recipient: str, provider: str, as_of: datetime) -> None:
    """The first delivery of an invoice mail is the invoice's date of receipt (replaces an assumption)."""
    for invoice in _invoices(message, subjects):
        InvoiceEvent.objects.create(
            invoice_id=invoice.pk,
            kind=InvoiceEvent.Kind.DELIVERED,
            at=at,
            reason=_("delivered to %(email)s") % {"email": recipient},
            data={"outbox_id": message.pk, "provider": provider, "recipient": recipient},
        )
        invoice_receipt_confirm(invoice_id=invoice.pk, received_on=timezone.localdate(at), as_of=as_of)
