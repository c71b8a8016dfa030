"""Dunning: policies and their levels, runs, reminders and the records that make each reminder
happen once; reference rates and the interest periods charged; the scheduled notices' marks.

Money is an ``OpenItem`` of ``payments`` (fees, the € 40 flat fee, default interest): dunning
creates them, payments allocates them (§ 367 (1) BGB). A reminder is one letter to one customer
about every invoice that reached a level in a run; its PDF is stored with its hash like an
invoice's (a business letter, kept six years, § 257 HGB) and its e-mail goes through the outbox.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.formatting import date_text

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 3}


# --- Policies -------------------------------------------------------------------------------------


class DayCount(models.TextChoices):
    ACT_365 = "act/365", _("actual days / 365 (also in leap years)")
    ACT_ACT = "act/act", _("actual days / actual days of the year")
    ACT_360 = "act/360", _("actual days / 360")


class DunningPolicy(models.Model):
    """How and when a customer is reminded, and what default costs. Several may exist; exactly one
    is the default (partial unique index); a customer may be given another (``DunningProfile``).

    The § 286 BGB settings say what puts a debtor in default; the interest settings are the
    conventions of the calculation (defaults as the law and the common commentary read it)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(_("default policy"), default=False)
    active = models.BooleanField(_("active"), default=True)
    minimum_amount = models.DecimalField(
        _("minimum open amount"),
        default=5,
        help_text=_("invoices with less open are not reminded (in the invoice's currency)"),
        **MONEY,
    )
    # § 286 BGB: when default begins.
    default_by_reminder = models.BooleanField(
        _("default by a reminder after the due date"), default=True, help_text=_("§ 286 (1) BGB")
    )
    default_by_agreed_date = models.BooleanField(
        _("default on an agreed payment date"),
        default=True,
        help_text=_("§ 286 (2) Nr. 1 BGB: only where the customer's payment date is agreed by contract"),
    )
    default_after_30_days = models.BooleanField(
        _("default 30 days after due date and receipt"),
        default=True,
        help_text=_("§ 286 (3) BGB; consumers only if the invoice carried the notice"),
    )
    receipt_assumed_after_days = models.PositiveSmallIntegerField(
        _("receipt assumed after (days)"),
        default=3,
        help_text=_("when delivery tracking recorded no receipt: days after the invoice date"),
    )
    # § 288 BGB: default interest and the flat fee.
    interest_jurisdiction = models.CharField(
        _("law of the contract"),
        max_length=2,
        default="DE",
        help_text=_("DE: § 288 BGB; another EU member state: its rule under Directive 2011/7/EU"),
    )
    interest_from_day_after_default = models.BooleanField(
        _("interest from the day after default begins"), default=True, help_text=_("§ 187 (1) BGB")
    )
    interest_includes_payment_day = models.BooleanField(
        _("interest up to and including the day the payment is credited"), default=True
    )
    day_count = models.CharField(_("day count"), max_length=7, choices=DayCount.choices, default=DayCount.ACT_365)
    flat_fee_enabled = models.BooleanField(
        _("€ 40 flat fee for business debtors"), default=True, help_text=_("§ 288 (5) BGB, once per invoice")
    )
    first_default_reminder_free = models.BooleanField(
        _("the reminder that starts default is free of charge"), default=True
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policies")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="dunning_one_default"),
            models.CheckConstraint(condition=Q(minimum_amount__gte=0), name="dunning_policy_minimum_not_negative"),
            models.CheckConstraint(condition=Q(is_default=False) | Q(active=True), name="dunning_default_is_active"),
        ]

    def __str__(self) -> str:
        return self.name


class LevelBasis(models.TextChoices):
    DUE_DATE = "due_date", _("days after the due date")
    PREVIOUS = "previous", _("days after the previous level")


class DunningLevel(models.Model):
    """One step of a policy (1 = the first reminder)."""

    policy = models.ForeignKey(DunningPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. payment reminder, final notice"))
    days = models.PositiveSmallIntegerField(_("days"))
    counted_from = models.CharField(
        _("counted from"), max_length=8, choices=LevelBasis.choices, default=LevelBasis.DUE_DATE
    )
    # A mail template of the reminder wording registry (communications' message wording per language).
    template = models.CharField(_("template"), max_length=40)
    fee = models.DecimalField(_("dunning fee"), default=0, **MONEY)
    attach_invoices = models.BooleanField(_("attach the invoices"), default=False)
    attach_statement = models.BooleanField(_("attach an account statement"), default=False)
    charges_interest = models.BooleanField(_("charges default interest"), default=False)
    task_kind = models.CharField(
        _("opens a follow-up task"), max_length=40, blank=True, default="", help_text=_("e.g. call the customer")
    )

    class Meta:
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        ordering = ["policy_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="dunning_level_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="dunning_level_position_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="dunning_level_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class DunningProfile(models.Model):
    """A customer's dunning settings (none: the default policy, no due-date heads-up, no agreed date)."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="dunning_profile"
    )
    policy = models.ForeignKey(
        DunningPolicy,
        verbose_name=_("dunning policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profiles",
        help_text=_("empty: the default policy"),
    )
    payment_date_agreed = models.BooleanField(
        _("payment date agreed by contract"),
        default=False,
        help_text=_("§ 286 (2) Nr. 1 BGB: default begins on the due date without a reminder"),
    )
    due_date_notice_days = models.PositiveSmallIntegerField(
        _("due-date heads-up (days before)"), null=True, blank=True, help_text=_("empty: no heads-up")
    )
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("customer dunning settings")
        verbose_name_plural = _("customer dunning settings")

    def __str__(self) -> str:
        return str(self.customer)


class DunningPause(models.Model):
    """Dunning paused for one invoice or one customer, with a reason, until a day or until resumed."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="dunning_pauses",
    )  # fmt: skip
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="dunning_pauses",
    )  # fmt: skip
    reason = models.CharField(_("reason"), max_length=255)
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("empty: until resumed"))
    created_at = models.DateTimeField(_("paused"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("paused by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resumed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    end_reason = models.CharField(_("reason for resuming"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("dunning pause")
        verbose_name_plural = _("dunning pauses")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, invoice__isnull=True)
                | Q(customer__isnull=True, invoice__isnull=False),
                name="dunning_pause_one_target",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dunning_pause_needs_reason"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(ended_at__isnull=True, customer__isnull=False),
                name="dunning_one_open_pause_per_customer",
            ),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(ended_at__isnull=True, invoice__isnull=False),
                name="dunning_one_open_pause_per_invoice",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.reason


# --- Runs, reminders, records ---------------------------------------------------------------------


class RunStatus(models.TextChoices):
    RUNNING = "running", pgettext_lazy("dunning run status", "running")
    FINISHED = "finished", pgettext_lazy("dunning run status", "finished")
    FAILED = "failed", pgettext_lazy("dunning run status", "failed")


class DunningRun(models.Model):
    """One run of the dunning job (or its dry run / preview) for an ``as_of`` day, with its log."""

    as_of = models.DateField(_("as of"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    trigger = models.CharField(_("started from"), max_length=40, blank=True, default="")
    counts = models.JSONField(_("counts"), default=dict, blank=True)  # {"sent": n, "skipped": n, ...}
    warnings = models.JSONField(_("warnings"), default=list, blank=True)  # stored messages (core.messages)

    class Meta:
        verbose_name = _("dunning run")
        verbose_name_plural = _("dunning runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["as_of", "dry_run"], name="dunning_run_as_of")]

    def __str__(self) -> str:
        return date_text(self.as_of)


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("reminder status", "waiting to be sent")
    SENT = "sent", pgettext_lazy("reminder status", "sent")
    SUPERSEDED = "superseded", pgettext_lazy("reminder status", "superseded (amounts changed before sending)")
    CANCELLED = "cancelled", pgettext_lazy("reminder status", "cancelled")


class Reminder(models.Model):
    """One reminder letter to one customer in one run, about every invoice that reached a level.

    ``lines`` is the snapshot the letter was rendered from (per invoice: number, dates, open
    amount, level; fees and interest with their periods) and what the sender re-checks under
    lock before hand-off. The PDF is stored with its SHA-256 (``core.documents``)."""

    run = models.ForeignKey(DunningRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="reminders")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="reminders"
    )
    policy = models.ForeignKey(DunningPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(
        DunningLevel, verbose_name=_("highest level"), on_delete=models.PROTECT, related_name="reminders"
    )
    status = models.CharField(_("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED)
    language = models.CharField(_("language"), max_length=5)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total claimed"), **MONEY)
    lines = models.JSONField(_("lines"), default=list)
    message = models.OneToOneField(
        "communications.OutboxMessage", verbose_name=_("e-mail"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reminder",
    )  # fmt: skip
    document_name = models.CharField(_("stored PDF"), max_length=255, blank=True, default="")
    document_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    decided_at = models.DateTimeField(_("sent or superseded"), null=True, blank=True)
    superseded_reason = models.CharField(_("why superseded"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="dunning_reminder_customer")]

    def __str__(self) -> str:
        return f"{self.level} ({self.get_status_display()})"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("reminder record status", "reminded")
    RELEASED = "released", pgettext_lazy("reminder record status", "released (not sent)")


class ReminderRecord(models.Model):
    """Invoice X reached level N: at most one active record per (invoice, level) — the database
    makes each reminder happen once. A superseded reminder releases its records."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="reminder_records"
    )
    level = models.ForeignKey(DunningLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="records")
    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.PROTECT, related_name="records")
    status = models.CharField(_("status"), max_length=8, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    created_at = models.DateTimeField(_("created"))
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder record")
        verbose_name_plural = _("reminder records")
        ordering = ["invoice_id", "level__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "level"], condition=Q(status="active"), name="dunning_record_once_per_level"
            ),
            models.CheckConstraint(
                condition=Q(status="active", released_at__isnull=True)
                | Q(status="released", released_at__isnull=False),
                name="dunning_record_released_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} → {self.level}"


class EntryOutcome(models.TextChoices):
    WOULD_SEND = "would_send", pgettext_lazy("dunning outcome", "would be reminded")
    REMINDED = "reminded", pgettext_lazy("dunning outcome", "reminded")
    SKIPPED = "skipped", pgettext_lazy("dunning outcome", "skipped")
    FAILED = "failed", pgettext_lazy("dunning outcome", "failed")
    SUPERSEDED = "superseded", pgettext_lazy("dunning outcome", "superseded")


class DunningRunEntry(models.Model):
    """What a run did (or, dry, would do) with one invoice — or one customer as a whole — and why.
    ``reason`` is a stored message (``core.messages``), worded in the reader's language."""

    run = models.ForeignKey(DunningRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="entries")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.ForeignKey(
        DunningLevel, verbose_name=_("level"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminder = models.ForeignKey(
        Reminder, verbose_name=_("reminder"), null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=EntryOutcome.choices)
    skip_reason = models.CharField(_("skip reason"), max_length=30, blank=True, default="")  # a SkipReason value
    reason = models.JSONField(_("why"), default=dict, blank=True)

    class Meta:
        verbose_name = _("dunning run entry")
        verbose_name_plural = _("dunning run entries")
        ordering = ["run_id", "customer_id", "invoice_id", "id"]

    def __str__(self) -> str:
        return self.get_outcome_display()


class SkipReason(models.TextChoices):
    """Why an overdue invoice (or a customer) gets no reminder in a run."""

    DISPUTED = "disputed", _("disputed")
    PROMISED = "promised", _("under an open promise to pay")
    COLLECTION_PENDING = "collection_pending", _("SEPA direct debit pending")
    BANK_LINE_PENDING = "bank_line_pending", _("a matched bank line is not yet applied")
    DESIGNATION_PENDING = "designation_pending", _("a payment's designated order waits for a decision")
    DELIVERY_FAILED = "delivery_failed", _("the invoice did not reach the customer")
    CUSTOMER_BLOCKED = "customer_blocked", _("dunning blocked for the customer")
    CUSTOMER_PAUSED = "customer_paused", _("dunning paused for the customer")
    INVOICE_PAUSED = "invoice_paused", _("dunning paused for the invoice")
    BELOW_MINIMUM = "below_minimum", _("open amount below the minimum")
    NOT_YET_DUE = "not_yet_due", _("next level not reached yet")
    LAST_LEVEL = "last_level", _("last level reached")
    NO_RECIPIENT = "no_recipient", _("no one receives reminders")
    RESTRICTED = "restricted", _("processing restricted (data protection)")
    ALREADY_REMINDED = "already_reminded", _("reminded at this level already")


# --- Charges: fees, flat fee, interest ------------------------------------------------------------


class ReminderCharge(models.Model):
    """An open item (fee, € 40 flat fee or interest) a reminder charged for an invoice. Created when
    the reminder is handed off (never for a superseded one)."""

    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.PROTECT, related_name="charges")
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.OneToOneField(
        "payments.OpenItem", verbose_name=_("open item"), on_delete=models.PROTECT, related_name="reminder_charge"
    )

    class Meta:
        verbose_name = _("reminder charge")
        verbose_name_plural = _("reminder charges")

    def __str__(self) -> str:
        return f"{self.reminder_id}: {self.item_id}"


class RateSeries(models.TextChoices):
    DE_BASE = "de_base", _("German base rate (§ 247 BGB)")
    ECB_MRO = "ecb_mro", _("ECB main refinancing rate (Directive 2011/7/EU)")
    AT_BASE = "at_base", _("Austrian base rate (Oesterreichische Nationalbank)")


class ReferenceRate(models.Model):
    """A reference rate from a day on (until the next row of its series). Finance managers enter
    new ones from the Bundesbank's (or ECB's) announcement; never guessed."""

    series = models.CharField(pgettext_lazy("reference rate", "series"), max_length=8, choices=RateSeries.choices)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(pgettext_lazy("interest", "rate (%)"), **RATE)
    source = models.CharField(_("source"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        ordering = ["series", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["series", "valid_from"], name="dunning_rate_once_per_day")]

    def __str__(self) -> str:
        from core.formatting import date_text, number_text

        return f"{self.get_series_display()} {date_text(self.valid_from)}: {number_text(self.rate)} %"


class DebtorKind(models.TextChoices):
    BUSINESS = "business", _("business")
    PUBLIC = "public", _("public authority")
    CONSUMER = "consumer", _("consumer")


class ForeignInterestRule(models.Model):
    """Default interest under another EU member state's law (Late Payment Directive 2011/7/EU)."""

    country = models.CharField(_("member state"), max_length=2)
    debtor_kind = models.CharField(_("debtor"), max_length=8, choices=DebtorKind.choices)
    series = models.CharField(_("reference rate"), max_length=8, choices=RateSeries.choices, default=RateSeries.ECB_MRO)
    margin = models.DecimalField(_("margin (percentage points)"), **RATE)
    compensation = models.DecimalField(_("flat compensation"), default=40, **MONEY)
    directive_minimum = models.BooleanField(
        _("only the Directive's minimum"), default=False, help_text=_("the member state's own rule is not entered yet")
    )
    note = models.CharField(_("note"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("default interest rule (EU member state)")
        verbose_name_plural = _("default interest rules (EU member states)")
        ordering = ["country", "debtor_kind"]
        constraints = [
            models.UniqueConstraint(fields=["country", "debtor_kind"], name="dunning_foreign_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.get_debtor_kind_display()}"


class DateRange(Func):
    function = "DATERANGE"
    output_field = models.Field()


class InterestPeriod(models.Model):
    """One slice of default interest: a principal at one rate over a span of days (both ends
    included). The slices of one invoice never overlap (exclusion constraint)."""

    item = models.ForeignKey(
        "payments.OpenItem", verbose_name=_("open item"), on_delete=models.PROTECT, related_name="interest_periods"
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to (inclusive)"))
    principal = models.DecimalField(_("principal"), **MONEY)
    reference_rate = models.DecimalField(_("reference rate (%)"), **RATE)
    margin = models.DecimalField(_("margin (points)"), **RATE)
    rate = models.DecimalField(_("interest rate (%)"), **RATE)
    days = models.PositiveIntegerField(_("days"))
    amount = models.DecimalField(_("interest"), **MONEY)

    class Meta:
        verbose_name = _("interest period")
        verbose_name_plural = _("interest periods")
        ordering = ["invoice_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="dunning_interest_period_ordered"),
            ExclusionConstraint(
                name="dunning_interest_periods_never_overlap",
                expressions=[
                    ("invoice", RangeOperators.EQUAL),
                    (DateRange("start", "end", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}: {self.rate} %"


class FlatFeeCredit(models.Model):
    """A dunning fee the € 40 flat fee absorbed (§ 288 (5) sentence 3 BGB): fees of the same
    invoice are charged only as far as their total exceeds the flat fee, so a later reminder must
    know how much of it earlier fees used. Created with the reminder's charges."""

    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    fee = models.DecimalField(_("dunning fee"), **MONEY)
    credited = models.DecimalField(_("credited against the flat fee"), **MONEY)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("dunning fee credited against the flat fee")
        verbose_name_plural = _("dunning fees credited against the flat fee")
        ordering = ["invoice_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credited__gt=0) & Q(credited__lte=F("fee")), name="dunning_fee_credit_in_range"
            ),
            models.UniqueConstraint(fields=["reminder", "invoice"], name="dunning_fee_credit_once_per_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.credited}"


# --- Scheduled notices: marks that make each happen once ------------------------------------------


class OverdueMark(models.Model):
    """The daily overdue transition recorded ``invoice.overdue`` for this invoice and due date."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("past-due record")
        verbose_name_plural = _("past-due records")
        constraints = [models.UniqueConstraint(fields=["invoice", "due_date"], name="dunning_overdue_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.due_date}"


class DueDateNotice(models.Model):
    """The heads-up before a due date, once per invoice and due date."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    message = models.ForeignKey(
        "communications.OutboxMessage", verbose_name=_("e-mail"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("due-date heads-up")
        verbose_name_plural = _("due-date heads-ups")
        constraints = [models.UniqueConstraint(fields=["invoice", "due_date"], name="dunning_heads_up_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.due_date}"


class StatementDispatch(models.Model):
    """The monthly account statement sent to a customer, once per customer and period end."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    period_end = models.DateField(_("period end"))
    message = models.ForeignKey(
        "communications.OutboxMessage", verbose_name=_("e-mail"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("account statement sent")
        verbose_name_plural = _("account statements sent")
        constraints = [
            models.UniqueConstraint(fields=["customer", "period_end"], name="dunning_statement_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.period_end}"


# --- Limitation (issue 19, ledger: dunning/limitation.py) -------------------------------------------


class LimitationWarning(models.Model):
    """A follow-up task was opened because this invoice becomes time-barred on ``barred_on``: once
    per (invoice, date), so the daily job never asks twice (a payment that moves the date, § 212
    BGB, gives a new date and so a new warning when it comes close again)."""

    invoice = models.ForeignKey(
        "invoicing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    barred_on = models.DateField(_("time-barred from"))
    created_at = models.DateTimeField(_("warned"))

    class Meta:
        verbose_name = _("claim about to become time-barred")
        verbose_name_plural = _("claims about to become time-barred")
        ordering = ["barred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "barred_on"], name="dunning_limitation_warned_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.barred_on}"
