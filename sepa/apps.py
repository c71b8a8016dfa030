from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    name = "sepa"
    verbose_name = _("SEPA direct debit and transfers")

    def ready(self):
        from invoicing.hooks import COLLECTION, invoice_payment_means_register

        from .payment_means import invoice_direct_debit

        # Invoices to mandate customers carry the direct debit and its pre-notification.
        invoice_payment_means_register(invoice_direct_debit, order=COLLECTION)
