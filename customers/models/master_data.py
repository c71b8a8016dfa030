from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.formatting import datetime_text
from core.history import history_user
from core.languages import language_choices

from ..countries import country_choices


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("unverified")
    VERIFIED = "verified", _("verified")
    NEEDS_REVIEW = "needs_review", _("needs review")


class EInvoiceFormat(models.TextChoices):
    ZUGFERD = "zugferd", _("ZUGFeRD / Factur-X (PDF with embedded XML)")
    XRECHNUNG = "xrechnung", _("XRechnung (XML) and PDF")


class Customer(models.Model):
    """A debtor: the legal entity or person invoices go to."""

    class Kind(models.TextChoices):
        BUSINESS = "business", _("business")
        CONSUMER = "consumer", _("consumer")
        PUBLIC = "public", _("public sector")

    number = models.CharField(_("customer number"), max_length=32, unique=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.BUSINESS)

    billing_street = models.CharField(_("street and number"), max_length=200)
    billing_street2 = models.CharField(_("address line 2"), max_length=200, blank=True, default="")
    billing_postal_code = models.CharField(_("postal code"), max_length=16)
    billing_city = models.CharField(_("city"), max_length=100)
    billing_country = models.CharField(_("country"), max_length=2, choices=country_choices, default="DE")

    has_shipping_address = models.BooleanField(_("separate shipping address"), default=False)
    shipping_name = models.CharField(_("shipping name"), max_length=200, blank=True, default="")
    shipping_street = models.CharField(_("shipping street and number"), max_length=200, blank=True, default="")
    shipping_street2 = models.CharField(_("shipping address line 2"), max_length=200, blank=True, default="")
    shipping_postal_code = models.CharField(_("shipping postal code"), max_length=16, blank=True, default="")
    shipping_city = models.CharField(_("shipping city"), max_length=100, blank=True, default="")
    shipping_country = models.CharField(
        _("shipping country"), max_length=2, choices=country_choices, blank=True, default=""
    )

    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True, default="", db_index=True)
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True, default="")
    register_court = models.CharField(_("register court"), max_length=100, blank=True, default="")
    register_number = models.CharField(_("register number"), max_length=50, blank=True, default="")
    leitweg_id = models.CharField(_("Leitweg-ID"), max_length=46, blank=True, default="")
    e_invoice_scheme = models.CharField(
        _("electronic address scheme"),
        max_length=4,
        blank=True,
        default="",
        help_text=_("EAS code of the e-invoice address (BT-49), e.g. EM for e-mail, 0204 for a Leitweg-ID."),
    )
    e_invoice_address = models.CharField(_("electronic address"), max_length=255, blank=True, default="")
    invoice_delivery = models.CharField(
        _("invoice delivery"),
        max_length=6,
        choices=[("email", _("by e-mail, automatically when issued")), ("manual", _("sent by hand (post, portal)"))],
        default="email",
    )
    e_invoice_format = models.CharField(
        _("e-invoice format"),
        max_length=9,
        choices=EInvoiceFormat.choices,
        default=EInvoiceFormat.ZUGFERD,
        help_text=_(
            "ZUGFeRD: PDF with the embedded EN 16931 XML. XRechnung: also the standalone XRechnung XML "
            "(public-sector buyers and customers with a Leitweg-ID always get it)."
        ),
    )

    language = models.CharField(_("language"), max_length=5, choices=language_choices, default="de")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    payment_terms = models.ForeignKey(
        "customers.PaymentTerms",
        verbose_name=_("default payment terms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credit_limit = models.DecimalField(_("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
    )
    dunning_blocked = models.BooleanField(_("dunning blocked"), default=False)
    dunning_block_reason = models.CharField(_("reason for dunning block"), max_length=255, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")

    verification_status = models.CharField(
        _("verification"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    history = HistoricalRecords(
        excluded_fields=["verification_status", "last_verified_at", "updated_at"], get_user=history_user
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["legal_name", "id"]
        indexes = [
            models.Index(fields=["verification_status"], name="customers_verification"),
            models.Index(fields=["billing_postal_code"], name="customers_postal_code"),
            models.Index(fields=["last_verified_at"], name="customers_last_verified"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dunning_blocked=False) | ~Q(dunning_block_reason=""),
                name="customers_dunning_block_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customers_credit_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["business", "consumer", "public"]), name="customers_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=["unverified", "verified", "needs_review"]),
                name="customers_verification_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.legal_name}"


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True, default="")
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="", help_text=_("stored as E.164"))
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=language_choices,
        blank=True,
        default="",
        help_text=_("empty: the customer's"),
    )
    receives_invoices = models.BooleanField(_("receives invoices"), default=False)
    receives_reminders = models.BooleanField(_("receives reminders"), default=False)
    # Set by a hard bounce or spam complaint: the address gets no more mail until someone fixes it.
    email_invalid_since = models.DateTimeField(_("e-mail invalid since"), null=True, blank=True)
    email_invalid_reason = models.CharField(_("why the e-mail is invalid"), max_length=255, blank=True, default="")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["customer_id", "name", "id"]
        indexes = [models.Index(fields=["email"], name="customers_contact_email")]

    def __str__(self) -> str:
        return self.name


class BankAccount(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="bank_accounts"
    )
    iban = models.CharField(_("IBAN"), max_length=34, help_text=_("stored without spaces"))
    bic = models.CharField(_("BIC"), max_length=11, blank=True, default="")
    account_holder = models.CharField(_("account holder"), max_length=200, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["customer_id", "-is_active", "id"]
        indexes = [models.Index(fields=["iban"], name="customers_bank_iban")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "iban"], name="customers_one_iban_per_customer"),
        ]

    def __str__(self) -> str:
        return self.iban


class VerificationRun(models.Model):
    """One run of the verification checklist for a customer: who, when, which checks."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("verify now")
        CREATED = "created", _("customer created")
        CHANGED = "changed", _("relevant data changed")
        SCHEDULED = "scheduled", _("scheduled re-verification")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="verification_runs"
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    run_at = models.DateTimeField(_("run at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=VerificationStatus.choices)

    class Meta:
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        ordering = ["-run_at", "-id"]
        indexes = [models.Index(fields=["customer", "-run_at"], name="customers_run_latest")]

    def __str__(self) -> str:
        return gettext("Verification of %(customer)s on %(when)s: %(outcome)s") % {
            "customer": self.customer,
            "when": datetime_text(self.run_at),
            "outcome": self.get_outcome_display(),
        }


class CheckOutcome(models.TextChoices):
    PASSED = "passed", _("passed")
    WARNING = "warning", _("warning")
    FAILED = "failed", _("failed")
    PENDING = "pending", _("pending")


class VerificationCheck(models.Model):
    run = models.ForeignKey(VerificationRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(_("check"), max_length=50)
    subject = models.CharField(_("subject"), max_length=100, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=8, choices=CheckOutcome.choices)
    message = models.TextField(_("message"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("verification check")
        verbose_name_plural = _("verification checks")
        ordering = ["run_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "code", "subject"], name="customers_check_once_per_run"),
            models.CheckConstraint(
                condition=Q(outcome__in=["passed", "warning", "failed", "pending"]), name="customers_check_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}: {self.get_outcome_display()}"


class VatIdConfirmation(models.Model):
    """Proof of an online VAT ID confirmation (VIES, BZSt): what was asked, when, the answer."""

    class Service(models.TextChoices):
        VIES = "vies", _("EU VIES")
        BZST = "bzst", _("BZSt qualified confirmation")

    class Result(models.TextChoices):
        VALID = "valid", _("valid")
        INVALID = "invalid", _("invalid")
        UNAVAILABLE = "unavailable", _("service unavailable")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="vat_confirmations"
    )
    check_row = models.ForeignKey(
        VerificationCheck,
        verbose_name=_("check"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmations",
    )
    service = models.CharField(_("service"), max_length=4, choices=Service.choices)
    vat_id = models.CharField(_("VAT ID"), max_length=20)
    requested_at = models.DateTimeField(_("requested at"))
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    request_identifier = models.CharField(_("request identifier"), max_length=100, blank=True, default="")
    answer_date = models.CharField(_("date of the answer"), max_length=40, blank=True, default="")
    trader_name = models.CharField(_("registered name"), max_length=255, blank=True, default="")
    trader_address = models.TextField(_("registered address"), blank=True, default="")
    matches = models.JSONField(_("name and address match"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True, default="")
    raw_response = models.TextField(_("raw answer"), blank=True, default="")

    class Meta:
        verbose_name = _("VAT ID confirmation")
        verbose_name_plural = _("VAT ID confirmations")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.service} {self.vat_id}: {self.get_result_display()}"


class DuplicateDismissal(models.Model):
    """A finance manager's word that two customers are not duplicates (e.g. two branches)."""

    first = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=255)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(_("dismissed at"))

    class Meta:
        verbose_name = _("dismissed duplicate")
        verbose_name_plural = _("dismissed duplicates")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="customers_dismissal_once"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="customers_dismissal_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
