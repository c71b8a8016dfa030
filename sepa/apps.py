from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    name = "sepa"
    verbose_name = _("SEPA direct debit and transfers")

    def ready(self) -> None:
        from core.locks import lock_place_register
        from invoicing.hooks import COLLECTION, invoice_payment_means_register

        from .bank import register
        from .models import Batch, BatchItem, Mandate
        from .payment_means import invoice_direct_debit

        lock_place_register(Batch, "collection_batch")
        lock_place_register(Mandate, "sepa_mandate")
        lock_place_register(BatchItem, "collection_item")
        # Invoices to mandate customers carry the direct debit and its pre-notification.
        invoice_payment_means_register(invoice_direct_debit, order=COLLECTION)
        register()  # the bank statement confirms batches and returns collections (sepa.bank)
        from . import (
            events,  # noqa: F401  (registers the sepa event types and their sentences)
            schedules,  # noqa: F401  (declares the mandate expiry job)
        )
