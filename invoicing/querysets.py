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

    def received_on_or_before(self, day: date):
        """Documents the customer received (confirmed or assumed) on ``day`` or earlier: the 30
        days of § 286 (3) BGB have begun for them. ``receipt_unknown`` are the others."""
        return self.filter(received_on__lte=day)

    def receipt_unknown(self):
        return self.exclude(status="draft").filter(received_on__isnull=True)
