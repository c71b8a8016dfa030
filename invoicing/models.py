"""Invoices and credit notes (EN 16931), their numbers, terms, rates and lifecycle.

Issued documents are immutable (GoBD): the services refuse edits, and a database
trigger (migration 0002) rejects any UPDATE of issued content and any DELETE. The
columns that legitimately change after issue are named in ``MUTABLE_AFTER_ISSUE``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, datetime_text, number_text

from .querysets import InvoiceQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 16, "decimal_places": 4}
PRICE = {"max_digits": 16, "decimal_places": 4}
RATE = {"max_digits": 5, "decimal_places": 2}


class VatCategory(models.TextChoices):
    """UNCL 5305 as used by EN 16931 (BT-151, BT-118)."""

    STANDARD = "S", _("S – standard rate")
    ZERO = "Z", _("Z – zero rated")
    EXEMPT = "E", _("E – exempt")
    REVERSE_CHARGE = "AE", _("AE – reverse charge (§ 13b UStG)")
    INTRA_COMMUNITY = "K", _("K – intra-community supply (§ 4 Nr. 1b UStG)")
    EXPORT = "G", _("G – export outside the EU")
    NOT_SUBJECT = "O", _("O – not subject to VAT")


VAT_CATEGORY_CODES = [c.value for c in VatCategory]


class VatRate(models.Model):
    """A VAT rate finance managers maintain; invoice lines must use one valid on the supply date."""

    country = models.CharField(_("country"), max_length=2, default="DE")
    category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    rate = models.DecimalField(_("rate (%)"), **RATE)
    label = models.CharField(_("label"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["country", "category", "-rate", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "category", "rate", "valid_from"], name="invoicing_vat_rate_once"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lt=100), name="invoicing_vat_rate_range"),
            models.CheckConstraint(
                condition=Q(category="S", rate__gt=0) | (~Q(category="S") & Q(rate=0)),
                name="invoicing_vat_rate_fits_category",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="invoicing_vat_rate_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.category} {self.rate} %"


class ExchangeRate(models.Model):
    """Foreign currency per 1 EUR, as the BMF publishes monthly averages (§ 16 (6) UStG), or daily rates."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("BMF monthly average")
        DAILY = "daily", _("daily rate")

    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices, default=Kind.MONTHLY)
    date = models.DateField(_("date"), help_text=_("for monthly averages the first day of the month"))
    units_per_eur = models.DecimalField(_("units per euro"), max_digits=18, decimal_places=8)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "kind", "date"], name="invoicing_exchange_rate_once"),
            models.CheckConstraint(condition=Q(units_per_eur__gt=0), name="invoicing_exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(kind="monthly") | Q(date__day=1), name="invoicing_monthly_rate_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        rate = number_text(self.units_per_eur)
        return f"1 EUR = {rate} {self.currency} ({self.get_kind_display()} {date_text(self.date)})"


class DocumentType(models.TextChoices):
    INVOICE = "invoice", _("invoice")  # UNTDID 1001: 380
    CREDIT_NOTE = "credit_note", _("credit note")  # 381


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ISSUED = "issued", pgettext_lazy("document status", "issued")
    CANCELLED = "cancelled", pgettext_lazy("document status", "cancelled")  # de: storniert


# The allowed status changes of an invoice or credit note (STYLE 6); ``invoice_transition`` checks
# it. Issued documents are never edited or deleted (GoBD): cancelling is a full credit note.
DOCUMENT_TRANSITIONS: dict[str, set[str]] = {
    DocumentStatus.DRAFT: {DocumentStatus.ISSUED},
    DocumentStatus.ISSUED: {DocumentStatus.CANCELLED},
    DocumentStatus.CANCELLED: set(),
}


class SettlementState(models.TextChoices):
    OPEN = "open", _("open")
    PARTIALLY_PAID = "partially_paid", _("partially paid")
    PAID = "paid", _("paid")


class ReceiptBasis(models.TextChoices):
    """How an invoice's date of receipt (§ 286 (3) BGB, "Zugang") was determined."""

    CONFIRMED = "confirmed", pgettext_lazy("date of receipt", "confirmed by the delivery report")
    ASSUMED = "assumed", pgettext_lazy("date of receipt", "assumed (no delivery report)")


class Invoice(models.Model):
    """An invoice or credit note. Totals, snapshots, number and dates are fixed when issued."""

    # Columns a trigger lets change after issue; everything else is frozen.
    MUTABLE_AFTER_ISSUE = (
        "status",
        "cancelled_at",
        "open_amount",
        "settlement_state",
        "due_date",
        "credited_amount",
        "updated_at",
        # The customer's receipt happens after issue (invoicing/services/receipts.py).
        "received_on",
        "received_on_basis",
    )

    document_type = models.CharField(_("document type"), max_length=11, choices=DocumentType.choices)
    status = models.CharField(_("status"), max_length=9, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    number = models.CharField(_("number"), max_length=40, null=True, blank=True, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    corrected_invoice = models.ForeignKey(
        "self",
        verbose_name=_("corrected invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text=_("for credit notes: the invoice it corrects (BT-25)"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(_("language"), max_length=5, default="de")

    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    service_date = models.DateField(_("delivery/service date"), null=True, blank=True)
    service_period_start = models.DateField(_("service period from"), null=True, blank=True)
    service_period_end = models.DateField(_("service period to"), null=True, blank=True)
    deliver_to_country = models.CharField(_("deliver-to country"), max_length=2, blank=True, default="")
    buyer_reference = models.CharField(_("buyer reference"), max_length=200, blank=True, default="")
    purchase_order_reference = models.CharField(_("purchase order"), max_length=200, blank=True, default="")
    contract_reference = models.CharField(
        _("contract"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("the buyer's contract number (BT-12)"),
    )
    project_reference = models.CharField(
        _("project"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("the buyer's project number (BT-11)"),
    )
    project_name = models.CharField(
        _("project name"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("empty: the word “project”"),
    )
    # BG-9, per invoice: defaulted from the customer's contact who receives invoices.
    buyer_contact_name = models.CharField(
        _("buyer's contact person"), max_length=200, blank=True, default="", db_default=""
    )
    buyer_contact_phone = models.CharField(
        _("buyer's contact phone"), max_length=32, blank=True, default="", db_default=""
    )
    buyer_contact_email = models.CharField(
        _("buyer's contact e-mail"), max_length=254, blank=True, default="", db_default=""
    )
    note = models.TextField(_("note"), blank=True, default="")

    payment_terms = models.ForeignKey(
        "customers.PaymentTerms", verbose_name=_("payment terms"), null=True, blank=True, on_delete=models.PROTECT
    )
    terms_snapshot = models.JSONField(_("payment terms as issued"), default=dict, blank=True)
    payment_terms_text = models.TextField(_("payment terms text"), blank=True, default="")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    discount_offers = models.JSONField(_("early payment discounts"), default=list, blank=True)
    # How the invoice is paid, fixed at issue (BG-16..19: direct debit, card paid at issue; {} is a
    # credit transfer): invoicing/payment_means.py. Frozen with the rest of the issued document.
    payment_means = models.JSONField(_("payment means as issued"), default=dict, blank=True)

    seller = models.JSONField(_("seller as issued"), default=dict, blank=True)
    buyer = models.JSONField(_("buyer as issued"), default=dict, blank=True)

    line_total = models.DecimalField(_("sum of line net amounts"), default=0, **MONEY)
    allowance_total = models.DecimalField(_("allowances"), default=0, **MONEY)
    charge_total = models.DecimalField(_("charges"), default=0, **MONEY)
    tax_exclusive_total = models.DecimalField(_("total net"), default=0, **MONEY)
    tax_total = models.DecimalField(_("VAT"), default=0, **MONEY)
    tax_inclusive_total = models.DecimalField(_("total gross"), default=0, **MONEY)
    prepaid_amount = models.DecimalField(_("prepaid"), default=0, **MONEY)
    amount_due = models.DecimalField(_("amount due"), default=0, **MONEY)
    # Art. 230 VAT Directive / BT-111: VAT of a foreign-currency invoice in EUR, with the rate used.
    tax_total_eur = models.DecimalField(_("VAT in EUR"), null=True, blank=True, **MONEY)
    exchange_rate = models.DecimalField(
        _("exchange rate (units per EUR)"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    exchange_rate_kind = models.CharField(_("exchange rate kind"), max_length=7, blank=True, default="")
    exchange_rate_date = models.DateField(_("exchange rate date"), null=True, blank=True)

    open_amount = models.DecimalField(_("open amount"), default=0, **MONEY)
    credited_amount = models.DecimalField(_("credited"), default=0, **MONEY)
    settlement_state = models.CharField(
        _("settlement"), max_length=14, choices=SettlementState.choices, default=SettlementState.OPEN
    )

    review_override_reason = models.CharField(
        _("reason for issuing despite review"), max_length=255, blank=True, default=""
    )
    credit_limit_confirmation = models.CharField(
        _("reason for exceeding the credit limit"), max_length=255, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # § 286 (3) BGB: the 30 days to default count from receipt. Written only by
    # invoicing/services/receipts.py: a confirmed date is never overwritten.
    received_on = models.DateField(_("received by the customer on"), null=True, blank=True)
    received_on_basis = models.CharField(
        _("date of receipt"), max_length=9, choices=ReceiptBasis.choices, blank=True, default=""
    )

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-id"]
        indexes = [
            # "overdue as of": issued, not paid, due before a date.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status="issued") & ~Q(settlement_state="paid"),
                name="invoicing_unpaid_by_due",
            ),
            # The finance home's "invoices overdue, count and amount per currency": exactly the rows
            # of Invoice.objects.overdue, read from the index alone (issue 16, README).
            models.Index(
                fields=["currency", "due_date"],
                include=["open_amount"],
                condition=Q(status="issued")
                & ~Q(settlement_state="paid")
                & Q(document_type="invoice")
                & Q(open_amount__gt=0),
                name="invoicing_overdue_open",
            ),
            # A customer's open invoices and credit notes (the customer list's balance and overdue
            # columns, payments.selectors.customers_with_balance), read from the index alone.
            models.Index(
                fields=["customer", "currency"],
                include=["open_amount", "due_date"],
                condition=Q(status="issued")
                & ~Q(settlement_state="paid")
                & Q(document_type="invoice")
                & Q(open_amount__gt=0),
                name="invoicing_customer_open",
            ),
            # The open invoices with every column the analytics ledger reads (analytics/ledger.py),
            # so aging, DSO and CEI read them from the index alone, not from pages all over the
            # table (old unpaid invoices are scattered through five years of rows).
            models.Index(
                fields=["due_date"],
                include=[
                    "id",
                    "number",
                    "customer",
                    "document_type",
                    "currency",
                    "exchange_rate",
                    "invoice_date",
                    "amount_due",
                    "open_amount",
                    "issued_at",
                ],
                condition=Q(status="issued")
                & ~Q(settlement_state="paid")
                & Q(document_type="invoice")
                & Q(open_amount__gt=0),
                name="invoicing_open_ledger",
            ),
            models.Index(
                fields=["customer", "currency"],
                include=["open_amount"],
                condition=Q(status="issued") & Q(document_type="credit_note") & Q(open_amount__gt=0),
                name="invoicing_customer_credit",
            ),
            # The invoice list's order (Meta.ordering, newest first; a million rows are not sorted).
            models.Index(fields=["invoice_date", "id"], name="invoicing_date_id"),
            models.Index(fields=["customer", "status"], name="invoicing_customer_status"),
            models.Index(fields=["status", "invoice_date"], name="invoicing_status_date"),
            models.Index(fields=["settlement_state"], name="invoicing_settlement"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(number__isnull=False) & Q(invoice_date__isnull=False)),
                name="invoicing_issued_has_number_and_date",
            ),
            models.CheckConstraint(
                condition=Q(document_type="invoice") | Q(corrected_invoice__isnull=False),
                name="invoicing_credit_note_references_invoice",
            ),
            models.CheckConstraint(condition=Q(open_amount__gte=0), name="invoicing_open_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(service_period_start__isnull=True)
                | Q(service_period_end__isnull=True)
                | Q(service_period_end__gte=models.F("service_period_start")),
                name="invoicing_service_period_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "issued", "cancelled"]), name="invoicing_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(received_on__isnull=True) & Q(received_on_basis=""))
                | (Q(received_on__isnull=False) & Q(received_on_basis__in=["confirmed", "assumed"])),
                name="invoicing_received_on_has_basis",
            ),
            models.CheckConstraint(
                condition=Q(project_name="") | ~Q(project_reference=""), name="invoicing_project_name_with_reference"
            ),
        ]

    def __str__(self) -> str:
        if not self.number:
            return gettext("Draft %(id)s for %(customer)s") % {"id": self.pk, "customer": self.customer}
        if self.document_type == DocumentType.CREDIT_NOTE:
            return gettext("Credit note %(number)s") % {"number": self.number}
        return gettext("Invoice %(number)s") % {"number": self.number}

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=500)
    item_number = models.CharField(_("item number"), max_length=100, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_code = models.CharField(_("unit"), max_length=3, default="C62", help_text=_("UN/ECE Rec. 20"))
    unit_price = models.DecimalField(_("unit net price"), **PRICE)
    price_base_quantity = models.DecimalField(_("price per"), default=1, **QUANTITY)
    allowance_percent = models.DecimalField(_("allowance %"), null=True, blank=True, **RATE)
    allowance_amount = models.DecimalField(_("allowance amount"), null=True, blank=True, **MONEY)
    allowance_reason = models.CharField(
        _("allowance reason"), max_length=255, blank=True, default="", db_default=""
    )  # BT-139
    allowance_reason_code = models.CharField(  # BT-140
        _("allowance reason code"),
        max_length=3,
        blank=True,
        default="",
        db_default="",
        help_text=_("UNTDID 5189, e.g. 95 discount"),
    )
    charge_percent = models.DecimalField(_("charge %"), null=True, blank=True, **RATE)  # BT-143
    charge_amount = models.DecimalField(_("charge amount"), null=True, blank=True, **MONEY)  # BT-141
    charge_reason = models.CharField(
        _("charge reason"), max_length=255, blank=True, default="", db_default=""
    )  # BT-144
    charge_reason_code = models.CharField(  # BT-145
        _("charge reason code"),
        max_length=3,
        blank=True,
        default="",
        db_default="",
        help_text=_("UNTDID 7161, e.g. FC freight"),
    )
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate (%)"), null=True, blank=True, **RATE)
    exemption_reason = models.CharField(_("exemption reason"), max_length=255, blank=True, default="")
    exemption_code = models.CharField(_("exemption code"), max_length=30, blank=True, default="")
    note = models.CharField(_("line note"), max_length=1000, blank=True, default="", db_default="")  # BT-127
    period_start = models.DateField(_("line period from"), null=True, blank=True)  # BT-134
    period_end = models.DateField(_("line period to"), null=True, blank=True)  # BT-135
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoicing_line_position_once"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoicing_line_price_not_negative"),
            models.CheckConstraint(condition=Q(price_base_quantity__gt=0), name="invoicing_line_base_quantity"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="invoicing_line_period_order",
            ),
            models.CheckConstraint(
                condition=Q(charge_percent__isnull=True) | Q(charge_amount__isnull=True),
                name="invoicing_line_charge_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(charge_percent__isnull=True) | (Q(charge_percent__gte=0) & Q(charge_percent__lte=100)),
                name="invoicing_line_charge_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(charge_amount__isnull=True) | Q(charge_amount__gte=0),
                name="invoicing_line_charge_not_negative",
            ),
            # BR-44: a line charge states why, as text or as a UNTDID 7161 code.
            models.CheckConstraint(
                condition=(Q(charge_percent__isnull=True) & Q(charge_amount__isnull=True))
                | ~Q(charge_reason="")
                | ~Q(charge_reason_code=""),
                name="invoicing_line_charge_has_reason",
            ),
            # A reason (BT-139/140, BT-144/145) belongs to an allowance or charge the line has.
            models.CheckConstraint(
                condition=(Q(allowance_reason="") & Q(allowance_reason_code=""))
                | Q(allowance_percent__isnull=False)
                | Q(allowance_amount__isnull=False),
                name="invoicing_line_allowance_reason_needs_allowance",
            ),
            models.CheckConstraint(
                condition=(Q(charge_reason="") & Q(charge_reason_code=""))
                | Q(charge_percent__isnull=False)
                | Q(charge_amount__isnull=False),
                name="invoicing_line_charge_reason_needs_charge",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class InvoiceAllowanceCharge(models.Model):
    """A document-level allowance (BG-20) or charge (BG-21), each with its own VAT category and rate."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="allowances_charges"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    is_charge = models.BooleanField(_("charge (not allowance)"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True, default="")
    reason_code = models.CharField(_("reason code"), max_length=10, blank=True, default="")
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    percent = models.DecimalField(_("percent"), null=True, blank=True, **RATE)
    base_amount = models.DecimalField(_("base amount"), null=True, blank=True, **MONEY)
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate (%)"), null=True, blank=True, **RATE)
    computed_amount = models.DecimalField(_("computed amount"), default=0, **MONEY)

    class Meta:
        verbose_name = _("allowance or charge")
        verbose_name_plural = _("allowances and charges")
        ordering = ["invoice_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoicing_allowance_position_once"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.is_charge else "−"
        return f"{sign}{number_text(self.computed_amount, places=2)} {self.reason}"


class InvoiceVatBreakdown(models.Model):
    """BG-23, stored when issued."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="vat_breakdown"
    )
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate (%)"), null=True, blank=True, **RATE)
    taxable_amount = models.DecimalField(_("taxable amount"), **MONEY)
    tax_amount = models.DecimalField(_("VAT amount"), **MONEY)
    # BT-120: every distinct reason of the row's lines ("; "-joined), so no length limit (EN 16931 sets none).
    exemption_reason = models.TextField(_("exemption reason"), blank=True, default="")
    exemption_code = models.CharField(_("exemption code"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("VAT breakdown")
        verbose_name_plural = _("VAT breakdown")
        ordering = ["invoice_id", "vat_category", "vat_rate", "id"]

    def __str__(self) -> str:
        rate = number_text(self.vat_rate, places=2)
        taxable, tax = number_text(self.taxable_amount, places=2), number_text(self.tax_amount, places=2)
        return f"{self.vat_category} {rate} %: {taxable} / {tax}"


class InvoiceEvent(models.Model):
    """One row per state change or notable act (who, when, from → to, why)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        ISSUED = "issued", _("issued")
        CANCELLED = "cancelled", _("cancelled")
        CREDITED = "credited", _("credited")
        DUE_DATE_CHANGED = "due_date_changed", _("due date changed")
        REVIEW_OVERRIDDEN = "review_overridden", _("issued despite customer review")
        CREDIT_LIMIT_CONFIRMED = "credit_limit_confirmed", _("credit limit exceeded on purpose")
        SETTLEMENT_CHANGED = "settlement_changed", _("settlement changed")
        DOCUMENTS_CREATED = "documents_created", _("PDF and e-invoice stored")
        E_INVOICE_INVALID = "e_invoice_invalid", _("e-invoice invalid")
        SENT = "sent", pgettext_lazy("invoice event", "sent by e-mail")
        DELIVERED = "delivered", pgettext_lazy("invoice event", "delivered (received)")
        RECEIPT_ASSUMED = "receipt_assumed", pgettext_lazy("invoice event", "receipt assumed")

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
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
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering = ["invoice_id", "at", "id"]
        indexes = [
            # The ledger at a past day (analytics/ledger.py) undoes credit notes applied after
            # it: a small index of those events instead of reading every invoice's events.
            models.Index(fields=["at"], condition=Q(kind="credited"), name="invoicing_event_credited"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.at)}"


class CustomerNotice(models.Model):
    """A message the customer must get about a document (e.g. a changed due date).

    Written in the transaction of the change; the e-mail issue sends pending notices
    through its outbox. Until then they show as pending in the admin.
    """

    class Kind(models.TextChoices):
        DUE_DATE_CHANGED = "due_date_changed", _("due date changed")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notice status", "pending")
        SENT = "sent", pgettext_lazy("notice status", "sent")
        CANCELLED = "cancelled", pgettext_lazy("notice status", "cancelled")

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PENDING)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("customer notice")
        verbose_name_plural = _("customer notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="invoicing_notice_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class RecurringInvoiceTemplate(models.Model):
    """An invoice that repeats (subscription, maintenance contract): a beat job turns each
    period into a draft or an issued invoice — exactly once per period."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")

    class Status(models.TextChoices):
        # Transitions: invoicing.recurring.TEMPLATE_TRANSITIONS.
        ACTIVE = "active", pgettext_lazy("recurring invoice status", "active")
        PAUSED = "paused", pgettext_lazy("recurring invoice status", "paused")
        ENDED = "ended", pgettext_lazy("recurring invoice status", "ended")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="recurring_invoices"
    )
    name = models.CharField(_("name"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=9, choices=Frequency.choices)
    day_of_month = models.PositiveSmallIntegerField(
        _("day of month"), default=1, help_text=_("1–31; later than the month's last day means its last day")
    )
    start_date = models.DateField(_("first period starts"))
    end_date = models.DateField(_("last period starts no later than"), null=True, blank=True)
    auto_issue = models.BooleanField(_("issue automatically"), default=False)
    payment_terms = models.ForeignKey(
        "customers.PaymentTerms", verbose_name=_("payment terms"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True, default="")
    buyer_reference = models.CharField(_("buyer reference"), max_length=200, blank=True, default="")
    # Line dicts as invoice_draft_create takes them (validated by the service).
    lines = models.JSONField(_("lines"), default=list)
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("recurring invoice")
        verbose_name_plural = _("recurring invoices")
        ordering = ["customer_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1) & Q(day_of_month__lte=31), name="invoicing_recurring_day_of_month"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="invoicing_recurring_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "ended"]), name="invoicing_recurring_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "id"], name="invoicing_recurring_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_frequency_display()})"


class RecurringInvoiceTemplateEvent(models.Model):
    """One row per change of a recurring invoice template (created, changed, paused, resumed, ended)."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("recurring invoice event", "created")
        CHANGED = "changed", pgettext_lazy("recurring invoice event", "changed")
        PAUSED = "paused", pgettext_lazy("recurring invoice event", "paused")
        RESUMED = "resumed", pgettext_lazy("recurring invoice event", "resumed")
        ENDED = "ended", pgettext_lazy("recurring invoice event", "ended")

    template = models.ForeignKey(
        RecurringInvoiceTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=7, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who, when ``by`` is no user: an API key ("API key abc123") or a job.
    actor = models.CharField(_("actor"), max_length=100, blank=True, default="")
    from_state = models.CharField(_("from"), max_length=6, blank=True, default="")
    to_state = models.CharField(_("to"), max_length=6, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("recurring invoice event")
        verbose_name_plural = _("recurring invoice events")
        ordering = ["template_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.at)}"


class RecurringInvoiceRun(models.Model):
    """One period of a template, turned into an invoice. Unique per period: exactly once."""

    template = models.ForeignKey(
        RecurringInvoiceTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="runs"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    problem = models.TextField(_("problem"), blank=True, default="")

    class Meta:
        verbose_name = _("recurring invoice period")
        verbose_name_plural = _("recurring invoice periods")
        ordering = ["template_id", "period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "period_start"], name="invoicing_recurring_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.template} {date_text(self.period_start)}"


class DocumentState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("documents", "being created")
    READY = "ready", pgettext_lazy("documents", "ready")
    INVALID = "invalid", pgettext_lazy("documents", "e-invoice invalid")


class InvoiceDocumentState(models.Model):
    """Where an issued document's PDF and e-invoice stand: created, or refused by validation.

    A document whose e-invoice fails EN 16931 or XRechnung validation is not stored and not
    sent (fail closed); ``problems`` lists the broken rules for the admin, the API and the
    follow-up task.
    """

    invoice = models.OneToOneField(
        Invoice,
        verbose_name=_("invoice"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="document_state",
    )
    state = models.CharField(_("state"), max_length=7, choices=DocumentState.choices, default=DocumentState.PENDING)
    xrechnung = models.BooleanField(_("XRechnung required"), default=False)
    # [{"rule": "BR-CO-15", "message": "...", "location": "...", "document": "factur-x"}, ...]
    problems = models.JSONField(_("problems"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True, default="")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("document state")
        verbose_name_plural = _("document states")
        indexes = [models.Index(fields=["state"], name="invoicing_document_state")]

    def __str__(self) -> str:
        return f"{self.get_state_display()}"


class InvoiceDocument(models.Model):
    """A stored original: the PDF/A-3 (with the embedded Factur-X XML) or a standalone XML.

    Written once and never replaced or deleted (GoBD); a database trigger refuses UPDATE and
    DELETE. ``sha256`` is the hash of the stored bytes, so anyone can prove the archive intact.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF/A-3 with ZUGFeRD/Factur-X")
        FACTURX = "facturx", _("Factur-X/ZUGFeRD XML (EN 16931)")
        XRECHNUNG = "xrechnung", _("XRechnung XML")

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=9, choices=Kind.choices)
    file = models.FileField(_("file"), max_length=255)
    filename = models.CharField(_("file name"), max_length=120)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    renderer = models.CharField(_("created with"), max_length=100)
    # Which rendering (fonts, template, XML mapping) made the bytes: see RENDER_VERSION in
    # invoicing/services/documents.py. Only the current one can be reproduced byte for byte.
    render_version = models.PositiveSmallIntegerField(_("renderer version"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        ordering = ["invoice_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="invoicing_one_original_per_kind"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="invoicing_document_sha256"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def content_type(self) -> str:
        return "application/pdf" if self.kind == self.Kind.PDF else "application/xml"
