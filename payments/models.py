"""Money received and where it went: payments, their allocation to open items, customer credit,
Skonto discounts, write-offs, refunds and returns.

What a customer owes is a set of receivable items: issued invoices (their ``open_amount``) and
``OpenItem`` rows for everything else a later issue adds (dunning fees, default interest, return
fees). One allocation engine (``payments.services``) serves both: an ``Allocation`` moves money
from a source (a payment, or a credit note's credit) to a target (an invoice or an open item).

Invariants, kept by the services under row locks and by database constraints:
``amount = allocated + credit + refunded + returned + unapplied`` for every payment; no
allocation exceeds its payment or its target's open amount; currencies match.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, datetime_text, money_text, number_text
from core.messages import messages_text

MONEY = {"max_digits": 14, "decimal_places": 2}
PARTS_SUM = (
    F("allocated_amount") + F("credit_amount") + F("refunded_amount") + F("returned_amount") + F("unapplied_amount")
)


class PaymentChannel(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    DIRECT_DEBIT = "direct_debit", _("SEPA direct debit")
    CARD = "card", _("card / online payment")
    CASH = "cash", _("cash")
    CHEQUE = "cheque", _("cheque")
    OTHER = "other", _("other")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment status", "pending")
    COMPLETED = "completed", pgettext_lazy("payment status", "completed")
    FAILED = "failed", pgettext_lazy("payment status", "failed")
    RETURNED = "returned", pgettext_lazy("payment status", "returned")
    REFUNDED = "refunded", pgettext_lazy("payment status", "refunded")


# The allowed status changes of a payment (STYLE 6); ``payment_transition`` checks it. An
# announced payment arrives or fails; money that arrived is returned, or refunded in full, once.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.PENDING: {PaymentStatus.COMPLETED, PaymentStatus.FAILED},
    PaymentStatus.COMPLETED: {PaymentStatus.RETURNED, PaymentStatus.REFUNDED},
    PaymentStatus.FAILED: set(),
    PaymentStatus.RETURNED: set(),
    PaymentStatus.REFUNDED: set(),
}


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("entered by hand")
    BANK_STATEMENT = "bank_statement", _("bank statement")
    PROVIDER = "provider", _("payment provider")


class Payment(models.Model):
    """Money received (or announced: ``pending``) from a customer, once, however it came."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("empty while the payer is not known"),
    )
    channel = models.CharField(_("channel"), max_length=13, choices=PaymentChannel.choices)
    status = models.CharField(_("status"), max_length=9, choices=PaymentStatus.choices, default=PaymentStatus.COMPLETED)
    source = models.CharField(_("source"), max_length=14, choices=PaymentSource.choices, default=PaymentSource.MANUAL)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    value_date = models.DateField(_("value date"))
    payer_name = models.CharField(_("payer"), max_length=200, blank=True, default="")
    payer_iban = models.CharField(_("payer IBAN"), max_length=34, blank=True, default="")
    remittance = models.TextField(_("remittance information"), blank=True, default="")
    external_id = models.CharField(
        _("external id"), max_length=200, blank=True, default="", help_text=_("bank reference or provider id")
    )
    # The parts of ``amount``; always summing to it (constraint payments_payment_parts_add_up).
    allocated_amount = models.DecimalField(_("allocated"), default=0, **MONEY)
    credit_amount = models.DecimalField(_("customer credit"), default=0, **MONEY)
    refunded_amount = models.DecimalField(_("refunded"), default=0, **MONEY)
    returned_amount = models.DecimalField(_("returned"), default=0, **MONEY)
    unapplied_amount = models.DecimalField(_("unapplied"), default=0, **MONEY)
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

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-value_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "value_date"], name="payments_customer_date"),
            # The payment list's order and the finance home's "received today / this week".
            models.Index(fields=["value_date", "id"], name="payments_value_date"),
            # A customer's money not yet applied (the customer list's balance column).
            models.Index(
                fields=["customer", "currency"],
                include=["credit_amount", "unapplied_amount"],
                condition=Q(status="completed") & (Q(credit_amount__gt=0) | Q(unapplied_amount__gt=0)),
                name="payments_customer_unapplied",
            ),
            models.Index(fields=["created_at", "id"], name="payments_recent"),
            models.Index(fields=["value_date", "id"], condition=Q(unapplied_amount__gt=0), name="payments_unapplied"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0)
                & Q(credit_amount__gte=0)
                & Q(refunded_amount__gte=0)
                & Q(returned_amount__gte=0)
                & Q(unapplied_amount__gte=0),
                name="payments_payment_parts_not_negative",
            ),
            # Exact: PostgreSQL adds numerics as decimals, to the cent.
            models.CheckConstraint(condition=Q(amount=PARTS_SUM), name="payments_payment_parts_add_up"),
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="payments_payment_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PaymentStatus]), name="payments_payment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Payment %(amount)s of %(date)s") % {
            "amount": money_text(self.amount, self.currency),
            "date": date_text(self.value_date),
        }


class OpenItemKind(models.TextChoices):
    """Receivables other than invoices; § 367 (1) BGB orders them: costs, then interest, then principal."""

    DUNNING_FEE = "dunning_fee", _("dunning fee")  # costs
    FLAT_FEE = "flat_fee", _("flat fee for late payment (§ 288 (5) BGB)")  # costs
    RETURN_FEE = "return_fee", _("return fee")  # costs
    OTHER_COST = "other_cost", _("other costs")  # costs
    DEFAULT_INTEREST = "default_interest", _("default interest")  # interest (§ 288 BGB)


class OpenItem(models.Model):
    """A receivable that is not an invoice: a fee or interest a customer owes."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="open_items"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OpenItemKind.choices)
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open_items",
        help_text=_("the invoice the fee or interest arose from"),
    )
    description = models.CharField(_("description"), max_length=255)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount = models.DecimalField(_("amount"), **MONEY)
    open_amount = models.DecimalField(_("open amount"), **MONEY)
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("created"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("open item")
        verbose_name_plural = _("open items")
        ordering = ["customer_id", "due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_item_amount_positive"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("amount")), name="payments_item_open_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {money_text(self.amount, self.currency)}"


class AllocationRule(models.TextChoices):
    MANUAL = "manual", _("chosen by a person")
    PAYER = "payer", _("designated by the payer (remittance)")
    BGB_366_367 = "bgb_366_367", _("by law: § 367 and § 366 (2) BGB")
    MATCHING = "matching", _("bank statement matching")


class Allocation(models.Model):
    """Money from one source (a payment, or the credit of a credit note) applied to one target
    (an invoice or an open item). Undone by reversal, never deleted."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("credit note"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_allocations",
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    item = models.ForeignKey(
        OpenItem,
        verbose_name=_("open item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    rule = models.CharField(_("applied by"), max_length=11, choices=AllocationRule.choices)
    # What a person typed; rows from before issue 13 had every explanation here (migrated into
    # ``explanation_messages``). Why the rules allocated is ``explanation_messages``: stored
    # messages (core.messages), worded when read in the reader's language (``explanation_text``).
    explanation = models.CharField(_("note"), max_length=500, blank=True, default="")
    explanation_messages = models.JSONField(_("explanation"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reversal_reason = models.CharField(_("reason for reversal"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["invoice"], condition=Q(reversed_at__isnull=True), name="payments_alloc_invoice"),
            models.Index(fields=["payment"], condition=Q(reversed_at__isnull=True), name="payments_alloc_payment"),
            # The ledger at a past day (analytics/ledger.py) undoes what was recorded or reversed
            # after it: both moments indexed, so that reads the last weeks, not every allocation.
            models.Index(fields=["created_at"], condition=Q(reversed_at__isnull=True), name="payments_alloc_created"),
            models.Index(
                fields=["reversed_at"], condition=Q(reversed_at__isnull=False), name="payments_alloc_reversed"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="payments_allocation_one_source",
            ),
            models.CheckConstraint(
                condition=(Q(invoice__isnull=False) & Q(item__isnull=True))
                | (Q(invoice__isnull=True) & Q(item__isnull=False)),
                name="payments_allocation_one_target",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Allocation of %(amount)s") % {"amount": money_text(self.amount, self.currency)}

    @property
    def explanation_text(self) -> str:
        """Why the money went here, in the active language, and what a person noted."""
        parts = [messages_text(self.explanation_messages, separator="; "), self.explanation]
        return "; ".join(part for part in parts if part)


class SettlementDiscount(models.Model):
    """Skonto taken: the invoice is settled by the discounted amount; the discount reduces the
    taxable amount, so the VAT is corrected per rate (§ 17 (1) UStG) — DATEV needs the split."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="settlement_discounts"
    )
    allocation = models.OneToOneField(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="discount"
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("discount (gross)"), **MONEY)
    # [{"vat_category": "S", "vat_rate": "19.00", "net": "8.40", "vat": "1.60"}, ...] summing to amount
    vat_split = models.JSONField(_("VAT correction per rate"), default=list)
    created_at = models.DateTimeField(_("created"))
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)

    class Meta:
        verbose_name = _("early payment discount")
        verbose_name_plural = _("early payment discounts")
        ordering = ["created_at", "id"]
        indexes = [  # the ledger at a past day (analytics/ledger.py), as on Allocation
            models.Index(
                fields=["created_at"], condition=Q(reversed_at__isnull=True), name="payments_discount_created"
            ),
            models.Index(
                fields=["reversed_at"], condition=Q(reversed_at__isnull=False), name="payments_discount_reversed"
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_discount_positive")]

    def __str__(self) -> str:
        return gettext("Skonto %(percent)s %% = %(amount)s") % {
            "percent": number_text(self.percent),
            "amount": money_text(self.amount, self.allocation.currency),
        }


class WriteOff(models.Model):
    """A small difference settled by a finance manager, with reason (tolerance in settings)."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="write_offs",
    )  # fmt: skip
    item = models.ForeignKey(
        OpenItem,
        verbose_name=_("open item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="write_offs",
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="write_offs"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["created_at", "id"]
        indexes = [  # the ledger at a past day (analytics/ledger.py), as on Allocation
            models.Index(
                fields=["created_at"], condition=Q(reversed_at__isnull=True), name="payments_writeoff_created"
            ),
            models.Index(
                fields=["reversed_at"], condition=Q(reversed_at__isnull=False), name="payments_writeoff_reversed"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_write_off_positive"),
            models.CheckConstraint(
                condition=Q(invoice__isnull=False) | Q(item__isnull=False), name="payments_write_off_has_target"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Write-off of %(amount)s: %(reason)s") % {
            "amount": number_text(self.amount, places=2),
            "reason": self.reason,
        }


class Refund(models.Model):
    """Customer credit paid back (the payment-channels issue adds refunds through providers)."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), **MONEY)
    channel = models.CharField(_("channel"), max_length=13, choices=PaymentChannel.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive")]

    def __str__(self) -> str:
        return gettext("Refund of %(amount)s") % {"amount": number_text(self.amount, places=2)}


class PaymentEvent(models.Model):
    """One row per state change or act on a payment (who, when, what)."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        STATUS_CHANGED = "status_changed", _("status changed")
        ALLOCATED = "allocated", _("allocated")
        ALLOCATION_REVERSED = "allocation_reversed", _("allocation reversed")
        CREDITED = "credited", _("kept as customer credit")
        REFUNDED = "refunded", _("refunded")
        RETURNED = "returned", _("returned")
        WRITTEN_OFF = "written_off", _("difference written off")

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=19, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=30, blank=True, default="")
    to_state = models.CharField(_("to"), max_length=30, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["payment_id", "at", "id"]
        indexes = [models.Index(fields=["at", "id"], name="payments_event_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.at)}"


# --- Bank statements (issue 8: import) ---------------------------------------------------------
# An uploaded file is one ``BankStatementImport``; it holds one or more ``BankStatement`` rows (CAMT
# Stmt/Rpt/Ntfctn, MT940 :20: blocks), each with its ``BankStatementLine`` rows. Imports are all or
# nothing (payments.bank.importing) and idempotent: a file is stored once (sha256), a statement once
# per account, kind, period, opening balance and statement number (``BankStatement.standing``: a
# re-delivery with other content waits on hold for a finance manager), and a line once per content
# hash among the lines not superseded or withdrawn.


class BankStatementImport(models.Model):
    """One uploaded statement file and the state of its background import."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("bank import status", "queued")
        PROCESSING = "processing", pgettext_lazy("bank import status", "processing")
        DONE = "done", pgettext_lazy("bank import status", "done")
        FAILED = "failed", pgettext_lazy("bank import status", "failed")

    file = models.FileField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    filename = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=40, blank=True, default="")
    csv_mapping = models.JSONField(
        _("CSV mapping"), null=True, blank=True, help_text=_("The column mapping a CSV file is read with.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error_message = models.JSONField(
        _("error"), null=True, blank=True, help_text=_("Why the file was refused, worded when read (core.messages).")
    )
    error_location = models.CharField(_("error location"), max_length=500, blank=True, default="")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    statement_count = models.PositiveIntegerField(_("statements"), default=0)
    new_statement_count = models.PositiveIntegerField(_("new statements"), default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    new_line_count = models.PositiveIntegerField(_("new lines"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicate lines"), default=0)
    confirmed_count = models.PositiveIntegerField(
        _("confirmed lines"), default=0, help_text=_("Lines of earlier intraday reports or notifications confirmed.")
    )
    redelivered_count = models.PositiveIntegerField(
        _("statements delivered before"),
        default=0,
        help_text=_("Statements identical to one imported before: nothing of them was added."),
    )
    held_count = models.PositiveIntegerField(
        _("statements on hold"),
        default=0,
        help_text=_("Statements delivered again with other content: on hold until a finance manager decides."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="payments_bankimport_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({datetime_text(self.created_at)})"

    @property
    def error(self) -> str:
        """The refusal worded in the active language ("" when the import did not fail)."""
        from core.messages import message_text

        return message_text(self.error_message)

    @property
    def error_location_text(self) -> str:
        """Where the refusal points, in the active language ("line 12" is stored, "Zeile 12" read)."""
        from payments.bank.types import location_text

        return location_text(self.error_location)


class BankStatementKind(models.TextChoices):
    STATEMENT = "statement", _("statement (end of day)")
    REPORT = "report", _("intraday report")
    NOTIFICATION = "notification", _("notification")


class BankStatementStanding(models.TextChoices):
    """Whether a delivered statement counts (``payments.bank.importing.redelivery``)."""

    ACTIVE = "active", pgettext_lazy("bank statement standing", "in effect")
    HELD = "held", pgettext_lazy("bank statement standing", "on hold: delivered again with other content")
    REJECTED = "rejected", pgettext_lazy("bank statement standing", "re-delivery rejected")
    SUPERSEDED = "superseded", pgettext_lazy("bank statement standing", "replaced by a re-delivery")


class BankStatement(models.Model):
    """One statement, intraday report or notification of one account, as the bank sent it."""

    statement_import = models.ForeignKey(
        BankStatementImport, verbose_name=_("import"), on_delete=models.PROTECT, related_name="statements"
    )
    account_iban = models.CharField(_("account"), max_length=35)
    statement_id = models.CharField(_("statement id"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=BankStatementKind.choices)
    format = models.CharField(_("format"), max_length=40)
    sequence = models.CharField(_("sequence number"), max_length=40, blank=True, default="")
    created_at_bank = models.DateTimeField(_("created by the bank"), null=True, blank=True)
    from_date = models.DateField(_("period from"), null=True, blank=True)
    to_date = models.DateField(_("period to"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    opening_balance = models.DecimalField(_("opening balance"), **MONEY, null=True, blank=True)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY, null=True, blank=True)
    balance_difference = models.DecimalField(
        _("balance difference"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Opening balance + booked entries − closing balance; anything but 0 is a warning."),
    )
    warnings = models.JSONField(
        _("balance warnings"),
        default=list,
        blank=True,
        help_text=_("Balance and intraday warnings, worded when read (core.messages)."),
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    standing = models.CharField(
        _("standing"), max_length=10, choices=BankStatementStanding.choices, default=BankStatementStanding.ACTIVE
    )
    redelivery_of = models.ForeignKey(
        "self",
        verbose_name=_("delivered before as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redeliveries",
        help_text=_("The statement this one delivers again with other content."),
    )
    line_hashes = models.JSONField(
        _("line identities"), default=list, blank=True, help_text=_("The content hash of every line as delivered.")
    )
    held_lines = models.JSONField(
        _("lines on hold"),
        default=list,
        blank=True,
        help_text=_("The lines of a re-delivery on hold, stored as lines only when it is accepted."),
    )
    changes = models.JSONField(
        _("changes against the earlier delivery"),
        default=list,
        blank=True,
        help_text=_("Added, removed and changed lines."),
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-to_date", "-id"]
        constraints = [
            # One delivery in effect per statement (payments.bank.importing.redelivery.statement_identity).
            models.UniqueConstraint(
                fields=["account_iban", "kind", "statement_id", "from_date", "to_date", "opening_balance"],
                condition=Q(standing="active"),
                nulls_distinct=False,
                name="payments_bankstatement_one_in_effect",
            ),
            models.CheckConstraint(
                condition=Q(standing__in=["active", "held", "rejected", "superseded"]),
                name="payments_bankstatement_standing_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["account_iban", "kind", "from_date", "to_date"], name="payments_bankstmt_period"),
        ]

    def __str__(self) -> str:
        return f"{self.account_iban} {self.statement_id}"

    @property
    def balance_warning(self) -> str:
        """The warnings worded in the active language, one per line ("" without warnings)."""
        from core.messages import messages_text

        return messages_text(self.warnings)


class BankStatementLine(models.Model):
    """One movement on the account (batch bookings: one line per transaction of the batch)."""

    class MatchStatus(models.TextChoices):
        NEW = "new", pgettext_lazy("bank line match status", "new")
        MATCHED = "matched", pgettext_lazy("bank line match status", "matched")
        REVIEW = "review", pgettext_lazy("bank line match status", "to review")
        IGNORED = "ignored", pgettext_lazy("bank line match status", "ignored")

    class Kind(models.TextChoices):
        """What the movement is, set when the line is matched or booked (``payments.bank.debits``)."""

        UNKNOWN = "", pgettext_lazy("bank line kind", "not yet classified")
        PAYMENT = "payment", pgettext_lazy("bank line kind", "incoming payment")
        RETURN = "return", pgettext_lazy("bank line kind", "return")
        REVERSAL = "reversal", pgettext_lazy("bank line kind", "reversal")
        CHARGE = "charge", pgettext_lazy("bank line kind", "bank charges")
        OUTGOING = "outgoing", pgettext_lazy("bank line kind", "outgoing payment")

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"), help_text=_("Order of the line within its statement."))
    content_hash = models.CharField(_("content hash"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    credit = models.BooleanField(_("credit"), help_text=_("Money in; otherwise money out (debit)."))
    booking_date = models.DateField(_("booking date"), null=True, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    status = models.CharField(_("booking status"), max_length=4, default="BOOK")
    reversal = models.BooleanField(_("reversal"), default=False)
    account_servicer_reference = models.CharField(_("bank reference"), max_length=255, blank=True, default="")
    entry_reference = models.CharField(_("entry reference"), max_length=255, blank=True, default="")
    batch_index = models.PositiveIntegerField(_("position in batch"), default=0)
    batch_size = models.PositiveIntegerField(_("batch size"), default=1)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=255, blank=True, default="")
    # The batch of ours a batch booking settles (pain.008/pain.001 PmtInfId, and the file's MsgId).
    payment_info_id = models.CharField(_("payment information id"), max_length=35, blank=True, default="")
    batch_message_id = models.CharField(_("batch message id"), max_length=35, blank=True, default="")
    mandate_id = models.CharField(_("mandate id"), max_length=255, blank=True, default="")
    creditor_id = models.CharField(_("creditor id"), max_length=255, blank=True, default="")
    customer_reference = models.CharField(_("customer reference"), max_length=255, blank=True, default="")
    structured_reference = models.CharField(_("structured reference"), max_length=255, blank=True, default="")
    remittance = models.TextField(_("remittance"), blank=True, default="")
    counterparty_name = models.CharField(_("counterparty"), max_length=255, blank=True, default="")
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=35, blank=True, default="")
    counterparty_bic = models.CharField(_("counterparty BIC"), max_length=11, blank=True, default="")
    bank_transaction_code = models.CharField(_("bank transaction code"), max_length=40, blank=True, default="")
    return_reason = models.CharField(_("return reason"), max_length=35, blank=True, default="")
    charges = models.DecimalField(_("bank charges"), **MONEY, null=True, blank=True)
    additional_info = models.TextField(_("additional information"), blank=True, default="")
    source_location = models.CharField(_("location in file"), max_length=255, blank=True, default="")
    match_status = models.CharField(
        _("match status"), max_length=7, choices=MatchStatus.choices, default=MatchStatus.NEW
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, blank=True, default="")
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        help_text=_("The end-of-day statement line that confirmed this intraday report or notification line."),
    )
    withdrawn_by = models.ForeignKey(
        BankStatement,
        verbose_name=_("withdrawn by re-delivery"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawn_lines",
        help_text=_("The accepted re-delivery of the statement that no longer carries this line, or changed it."),
    )

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["statement_id", "position", "id"]
        constraints = [
            # One live line per movement; a confirmed intraday line keeps its hash beside its successor.
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=Q(superseded_by__isnull=True, withdrawn_by__isnull=True),
                name="payments_bankline_unique_live_hash",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_bankline_amount_positive"),
            # A line an accepted re-delivery withdrew is decided for good (never booked: acceptance is
            # refused while it is): matching, debits, returns and follow-up tasks skip decided lines.
            models.CheckConstraint(
                condition=Q(withdrawn_by__isnull=True) | Q(match_status="ignored"),
                name="payments_bankline_withdrawn_ignored",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["", "payment", "return", "reversal", "charge", "outgoing"]),
                name="payments_bankline_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["content_hash"], name="payments_bankline_hash"),
            models.Index(fields=["match_status", "credit"], name="payments_bankline_match"),
            # Returns look for the collection they take back by end-to-end and mandate id.
            models.Index(fields=["end_to_end_id"], name="payments_bankline_e2e"),
            models.Index(fields=["mandate_id"], name="payments_bankline_mandate"),
            # A submitted SEPA batch looks for the line that books it.
            models.Index(fields=["payment_info_id"], condition=~Q(payment_info_id=""), name="payments_bankline_pmtinf"),
        ]

    def __str__(self) -> str:
        amount = money_text(self.amount if self.credit else -self.amount, self.currency)
        day = self.booking_date or self.value_date
        if day is None:
            return gettext("Bank line %(amount)s") % {"amount": amount}
        return gettext("Bank line %(amount)s of %(date)s") % {"amount": amount, "date": date_text(day)}


class BankStatementEvent(models.Model):
    """What happened to a re-delivered statement, by whom and why (one row per transition of
    ``BankStatement.standing``; ``payments.bank.importing.redelivery``)."""

    class Kind(models.TextChoices):
        HELD = "held", pgettext_lazy("bank statement event", "put on hold")
        ACCEPTED = "accepted", pgettext_lazy("bank statement event", "re-delivery accepted")
        REJECTED = "rejected", pgettext_lazy("bank statement event", "re-delivery rejected")
        SUPERSEDED = "superseded", pgettext_lazy("bank statement event", "replaced by a re-delivery")

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    from_standing = models.CharField(_("from"), max_length=10, blank=True, default="")
    to_standing = models.CharField(_("to"), max_length=10)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        _("actor"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Who acted when not a user (an API key, the import)."),
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("bank statement event")
        verbose_name_plural = _("bank statement events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.at)}"


# --- Bank statement matching (issue 8: matching) -----------------------------------------------


class BankLineMatch(models.Model):
    """A ranked suggestion which invoice (or customer) a bank statement line pays, and the decision
    taken on it: accepted automatically (``decided_by`` empty) or by a person, or rejected.
    ``signals`` keeps what the confidence was computed from: [{"code", "weight", "message", "params"}, ...]
    (the message worded when read; rows from before issue 13: {"code", "weight", "detail"})."""

    class Decision(models.TextChoices):
        NONE = "", pgettext_lazy("bank match decision", "open")
        ACCEPTED = "accepted", pgettext_lazy("bank match decision", "accepted")
        REJECTED = "rejected", pgettext_lazy("bank match decision", "rejected")

    line = models.ForeignKey(
        BankStatementLine, verbose_name=_("statement line"), on_delete=models.PROTECT, related_name="matches"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_matches",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_matches",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    confidence = models.PositiveSmallIntegerField(_("confidence (%)"))
    explanation = models.TextField(_("explanation"), blank=True, default="")
    signals = models.JSONField(_("signals"), default=list, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("empty when decided automatically"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_matches",
        help_text=_("The payment recorded when the match was applied."),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("bank line match")
        verbose_name_plural = _("bank line matches")
        ordering = ["line_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "invoice"],
                condition=Q(decision="accepted"),
                name="payments_bankmatch_one_accepted",
            ),
            models.CheckConstraint(condition=Q(confidence__lte=100), name="payments_bankmatch_confidence"),
            models.CheckConstraint(
                condition=Q(decision__in=["", "accepted", "rejected"]), name="payments_bankmatch_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Suggestion %(rank)s (%(confidence)s %%)") % {"rank": self.rank, "confidence": self.confidence}

    @property
    def explanation_text(self) -> str:
        """The explanation in the active language, worded from the signals' stored messages; a row
        whose signals carry no messages (stored before issue 13) shows the text stored then."""
        from .bank.matching.wording import has_messages, signals_text

        return signals_text(self.signals) if has_messages(self.signals) else self.explanation


# Return fees live in a module of their own (this one is long enough); imported here so Django sees them.
# Designations, waivers and bad-debt write-offs (issue 19, ledger): a module of their own.
from .ledger_models import (  # noqa: E402, F401
    BadDebtReason,
    BadDebtReversal,
    BadDebtWriteOff,
    DesignatedOrder,
    DesignationSource,
    DesignationStatus,
    PaymentDesignation,
    Waiver,
)
from .return_fee_models import ReturnFee, ReturnFeeDecision, ReturnFeeRule, ReturnFeeStatus  # noqa: E402, F401
