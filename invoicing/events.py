"""Invoicing's event types, written through from its typed event tables (core.typed_events)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types
from core.typed_events import connect_typed_events

from .models import Invoice, InvoiceEvent, RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent


def _invoice_customer_id(event: InvoiceEvent) -> int:
    return event.invoice.customer_id


def _template_customer_id(event: RecurringInvoiceTemplateEvent) -> int:
    return event.template.customer_id


connect_typed_events(
    InvoiceEvent,
    prefix="invoice",
    obj_model=Invoice,
    obj_id_attr="invoice_id",
    customer_id_of=_invoice_customer_id,
    # Their reason lists recipients' e-mail addresses (the outbox keeps those), not staff's words.
    private_reason_kinds={InvoiceEvent.Kind.SENT, InvoiceEvent.Kind.DELIVERED},
)
connect_typed_events(
    RecurringInvoiceTemplateEvent,
    prefix="recurring_invoice",
    obj_model=RecurringInvoiceTemplate,
    obj_id_attr="template_id",
    customer_id_of=_template_customer_id,
)
# Written by the draft services directly (a draft's changes have no typed event row).
register_event_types("invoice.draft_changed", "invoice.draft_deleted")
# Documents queued again by hand after an invalid e-invoice (invoicing.services.documents).
register_event_types("invoice.documents_rechecked")

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "invoice.created": gettext_noop("Draft created"),
        "invoice.issued": EventSentence(gettext_noop("Invoice issued"), (gettext_noop("Issued as %(number)s"),)),
        "invoice.cancelled": gettext_noop("Invoice cancelled"),
        "invoice.credited": EventSentence(
            gettext_noop("Credit note issued for this invoice"),
            (gettext_noop("%(amount)s credited with credit note %(credit_note)s"),),
        ),
        "invoice.due_date_changed": EventSentence(
            gettext_noop("Due date changed"), (gettext_noop("Due date changed from %(from_state)s to %(to_state)s"),)
        ),
        "invoice.review_overridden": gettext_noop("Issued despite the customer's open review"),
        "invoice.credit_limit_confirmed": gettext_noop("Credit limit exceeded on purpose"),
        "invoice.settlement_changed": EventSentence(
            gettext_noop("Payment status changed"),
            (
                gettext_noop("%(amount)s allocated, now %(to_state)s"),
                gettext_noop("Payment status changed from %(from_state)s to %(to_state)s"),
            ),
        ),
        "invoice.documents_created": gettext_noop("PDF and e-invoice stored"),
        "invoice.e_invoice_invalid": gettext_noop("E-invoice failed its validation"),
        "invoice.sent": gettext_noop("Sent by e-mail"),
        "invoice.delivered": gettext_noop("Delivered to the customer"),
        "invoice.receipt_assumed": gettext_noop("Receipt assumed"),
        "invoice.draft_changed": gettext_noop("Draft changed"),
        "invoice.draft_deleted": gettext_noop("Draft deleted"),
        "invoice.documents_rechecked": gettext_noop("Documents queued again"),
        "recurring_invoice.created": gettext_noop("Recurring invoice created"),
        "recurring_invoice.changed": gettext_noop("Recurring invoice changed"),
        "recurring_invoice.paused": gettext_noop("Recurring invoice paused"),
        "recurring_invoice.resumed": gettext_noop("Recurring invoice resumed"),
        "recurring_invoice.ended": gettext_noop("Recurring invoice ended"),
    }
)
