"""The ledger's records of claims given up or held for a decision (issue 19, part "ledger"):

- ``PaymentDesignation``: the payer designated an order other than § 367 (1) BGB (e.g.
  "nur Hauptforderung"); the creditor accepts it or refuses the payment (§ 367 (2) BGB).
- ``Waiver``: a finance manager waived what is still open of a fee or interest item, with reason.
- ``BadDebtWriteOff``: an invoice's open amount written off as uncollectible with the VAT
  corrected per rate (§ 17 (2) Nr. 1 UStG), and ``BadDebtReversal``: money that arrived later
  reinstating it (VAT included, § 17 (2) Nr. 1 sentence 2 UStG).

Imported by ``payments.models`` (that module is long enough).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import money_text

MONEY = {"max_digits": 14, "decimal_places": 2}


class DesignatedOrder(models.TextChoices):
    """What the payer asked for instead of costs → interest → principal."""

    PRINCIPAL_ONLY = "principal_only", pgettext_lazy("designated order", "the principal only")
    PRINCIPAL_FIRST = "principal_first", pgettext_lazy("designated order", "the principal before costs and interest")


class DesignationSource(models.TextChoices):
    REMITTANCE = "remittance", pgettext_lazy("designation source", "remittance information")
    PERSON = "person", pgettext_lazy("designation source", "entered by a person")


class DesignationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("designation status", "waiting for a decision")
    ACCEPTED = "accepted", pgettext_lazy("designation status", "accepted")
    REFUSED = "refused", pgettext_lazy("designation status", "payment refused")


class PaymentDesignation(models.Model):
    """The payer's own order of application (§ 367 (2) BGB), recorded and decided by a person.

    Until decided the payment stays unapplied: applying it by § 367 (1) would disregard a
    designation that binds the creditor who keeps the money, and applying it as designated would
    take away the creditor's right to refuse the payment. See ``services.designation``."""

    TRANSITIONS = {
        DesignationStatus.PENDING: {DesignationStatus.ACCEPTED, DesignationStatus.REFUSED},
        DesignationStatus.ACCEPTED: set(),
        DesignationStatus.REFUSED: set(),
    }

    payment = models.OneToOneField(
        "payments.Payment", verbose_name=_("payment"), on_delete=models.PROTECT, related_name="designation"
    )
    order = models.CharField(_("designated order"), max_length=15, choices=DesignatedOrder.choices)
    source = models.CharField(_("designated in"), max_length=10, choices=DesignationSource.choices)
    matched_text = models.CharField(_("words found"), max_length=200, blank=True, default="")
    invoices = models.ManyToManyField("invoicing.Invoice", verbose_name=_("invoices named"), related_name="+")
    status = models.CharField(
        _("status"), max_length=8, choices=DesignationStatus.choices, default=DesignationStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("payer's designation")
        verbose_name_plural = _("payers' designations")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "refused"]), name="payments_designation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="payments_designation_decided_when_not_pending",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_order_display()} ({self.get_status_display()})"


class Waiver(models.Model):
    """What was still open of a fee or interest item, waived by a finance manager with reason."""

    item = models.ForeignKey(
        "payments.OpenItem", verbose_name=_("open item"), on_delete=models.PROTECT, related_name="waivers"
    )
    amount = models.DecimalField(_("amount waived"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255)
    bad_debt = models.ForeignKey(
        "payments.BadDebtWriteOff", verbose_name=_("with the bad-debt write-off"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="waivers",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("waived"))

    class Meta:
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_waiver_positive")]

    def __str__(self) -> str:
        return gettext("Waived %(amount)s") % {"amount": money_text(self.amount, self.item.currency)}


class BadDebtReason(models.TextChoices):
    INSOLVENCY = "insolvency", pgettext_lazy("bad debt reason", "insolvency of the debtor")
    COLLECTION_FAILED = "collection_failed", pgettext_lazy("bad debt reason", "collection failed")
    UNECONOMIC = "uneconomic", pgettext_lazy("bad debt reason", "pursuing it is uneconomic")


class BadDebtWriteOff(models.Model):
    """An invoice's whole open amount written off as uncollectible (§ 17 (2) Nr. 1 UStG): the
    taxable amount is corrected per VAT rate in proportion to the invoice's VAT breakdown
    (``vat_split``: [{"vat_category", "vat_rate", "gross", "net", "vat"}, ...], gross summing to
    ``amount`` exactly). ``reversed_amount`` is what money that arrived later reinstated."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="bad_debt_write_offs"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="bad_debt_write_offs"
    )
    reason = models.CharField(_("reason"), max_length=17, choices=BadDebtReason.choices)
    note = models.TextField(_("note"), blank=True, default="")
    amount = models.DecimalField(_("written off (gross)"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    vat_split = models.JSONField(_("VAT correction per rate"), default=list)
    reversed_amount = models.DecimalField(_("reinstated"), default=0, **MONEY)
    evidence_name = models.CharField(_("evidence"), max_length=255, blank=True, default="")
    evidence_sha256 = models.CharField(_("SHA-256 of the evidence"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written off"))

    class Meta:
        verbose_name = _("bad-debt write-off")
        verbose_name_plural = _("bad-debt write-offs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "invoice"], name="payments_baddebt_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_baddebt_positive"),
            models.CheckConstraint(
                condition=Q(reversed_amount__gte=0) & Q(reversed_amount__lte=F("amount")),
                name="payments_baddebt_reversed_in_range",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["insolvency", "collection_failed", "uneconomic"]),
                name="payments_baddebt_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Bad debt %(amount)s written off") % {"amount": money_text(self.amount, self.currency)}

    @property
    def remaining_amount(self):
        return self.amount - self.reversed_amount


class BadDebtReversal(models.Model):
    """Money that arrived for a written-off invoice: the write-off is undone for that amount, the
    VAT correction with it (``vat_split`` in the same shape, summing to ``amount``)."""

    write_off = models.ForeignKey(
        BadDebtWriteOff, verbose_name=_("bad-debt write-off"), on_delete=models.PROTECT, related_name="reversals"
    )
    amount = models.DecimalField(_("reinstated (gross)"), **MONEY)
    vat_split = models.JSONField(_("VAT correction per rate"), default=list)
    payment = models.ForeignKey(
        "payments.Payment", verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="bad_debt_reversals",
    )  # fmt: skip
    reason = models.CharField(_("reason"), max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("reinstated"))

    class Meta:
        verbose_name = _("bad-debt reversal")
        verbose_name_plural = _("bad-debt reversals")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_baddebt_reversal_positive")]

    def __str__(self) -> str:
        return gettext("%(amount)s reinstated") % {"amount": money_text(self.amount, self.write_off.currency)}
