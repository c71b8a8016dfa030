"""Payment terms: commercial master data agreed with a customer (net days or end of month + days,
with Skonto tiers). Invoicing, payments (Skonto) and dunning read them; the arithmetic and wording
live in ``customers.terms``.

The model moved here from ``invoicing`` (issue 15) without touching the database: it keeps its
table ``invoicing_paymentterms`` and constraint name (customers migration 0008).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..terms import DiscountTier, TermsSpec


class PaymentTerms(models.Model):
    """Net days or end of month + days, with optional Skonto tiers ("2 % within 10 days")."""

    class Basis(models.TextChoices):
        NET = "net", _("days after invoice date")
        END_OF_MONTH = "end_of_month", _("days after the end of the invoice month")

    name = models.CharField(_("name"), max_length=100, unique=True)
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices, default=Basis.NET)
    days = models.PositiveSmallIntegerField(_("days"))
    # [{"percent": "2.00", "days": 10}, ...], validated by customers.terms.validate_terms
    discount_tiers = models.JSONField(_("early payment discounts"), default=list, blank=True)
    is_default = models.BooleanField(_("default for new customers"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        # The table and the constraint keep their invoicing names: renaming them would lock and
        # rewrite for no gain, and the move stays a state-only migration.
        db_table = "invoicing_paymentterms"
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="invoicing_one_default_terms"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> TermsSpec:
        tiers = tuple(
            DiscountTier(percent=Decimal(str(t["percent"])), days=int(t["days"])) for t in self.discount_tiers
        )
        return TermsSpec(basis=self.basis, days=self.days, tiers=tiers)
