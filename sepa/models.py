"""SEPA direct debit mandates and the batches (pain.008 collections, pain.001 refunds) sent to the bank.

A ``Mandate`` is the customer's permission to collect from their account (SEPA Rulebook: unique
reference, signature date, scheme, sequence type). A ``Batch`` is one file handed to the bank, kept
with its XML and checksum so it can be downloaded again; its ``BatchItem`` rows are what it moves:
one invoice collected under one mandate, or one customer credit refunded. An invoice with a
``pending`` or ``collected`` item is never put in a second collection (partial unique index).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import history_user

MONEY = {"max_digits": 14, "decimal_places": 2}


class MandateScheme(models.TextChoices):
    CORE = "CORE", _("SEPA Core direct debit (consumers and businesses)")
    B2B = "B2B", _("SEPA business-to-business direct debit")


class SequenceType(models.TextChoices):
    """pain.008 ``SeqTp``: which collection under a mandate this is."""

    FIRST = "FRST", _("first collection")
    RECURRING = "RCUR", _("recurring collection")
    FINAL = "FNAL", _("final collection")
    ONE_OFF = "OOFF", _("one-off collection")


class MandateStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("mandate status", "active")
    REVOKED = "revoked", pgettext_lazy("mandate status", "revoked")
    # SEPA Rulebook: a mandate unused for 36 months after its last collection expires.
    EXPIRED = "expired", pgettext_lazy("mandate status", "expired (36 months without a collection)")


class Mandate(models.Model):
    """A customer's SEPA direct-debit mandate."""

    TRANSITIONS = {
        MandateStatus.ACTIVE: {MandateStatus.REVOKED, MandateStatus.EXPIRED},
        MandateStatus.REVOKED: set(),
        MandateStatus.EXPIRED: set(),
    }

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="mandates"
    )
    reference = models.CharField(_("mandate reference"), max_length=35, unique=True)
    signed_on = models.DateField(_("signed on"))
    scheme = models.CharField(_("scheme"), max_length=4, choices=MandateScheme.choices, default=MandateScheme.CORE)
    recurring = models.BooleanField(_("recurring"), default=True, help_text=_("off: a mandate for one collection"))
    # The sequence type the next collection under this mandate uses; advanced when a batch is created.
    sequence_type = models.CharField(
        _("next sequence type"), max_length=4, choices=SequenceType.choices, default=SequenceType.FIRST
    )
    debtor_name = models.CharField(_("account holder"), max_length=70)
    debtor_iban = models.CharField(_("IBAN"), max_length=34, help_text=_("stored without spaces"))
    debtor_bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    status = models.CharField(_("status"), max_length=7, choices=MandateStatus.choices, default=MandateStatus.ACTIVE)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    last_collected_on = models.DateField(_("last collection"), null=True, blank=True)
    # A one-off collection or the final one of a series was sent: the mandate allows no further one.
    used_up = models.BooleanField(
        _("used up"), default=False, help_text=_("a one-off or final collection was sent; no further collection")
    )
    status_reason = models.TextField(_("reason for the status"), blank=True, default="")
    # Set by a return whose reason says the mandate is in doubt (MD01 no mandate, revoked …).
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    attention_reason = models.TextField(_("why it needs attention"), blank=True, default="")
    # A mandate amendment (pain.008 AmdmntInd) sent with the next collection, then cleared.
    original_reference = models.CharField(_("original mandate reference"), max_length=35, blank=True, default="")
    original_debtor_iban = models.CharField(_("original IBAN"), max_length=34, blank=True, default="")
    original_debtor_bic = models.CharField(_("original BIC"), max_length=11, blank=True, default="")
    debtor_bank_changed = models.BooleanField(
        _("debtor changed bank"), default=False, help_text=_("sent as SMNDA with the next collection")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("SEPA mandate")
        verbose_name_plural = _("SEPA mandates")
        ordering = ["customer_id", "-signed_on", "id"]
        indexes = [models.Index(fields=["customer", "status"], name="sepa_mandate_customer_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MandateStatus]), name="sepa_mandate_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sequence_type__in=[s.value for s in SequenceType]), name="sepa_mandate_sequence_valid"
            ),
            models.CheckConstraint(condition=Q(scheme__in=["CORE", "B2B"]), name="sepa_mandate_scheme_valid"),
            models.CheckConstraint(condition=~Q(reference=""), name="sepa_mandate_reference_present"),
        ]

    def __str__(self) -> str:
        return self.reference


class BatchKind(models.TextChoices):
    DIRECT_DEBIT = "direct_debit", _("direct-debit collection (pain.008)")
    CREDIT_TRANSFER = "credit_transfer", _("refund by credit transfer (pain.001)")


class BatchStatus(models.TextChoices):
    CREATED = "created", pgettext_lazy("sepa batch status", "created, not yet sent to the bank")
    SUBMITTED = "submitted", pgettext_lazy("sepa batch status", "submitted to the bank")
    CONFIRMED = "confirmed", pgettext_lazy("sepa batch status", "booked by the bank")
    CANCELLED = "cancelled", pgettext_lazy("sepa batch status", "cancelled")


class Batch(models.Model):
    """One SEPA file for the bank: who made it, when, its XML and checksum, its items and total."""

    TRANSITIONS = {
        BatchStatus.CREATED: {BatchStatus.SUBMITTED, BatchStatus.CANCELLED},
        BatchStatus.SUBMITTED: {BatchStatus.CONFIRMED, BatchStatus.CANCELLED},
        BatchStatus.CONFIRMED: set(),
        BatchStatus.CANCELLED: set(),
    }

    kind = models.CharField(_("kind"), max_length=15, choices=BatchKind.choices)
    status = models.CharField(_("status"), max_length=9, choices=BatchStatus.choices, default=BatchStatus.CREATED)
    schema = models.CharField(_("format"), max_length=20, help_text=_("e.g. pain.008.001.08"))
    # German banks take one local instrument per direct-debit file (CORE or B2B); empty for transfers.
    scheme = models.CharField(_("scheme"), max_length=4, choices=MandateScheme.choices, blank=True, default="")
    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    # Requested collection date (pain.008 ReqdColltnDt) or execution date (pain.001 ReqdExctnDt).
    requested_date = models.DateField(_("requested date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = models.DecimalField(_("total"), **MONEY)
    item_count = models.PositiveIntegerField(_("items"))
    xml = models.TextField(_("file"), blank=True, default="")
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    creditor_id = models.CharField(_("creditor identifier"), max_length=35, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("booked"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, default="")

    class Meta:
        verbose_name = _("SEPA batch")
        verbose_name_plural = _("SEPA batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in BatchStatus]), name="sepa_batch_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in BatchKind]), name="sepa_batch_kind_valid"),
            models.CheckConstraint(condition=Q(total__gt=0), name="sepa_batch_total_positive"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s %(id)s") % {"kind": self.get_kind_display(), "id": self.message_id}


class BatchItemStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("sepa item status", "pending at the bank")
    COLLECTED = "collected", pgettext_lazy("sepa item status", "booked")
    RETURNED = "returned", pgettext_lazy("sepa item status", "returned")
    CANCELLED = "cancelled", pgettext_lazy("sepa item status", "cancelled")


# Items that hold their invoice: it is in a collection and must not be collected again.
HOLDS_INVOICE = (BatchItemStatus.PENDING, BatchItemStatus.COLLECTED)


class BatchItem(models.Model):
    """One transaction of a batch: an invoice collected under a mandate, or a credit refunded."""

    TRANSITIONS = {
        BatchItemStatus.PENDING: {BatchItemStatus.COLLECTED, BatchItemStatus.RETURNED, BatchItemStatus.CANCELLED},
        BatchItemStatus.COLLECTED: {BatchItemStatus.RETURNED},
        BatchItemStatus.RETURNED: set(),
        BatchItemStatus.CANCELLED: set(),
    }

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="items")
    status = models.CharField(
        _("status"), max_length=9, choices=BatchItemStatus.choices, default=BatchItemStatus.PENDING
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, unique=True)
    payment_info_id = models.CharField(_("payment information id"), max_length=35)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    remittance = models.CharField(_("remittance information"), max_length=140, blank=True, default="")
    # Direct debit: the invoice collected, under which mandate, as which sequence type.
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    sequence_type = models.CharField(_("sequence type"), max_length=4, choices=SequenceType.choices, blank=True)
    # The mandate as collected, including an amendment sent with it (AmdmntInd, original data).
    mandate_data = models.JSONField(_("mandate as sent"), default=dict, blank=True)
    # Credit transfer: the customer credit refunded and to which account.
    source_payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=_("refunded from payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refund = models.OneToOneField(
        "payments.Refund", verbose_name=_("refund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counterparty_name = models.CharField(_("account holder"), max_length=70, blank=True, default="")
    counterparty_iban = models.CharField(_("IBAN"), max_length=34, blank=True, default="")
    counterparty_bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    # What the bank statement said: the payment recorded on confirmation, a return and its reason.
    payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=_("payment recorded"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.CharField(_("return reason"), max_length=4, blank=True, default="")
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("SEPA batch item")
        verbose_name_plural = _("SEPA batch items")
        ordering = ["batch_id", "id"]
        indexes = [
            models.Index(fields=["payment_info_id"], name="sepa_item_payment_info"),
            models.Index(fields=["mandate", "status"], name="sepa_item_mandate_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in BatchItemStatus]), name="sepa_item_status_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sepa_item_amount_positive"),
            # Never collected twice: one pending or booked collection per invoice.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(invoice__isnull=False, status__in=["pending", "collected"]),
                name="sepa_item_invoice_collected_once",
            ),
            # A collection names its invoice and mandate; a refund names neither.
            models.CheckConstraint(
                condition=(Q(invoice__isnull=False) & Q(mandate__isnull=False) & Q(source_payment__isnull=True))
                | (Q(invoice__isnull=True) & Q(mandate__isnull=True) & Q(source_payment__isnull=False)),
                name="sepa_item_collection_or_refund",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id
