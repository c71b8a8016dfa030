from datetime import date

from django.db import models
from django.db.models import Q


def open_condition() -> Q:
    """Invoices (not credit notes) issued and not paid with an amount still open; the condition
    of the partial index ``invoicing_overdue_open``."""
    return Q(status="issued", document_type="invoice", open_amount__gt=0) & ~Q(settlement_state="paid")


def overdue_condition(*, as_of: date) -> Q:
    """The row condition of ``overdue``: a filter, or an annotation without a sub-query (lists)."""
    return open_condition() & Q(due_date__lt=as_of)


class InvoiceQuerySet(models.QuerySet):
    def issued(self):
        return self.filter(status="issued")

    def unpaid(self):
        return self.filter(status="issued").exclude(settlement_state="paid")

    def overdue(self, *, as_of: date):
        """Issued, not paid, due before ``as_of`` (overdue is computed, never stored)."""
        return self.filter(overdue_condition(as_of=as_of))

    def received_on_or_before(self, day: date):
        """Documents the customer received (confirmed or assumed) on ``day`` or earlier: the 30
        days of § 286 (3) BGB have begun for them. ``receipt_unknown`` are the others."""
        return self.filter(received_on__lte=day)

    def receipt_unknown(self):
        return self.exclude(status="draft").filter(received_on__isnull=True)
