"""Data protection: the retention periods, data-subject requests (access, erasure), the decision
per source with its legal basis, and the restrictions of processing the rest of the product honours."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text
from customers.models import Contact, Customer

YEARS = [MinValueValidator(1), MaxValueValidator(30)]


class RetentionSettings(models.Model):
    """The retention periods in years, one row (pk 1). Each counts from the end of the calendar year
    of the record's date (§ 147 (4) AO, § 257 (5) HGB)."""

    books_years = models.PositiveSmallIntegerField(
        _("books and records (years)"),
        default=10,
        validators=YEARS,
        help_text=_("Books, records, annual accounts: 10 years (§ 147 (3) AO, § 257 (4) HGB)."),
    )
    vouchers_years = models.PositiveSmallIntegerField(
        _("accounting vouchers (years)"),
        default=8,
        validators=YEARS,
        help_text=_(
            "Invoices, credit notes, bank statements, payment records: 8 years "
            "(§ 147 (3) AO and § 257 (4) HGB as amended from 1 January 2025)."
        ),
    )
    letters_years = models.PositiveSmallIntegerField(
        _("business letters (years)"),
        default=6,
        validators=YEARS,
        help_text=_("Business letters sent and received, such as reminders and e-mails: 6 years (§ 147 (3) AO)."),
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("retention periods")
        verbose_name_plural = _("retention periods")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="privacy_retention_singleton"),
            models.CheckConstraint(
                condition=Q(books_years__gte=1, books_years__lte=30)
                & Q(vouchers_years__gte=1, vouchers_years__lte=30)
                & Q(letters_years__gte=1, letters_years__lte=30),
                name="privacy_retention_years_range",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Retention periods")

    def periods(self) -> dict[str, int]:
        return {"books": self.books_years, "vouchers": self.vouchers_years, "letters": self.letters_years}


class RequestKind(models.TextChoices):
    ACCESS = "access", pgettext_lazy("data subject request", "access (export)")
    ERASURE = "erasure", pgettext_lazy("data subject request", "erasure")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("data subject request status", "received")
    DONE = "done", pgettext_lazy("data subject request status", "done")
    REJECTED = "rejected", pgettext_lazy("data subject request status", "rejected")


REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.RECEIVED: {RequestStatus.DONE, RequestStatus.REJECTED},
    RequestStatus.DONE: set(),
    RequestStatus.REJECTED: set(),
}


class DataSubjectRequest(models.Model):
    """A person's request under Art. 15 (access) or Art. 17 (erasure) DSGVO about some contacts of a
    customer, or about a consumer customer itself. ``requested_by`` (how it reached us, e.g. "by
    e-mail of 3 March") is itself personal: an executed erasure blanks it; the request, its
    decisions and the events stay as the proof of what was done (Art. 5 (2) DSGVO)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="privacy_requests"
    )
    contacts = models.ManyToManyField(Contact, verbose_name=_("contact persons"), blank=True, related_name="+")
    customer_itself = models.BooleanField(
        _("the customer itself"), default=False, help_text=_("a consumer customer: the person is the customer")
    )
    kind = models.CharField(_("kind"), max_length=7, choices=RequestKind.choices)
    status = models.CharField(_("status"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    received_at = models.DateTimeField(_("received"))
    requested_by = models.CharField(
        _("how it reached us"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("e.g. by e-mail of 3 March; blanked when an erasure is executed"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejection_reason = models.CharField(_("reason for rejecting"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"], name="privacy_request_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["access", "erasure"]), name="privacy_request_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["received", "done", "rejected"]), name="privacy_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="received", decided_at__isnull=True)
                | ~Q(status="received") & Q(decided_at__isnull=False),
                name="privacy_request_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s request #%(id)s of %(date)s") % {
            "kind": self.get_kind_display(),
            "id": self.pk,
            "date": date_text(self.received_at),
        }


class DecisionAction(models.TextChoices):
    ERASED = "erased", pgettext_lazy("privacy decision", "erased")
    RESTRICTED = "restricted", pgettext_lazy("privacy decision", "kept, processing restricted")
    NOTHING = "nothing", pgettext_lazy("privacy decision", "nothing stored")


class LegalBasis(models.TextChoices):
    ART_17_1 = "art17_1", _("Art. 17 (1) DSGVO: erased, no duty to keep it")
    ART_17_3B = "art17_3b", _("Art. 17 (3) b), Art. 18 DSGVO: kept under § 147 AO / § 257 HGB, processing restricted")
    IMMUTABLE = "immutable", _("Art. 17 (3) b) DSGVO: issued document, never changed (GoBD); processing restricted")
    NONE = "none", _("nothing stored")


class DataSubjectDecision(models.Model):
    """What an executed erasure did in one source, and why: counts and the legal basis, no personal data."""

    request = models.ForeignKey(
        DataSubjectRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="decisions"
    )
    source = models.CharField(_("source"), max_length=100)
    action = models.CharField(_("decision"), max_length=10, choices=DecisionAction.choices)
    basis = models.CharField(_("legal basis"), max_length=10, choices=LegalBasis.choices)
    erased_count = models.PositiveIntegerField(_("erased"), default=0)
    restricted_count = models.PositiveIntegerField(_("kept and restricted"), default=0)
    restricted_until = models.DateField(_("restricted until"), null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True, default="")

    class Meta:
        verbose_name = _("decision per source")
        verbose_name_plural = _("decisions per source")
        ordering = ["request_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "source"], name="privacy_decision_once_per_source"),
            models.CheckConstraint(
                condition=Q(action__in=["erased", "restricted", "nothing"]), name="privacy_decision_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.get_action_display()}"


class ProcessingRestriction(models.Model):
    """Whom of a customer we no longer write to: an erased contact (its address is gone, its digest
    stays so a typed-in copy is refused too), a contact whose messages are kept under retention, or a
    whole consumer customer (``contact_id`` empty). Read by ``core.privacy.processing_restrictions``."""

    class Kind(models.TextChoices):
        ERASED = "erased", pgettext_lazy("processing restriction", "erased")
        RESTRICTED = "restricted", pgettext_lazy("processing restriction", "processing restricted")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="processing_restrictions"
    )
    # The contact's id, no foreign key: the restriction outlives the contact row if someone deletes
    # it later (its address digest still refuses a typed-in copy). Empty: the whole customer.
    contact_id = models.BigIntegerField(_("contact person (id)"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address_digest = models.CharField(_("address digest (SHA-256)"), max_length=64, blank=True, default="")
    until = models.DateField(_("restricted until"), null=True, blank=True, help_text=_("empty: for good"))
    request = models.ForeignKey(
        DataSubjectRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="restrictions"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("processing restriction")
        verbose_name_plural = _("processing restrictions")
        ordering = ["customer_id", "id"]
        indexes = [models.Index(fields=["customer"], name="privacy_restriction_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["erased", "restricted"]), name="privacy_restriction_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def reason(self) -> str:
        words = {
            self.Kind.ERASED: gettext("personal data erased on request #%(request)s"),
            self.Kind.RESTRICTED: gettext("processing restricted on request #%(request)s"),
        }[self.kind] % {"request": self.request_id}
        if self.until:
            words += " " + gettext("(until %(date)s)") % {"date": date_text(self.until)}
        return words
