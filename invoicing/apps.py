from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self):
        from core.locks import lock_place_register

        from .models import Invoice, RecurringInvoiceTemplate

        lock_place_register(RecurringInvoiceTemplate, "recurring_template")
        lock_place_register(Invoice, "invoice")
        from . import (
            events,  # noqa: F401  (registers the invoicing event types and their write-through)
            handlers,  # noqa: F401  (registers the invoicing job kinds)
            messaging,  # noqa: F401  (registers the invoice mail purposes and reactions with the outbox)
            schedules,  # noqa: F401  (declares the invoicing schedules)
        )
        from .hooks import on_invoice_issued
        from .services.documents import invoice_documents_schedule

        # The PDF and e-invoice are made after commit, by a durable job recorded in the issue.
        on_invoice_issued(invoice_documents_schedule)
