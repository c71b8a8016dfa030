"""Return fees: what the bank charged us for a returned direct debit, and whether the customer owes it.

Charging the fee on is a claim for damages (§ 280 (1) BGB): only the bank's actual fee, and only
where the customer caused the return. ``ReturnFeeRule`` says per ISO return reason what happens
(charge, ask a person, never); ``ReturnFee`` keeps each fee the bank reported and the decision taken
on it, with the open item (kind ``return_fee``) it became. Imported by ``payments.models``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import money_text

MONEY = {"max_digits": 14, "decimal_places": 2}
# The rule for every reason code without a row of its own.
ANY_REASON = "*"


class ReturnFeeDecision(models.TextChoices):
    CHARGE = "charge", pgettext_lazy("return fee decision", "charge the customer")
    ASK = "ask", pgettext_lazy("return fee decision", "ask a person")
    NEVER = "never", pgettext_lazy("return fee decision", "never charge")


class ReturnFeeRule(models.Model):
    """What happens to the bank's fee for a return with this reason code."""

    reason_code = models.CharField(
        _("return reason code"),
        max_length=4,
        unique=True,
        help_text=_("ISO 20022 return reason, e.g. AM04; * for every code without a rule of its own"),
    )
    decision = models.CharField(_("decision"), max_length=6, choices=ReturnFeeDecision.choices)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("return fee rule")
        verbose_name_plural = _("return fee rules")
        ordering = ["reason_code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=[d.value for d in ReturnFeeDecision]), name="payments_feerule_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        code = gettext("any other reason") if self.reason_code == ANY_REASON else self.reason_code
        return f"{code}: {self.get_decision_display()}"


class ReturnFeeStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("return fee status", "waiting for a decision")
    CHARGED = "charged", pgettext_lazy("return fee status", "charged to the customer")
    DECLINED = "declined", pgettext_lazy("return fee status", "not charged")
    WAIVED = "waived", pgettext_lazy("return fee status", "waived")


class ReturnFee(models.Model):
    """A fee the bank charged for a returned direct debit, and the decision on charging it on."""

    TRANSITIONS = {
        ReturnFeeStatus.PENDING: {ReturnFeeStatus.CHARGED, ReturnFeeStatus.DECLINED},
        ReturnFeeStatus.CHARGED: {ReturnFeeStatus.WAIVED},
        ReturnFeeStatus.DECLINED: set(),
        ReturnFeeStatus.WAIVED: set(),
    }

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="return_fees"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bank_line = models.OneToOneField(
        "payments.BankStatementLine",
        verbose_name=_("return on the bank statement"),
        on_delete=models.PROTECT,
        related_name="return_fee",
    )
    reason_code = models.CharField(_("return reason code"), max_length=35)
    amount = models.DecimalField(_("fee charged by the bank"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=8, choices=ReturnFeeStatus.choices)
    open_item = models.OneToOneField(
        "payments.OpenItem",
        verbose_name=_("open item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_fee",
    )
    why = models.TextField(_("why"), blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("empty when decided by the rule"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("return fee")
        verbose_name_plural = _("return fees")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="payments_returnfee_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_returnfee_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReturnFeeStatus]), name="payments_returnfee_status_valid"
            ),
            # Charged (or waived after charging) exactly when there is an open item.
            models.CheckConstraint(
                condition=Q(status__in=["charged", "waived"], open_item__isnull=False)
                | Q(status__in=["pending", "declined"], open_item__isnull=True),
                name="payments_returnfee_item_when_charged",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Return fee %(amount)s (%(code)s)") % {
            "amount": money_text(self.amount, self.currency),
            "code": self.reason_code,
        }
