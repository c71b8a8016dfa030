from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class Job(models.Model):
    """Durable background work: written in the transaction of the change that causes it.

    Celery only carries the job's id; the row is the truth. A job runs at least once,
    so every handler is idempotent by its own status checks (see core.services).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Same key while pending or running means the same work: enqueueing it again is a no-op.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("max attempts"))
    run_after = models.DateTimeField(_("run after"))
    dispatched_at = models.DateTimeField(_("last dispatched"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    result = models.JSONField(_("result"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "run_after"], name="core_job_status_due"),
            models.Index(fields=["kind", "status"], name="core_job_kind_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dedupe_key"],
                condition=Q(status__in=["pending", "running"]) & ~Q(dedupe_key=""),
                name="core_job_one_active_per_dedupe_key",
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=models.F("max_attempts")),
                name="core_job_attempts_within_max",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed", "cancelled"]),
                name="core_job_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Background job %(kind)s #%(id)s (%(status)s)") % {
            "kind": self.kind,
            "id": self.pk,
            "status": self.get_status_display(),
        }


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, kept for replays."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")

    principal = models.CharField(_("principal"), max_length=200)
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="core_idempotency_unique_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="core_idem_created")]

    def __str__(self) -> str:
        return f"{self.principal}:{self.key}"


class ApiKey(AbstractAPIKey):
    """An integration's key: shown once, stored hashed (SHA-512), with scopes and expiry.

    Scopes are ``<area>:read`` or ``<area>:write`` (write includes read), areas as in
    ``core.api.scopes.AREAS``.
    """

    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created", "id"]


# The built-in series by name (admin titles, breadcrumbs); a series a person adds keeps its key.
SERIES_LABELS = {
    "customer": _("customer numbers"),
    "invoice": _("invoice numbers"),
    "credit_note": _("credit note numbers"),
}


class NumberSeries(models.Model):
    """A sequence of document or master-data numbers, e.g. customer numbers ``10001``.

    ``format`` uses ``{number}`` (with a format spec such as ``{number:05d}``) and
    optionally ``{year}``; finance managers edit it in the admin.
    """

    DEFAULTS = {
        "customer": {"format": "{number}", "start_number": 10001, "next_number": 10001, "reset_yearly": False},
        "invoice": {"format": "RE-{year}-{number:06d}", "start_number": 1, "next_number": 1, "reset_yearly": True},
        "credit_note": {"format": "GS-{year}-{number:06d}", "start_number": 1, "next_number": 1, "reset_yearly": True},
    }

    key = models.SlugField(_("series"), max_length=50, unique=True)
    format = models.CharField(_("format"), max_length=100, default="{number}")
    start_number = models.PositiveBigIntegerField(_("first number"), default=1)
    next_number = models.PositiveBigIntegerField(_("next number"), default=1)
    reset_yearly = models.BooleanField(_("restart every year"), default=False)
    year = models.PositiveIntegerField(_("current year"), null=True, blank=True)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_number__gte=models.F("start_number")), name="core_series_next_not_below_start"
            )
        ]

    def __str__(self) -> str:
        label = SERIES_LABELS.get(self.key)
        return str(label) if label is not None else self.key

    def render(self, *, number: int, year: int) -> str:
        return self.format.format(number=number, year=year)

    def clean(self) -> None:
        from .numbering import validate_number_format

        validate_number_format(self.format)


class CompanyProfile(models.Model):
    """The seller: who issues invoices. One row (pk 1), edited by finance managers.

    Issued documents copy these values (the invoicing snapshot); later edits never
    change them (§ 14 UStG, GoBD).
    """

    name = models.CharField(_("company name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=16)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="DE")
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True, default="")
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True, default="")
    register_court = models.CharField(_("register court"), max_length=100, blank=True, default="")
    register_number = models.CharField(_("register number"), max_length=50, blank=True, default="")
    managing_directors = models.CharField(_("managing directors"), max_length=255, blank=True, default="")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, default="")
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=200, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    website = models.URLField(_("website"), blank=True, default="")
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True, default="")
    logo = models.FileField(_("logo"), upload_to="company/", blank=True, default="")
    mail_from_name = models.CharField(_("e-mail sender name"), max_length=200, blank=True, default="")
    mail_from_email = models.EmailField(
        _("e-mail sender address"), blank=True, default="", help_text=_("empty: DEFAULT_FROM_EMAIL")
    )
    mail_reply_to = models.EmailField(
        _("reply-to address"),
        blank=True,
        default="",
        help_text=_("where customers' replies go (the inbound address of your e-mail provider)"),
    )
    mail_bcc_archive = models.EmailField(
        _("BCC archive address"), blank=True, default="", help_text=_("every customer e-mail is copied here")
    )
    # SEPA direct debit (sepa app): the creditor identifier the Bundesbank assigned, the file formats
    # the bank takes, and how many days before a collection the customer is told (pre-notification;
    # the SEPA Rulebook's 14 calendar days unless the mandate agreed fewer).
    sepa_creditor_id = models.CharField(
        _("SEPA creditor identifier"), max_length=35, blank=True, default="", help_text=_("e.g. DE98ZZZ09999999999")
    )
    sepa_direct_debit_format = models.CharField(
        _("direct-debit file format"),
        max_length=20,
        default="pain.008.001.08",
        choices=[("pain.008.001.08", "pain.008.001.08 (ISO 20022, 2019)"), ("pain.008.001.02", "pain.008.001.02")],
    )
    sepa_credit_transfer_format = models.CharField(
        _("credit-transfer file format"),
        max_length=20,
        default="pain.001.001.09",
        choices=[("pain.001.001.09", "pain.001.001.09 (ISO 20022, 2019)"), ("pain.001.001.03", "pain.001.001.03")],
    )
    sepa_prenotification_days = models.PositiveSmallIntegerField(
        _("pre-notification days"),
        default=14,
        help_text=_("calendar days between telling the customer and the collection (SEPA Rulebook: 14)"),
    )
    # § 16 (6) UStG: daily rates instead of the BMF monthly averages need the tax office's permission.
    uses_daily_exchange_rates = models.BooleanField(_("tax office permits daily exchange rates"), default=False)

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="core_company_profile_single_row")]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict:
        """The values an issued document keeps."""
        fields = [
            f.name
            for f in self._meta.fields
            if f.name not in ("id", "logo", "uses_daily_exchange_rates") and not f.name.startswith(("mail_", "sepa_"))
        ]
        data = {name: getattr(self, name) for name in fields}
        data["logo"] = self.logo.name if self.logo else ""
        return data


# Each kind of actor and the column that names it (the API key's copied prefix names it too).
_ACTOR_COLUMNS = {
    "user": "actor_user",
    "api_key": "actor_api_key",
    "system": "actor_name",
    "provider": "actor_provider",
}


def _exactly_one_actor() -> Q:
    """The actor's kind says which one column is set; all the others are empty."""
    condition = Q()
    for kind in _ACTOR_COLUMNS:
        this = Q(actor_kind=kind)
        for other, column in _ACTOR_COLUMNS.items():
            empty = Q(**{f"{column}__isnull": True}) if column in ("actor_user", "actor_api_key") else Q(**{column: ""})
            this &= ~empty if other == kind else empty
        if kind == "api_key":
            this &= ~Q(actor_api_key_prefix="")
        condition |= this
    return condition


class Event(models.Model):
    """One entry of the event log: what happened, to which object and customer, who did it.

    Append-only (a trigger refuses UPDATE and DELETE except core.events.event_redact). Written
    through ``core.events.event_record``; the typed event tables of the apps write through to
    it. ``customer_id`` has no foreign key so that ``core`` depends on no app.
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("user")
        API_KEY = "api_key", _("API key")
        SYSTEM = "system", _("system rule or job")
        PROVIDER = "provider", _("provider webhook")

    type = models.CharField(_("type"), max_length=64)
    created_at = models.DateTimeField(_("at"))
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("object type"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor_kind = models.CharField(_("actor"), max_length=8, choices=ActorKind.choices)
    # PROTECT: the log outlives nothing it names; people and keys are deactivated or revoked,
    # not deleted (SET_NULL would be an UPDATE the trigger refuses, and leave no actor).
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        ApiKey, verbose_name=_("API key"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copied at write time: a revoked or renamed key is still named as it was.
    actor_api_key_prefix = models.CharField(max_length=8, blank=True, default="")
    actor_api_key_name = models.CharField(max_length=50, blank=True, default="")
    actor_name = models.CharField(max_length=200, blank=True, default="")
    actor_provider = models.CharField(max_length=50, blank=True, default="")
    actor_provider_event_id = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["customer_id", "created_at", "id"], name="core_event_customer"),
            models.Index(fields=["content_type", "object_id"], name="core_event_object"),
            models.Index(fields=["created_at", "id"], name="core_event_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_actor(), name="core_event_exactly_one_actor"),
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="core_event_object_complete",
            ),
        ]

    def __str__(self) -> str:
        from core.event_sentences import event_title

        return event_title(self)

    @property
    def actor_label(self) -> str:
        """A code naming the actor: ``user:<id>``, ``api-key:<prefix>``, the system name, ``<provider>:<event id>``."""
        if self.actor_kind == self.ActorKind.USER:
            return f"user:{self.actor_user_id}"
        if self.actor_kind == self.ActorKind.API_KEY:
            return f"api-key:{self.actor_api_key_prefix}"
        if self.actor_kind == self.ActorKind.PROVIDER:
            return f"{self.actor_provider}:{self.actor_provider_event_id}"
        return self.actor_name
