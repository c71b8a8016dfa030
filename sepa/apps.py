from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    name = "sepa"
    verbose_name = _("SEPA direct debit and transfers")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .bank import register
        from .models import Batch, BatchItem

        lock_place_register(Batch, "collection_batch")
        lock_place_register(BatchItem, "collection_item")
        register()  # the bank statement confirms batches and returns collections (sepa.bank)
