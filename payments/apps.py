from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import BankStatement, BankStatementImport, BankStatementLine, OpenItem, Payment, ReturnFee

        for model, place in (
            (BankStatementImport, "statement_import"),
            (BankStatement, "bank_statement"),
            (BankStatementLine, "bank_line"),
            (Payment, "payment"),
            (OpenItem, "open_item"),
            (ReturnFee, "return_fee"),
        ):
            lock_place_register(model, place)
        from . import (
            events,  # noqa: F401  (registers the payments event types and their write-through)
            generator,  # noqa: F401  (writes the payments behind invoicing's generated ledger)
            schedules,  # noqa: F401  (declares the payments schedules)
        )
        from .bank import handlers  # noqa: F401  (registers payments.import_statement and payments.match_statement)
        from .bank.debits import jobs  # noqa: F401  (registers payments.relink_returns)
