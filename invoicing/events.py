"""Invoicing's event types, written through from its typed event tables (core.typed_events)."""

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
