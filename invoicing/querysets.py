from datetime import date

from django.db import models


class InvoiceQuerySet(models.QuerySet):
    def issued(self):
        return self.filter(status="issued")

    def unpaid(self):
        return self.filter(status="issued").exclude(settlement_state="paid")

    def overdue(self, *, as_of: date):
        """Issued, not paid, due before ``as_of`` (overdue is computed, never stored)."""
        return self.unpaid().filter(document_type="invoice", due_date__lt=as_of, open_amount__gt=0)
