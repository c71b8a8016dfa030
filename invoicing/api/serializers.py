"""Serializers of the invoicing API: terms, rates, invoices as read, drafts and actions as written."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communications.api import RecipientSerializer
from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer
from customers.models import Customer, PaymentTerms

from ..models import (
    DocumentState,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceDocument,
    InvoiceEvent,
    InvoiceLine,
    VatCategory,
    VatRate,
)
from ..selectors import (
    is_overdue,
    vat_breakdown_of,
)
from ..services.draft_cleaning import ALLOWANCE_FIELDS, HEADER_FIELDS, LINE_FIELDS, REFERENCE_AND_CONTACT_FIELDS

# Choice sets that several fields share; any other is named <Model><Field>Enum.
SHARED_ENUM_NAMES.update(
    {
        "invoicing.VatRate.category": "VatCategoryEnum",
        "invoicing.InvoiceLine.vat_category": "VatCategoryEnum",
        "invoicing.InvoiceAllowanceCharge.vat_category": "VatCategoryEnum",
        "invoicing.InvoiceVatBreakdown.vat_category": "VatCategoryEnum",
        "invoicing.Invoice.document_type": "DocumentTypeEnum",
        "invoicing.Invoice.status": "DocumentStatusEnum",
        "invoicing.Invoice.settlement_state": "SettlementStateEnum",
    }
)

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2}


def _by(request):
    """The user a change is recorded for; an API key is no user (its writes are recorded without one)."""
    return request.user if getattr(request.user, "pk", None) else None


# --- Serializers: payment terms and VAT rates -------------------------------------------------
class DiscountTierSerializer(serializers.Serializer):
    percent = serializers.DecimalField(**RATE, help_text="Early payment discount in percent.")
    days = serializers.IntegerField(help_text="Days after the invoice date within which it applies.")


class PaymentTermsSerializer(NamedEnumModelSerializer):
    discount_tiers = DiscountTierSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentTerms
        fields = ["id", "name", "basis", "days", "discount_tiers", "is_default", "active"]
        read_only_fields = fields


class VatRateSerializer(NamedEnumModelSerializer):
    class Meta:
        model = VatRate
        fields = ["id", "country", "category", "rate", "label", "valid_from", "valid_to"]
        read_only_fields = fields


# --- Serializers: invoices (output) -----------------------------------------------------------
class CustomerSummarySerializer(NamedEnumModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "number", "legal_name", "vat_id", "verification_status"]
        read_only_fields = fields


class VatBreakdownSerializer(serializers.Serializer):
    """A row of the VAT breakdown (BG-23): per category and rate."""

    vat_category = NamedChoiceField(choices=VatCategory.choices, enum_name="VatCategoryEnum")
    vat_rate = serializers.DecimalField(**RATE, allow_null=True, help_text="Null for category O.")
    taxable_amount = serializers.DecimalField(**MONEY)
    tax_amount = serializers.DecimalField(**MONEY)
    exemption_reason = serializers.CharField()
    exemption_code = serializers.CharField()


class DiscountOfferSerializer(serializers.Serializer):
    """An early-payment discount (Skonto) offered on an issued invoice."""

    percent = serializers.DecimalField(**RATE)
    deadline = serializers.DateField(help_text="Paid by this day, the discount may be taken.")
    discount_amount = serializers.DecimalField(**MONEY)
    amount_to_pay = serializers.DecimalField(**MONEY)


class InvoiceLineSerializer(NamedEnumModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["id", "position", *LINE_FIELDS, "net_amount"]
        read_only_fields = fields


class AllowanceChargeSerializer(NamedEnumModelSerializer):
    class Meta:
        model = InvoiceAllowanceCharge
        fields = ["id", "position", *ALLOWANCE_FIELDS, "computed_amount"]
        read_only_fields = fields


class InvoiceEventSerializer(NamedEnumModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = InvoiceEvent
        fields = ["id", "kind", "at", "by", "from_state", "to_state", "reason", "data"]
        read_only_fields = fields


class CreditNoteSummarySerializer(NamedEnumModelSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "number", "status", "invoice_date", "tax_inclusive_total"]
        read_only_fields = fields


TOTAL_FIELDS = [
    "line_total",
    "allowance_total",
    "charge_total",
    "tax_exclusive_total",
    "tax_total",
    "tax_inclusive_total",
    "prepaid_amount",
    "amount_due",
    "tax_total_eur",
    "exchange_rate",
    "exchange_rate_kind",
    "exchange_rate_date",
]


class StoredDocumentSerializer(NamedEnumModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download (same permissions as the invoice).")

    class Meta:
        model = InvoiceDocument
        fields = ["kind", "filename", "sha256", "size", "render_version", "created_at", "url"]
        read_only_fields = fields
        extra_kwargs = {
            "render_version": {
                "help_text": "The rendering (fonts, template, texts) that made the file; only the current "
                "version is re-rendered by the archive check, older ones are proved by their SHA-256."
            }
        }

    def get_url(self, document) -> str:
        path = reverse("v1:invoice-document", args=[document.invoice_id, document.kind])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DocumentProblemSerializer(serializers.Serializer):
    rule = serializers.CharField(
        help_text="EN 16931 / XRechnung rule id, e.g. BR-CO-15, BR-DE-2; XSD for schema errors."
    )
    message = serializers.CharField()
    location = serializers.CharField()
    document = serializers.CharField(help_text="factur-x or xrechnung")


class DocumentsSerializer(serializers.Serializer):
    """The PDF/A-3 and e-invoices of an issued document, or why there are none."""

    state = serializers.ChoiceField(
        choices=DocumentState.choices,
        allow_null=True,
        help_text="null for drafts; pending while being created; invalid: refused by validation, not sent.",
    )
    summary = serializers.CharField(help_text='e.g. "BR-CO-15 …; BR-DE-2 …" when invalid.')
    xrechnung = serializers.BooleanField(help_text="The customer gets a standalone XRechnung XML too.")
    problems = DocumentProblemSerializer(many=True)
    files = StoredDocumentSerializer(many=True)


class InvoiceSerializer(NamedEnumModelSerializer):
    """An invoice or credit note as lists show it: parties, dates, totals, breakdown, settlement.

    Drafts show their totals and breakdown as they are now (recomputed on every change);
    issued documents those fixed when they were issued.
    """

    customer = CustomerSummarySerializer(read_only=True)
    discount_offers = DiscountOfferSerializer(many=True, read_only=True)
    vat_breakdown = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(
        help_text="Issued, with an open amount, and due before today (or before overdue_as_of when filtered by it)."
    )
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "document_type",
            "status",
            "number",
            "customer",
            "corrected_invoice",
            "currency",
            "language",
            "invoice_date",
            "service_date",
            "service_period_start",
            "service_period_end",
            "payment_terms",
            "due_date",
            "received_on",
            "received_on_basis",
            "discount_offers",
            *TOTAL_FIELDS,
            "open_amount",
            "credited_amount",
            "settlement_state",
            "overdue",
            "vat_breakdown",
            "documents",
            "buyer_reference",
            "purchase_order_reference",
            *REFERENCE_AND_CONTACT_FIELDS,
            "created_at",
            "updated_at",
            "issued_at",
            "cancelled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(VatBreakdownSerializer(many=True))
    def get_vat_breakdown(self, invoice) -> list[dict]:
        return VatBreakdownSerializer(vat_breakdown_of(invoice), many=True).data

    @extend_schema_field(DocumentsSerializer)
    def get_documents(self, invoice) -> dict:
        state = getattr(invoice, "document_state", None) if not invoice.is_draft else None
        files = list(invoice.documents.all()) if state is not None else []
        return {
            "state": state.state if state else None,
            "summary": state.summary if state else "",
            "xrechnung": state.xrechnung if state else False,
            "problems": state.problems if state else [],
            "files": StoredDocumentSerializer(files, many=True, context=self.context).data,
        }

    def get_overdue(self, invoice) -> bool:
        return is_overdue(invoice, self.context.get("as_of") or timezone.localdate())


class InvoiceDetailSerializer(InvoiceSerializer):
    """One document with everything: lines, allowances and charges, snapshots, events, credit notes."""

    lines = InvoiceLineSerializer(many=True, read_only=True)
    allowances_charges = AllowanceChargeSerializer(many=True, read_only=True)
    events = InvoiceEventSerializer(many=True, read_only=True)
    credit_notes = CreditNoteSummarySerializer(many=True, read_only=True)
    seller = serializers.JSONField(read_only=True, help_text="The company profile as issued (empty for drafts).")
    buyer = serializers.JSONField(read_only=True, help_text="The customer's billing data as issued (empty for drafts).")
    payment_means = serializers.JSONField(
        read_only=True,
        help_text="How the invoice is paid, fixed at issue: {} credit transfer; code 59 SEPA direct debit "
        "(mandate_reference, creditor_id, debtor_iban, collection_date, amount, scheme); 54 or 48 card paid at "
        "issue (card_last4, paid_amount, paid_on).",
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "deliver_to_country",
            "note",
            "payment_terms_text",
            "payment_means",
            "seller",
            "buyer",
            "review_override_reason",
            "credit_limit_confirmation",
            "lines",
            "allowances_charges",
            "events",
            "credit_notes",
        ]
        read_only_fields = fields


# --- Serializers: invoices (input) ------------------------------------------------------------
class InvoiceLineInputSerializer(NamedEnumModelSerializer):
    """A line as a client sends it; amounts, units and VAT rates are checked by the service."""

    class Meta:
        model = InvoiceLine
        fields = list(LINE_FIELDS)
        extra_kwargs = {
            "vat_rate": {
                "help_text": "Percent; must be in the VAT rate table on the supply date. Empty: 0 (or none for O)."
            },
            "unit_code": {"help_text": "UN/ECE Rec. 20 code, e.g. C62 (piece), HUR (hour), KGM (kg)."},
        }


class AllowanceChargeInputSerializer(NamedEnumModelSerializer):
    """A document-level allowance or charge, with its own VAT category and rate (BR-32, BR-37)."""

    class Meta:
        model = InvoiceAllowanceCharge
        fields = list(ALLOWANCE_FIELDS)


class InvoiceDraftSerializer(NamedEnumModelSerializer):
    """Draft fields as a client changes them; ``lines`` and ``allowances_charges`` replace all when given."""

    currency = serializers.CharField(
        max_length=3, required=False, help_text="ISO 4217 code; the customer's by default."
    )
    language = NamedChoiceField(
        choices=settings.LANGUAGES, enum_name="LanguageCodeEnum", required=False, help_text="The customer's by default."
    )
    payment_terms = serializers.PrimaryKeyRelatedField(
        queryset=PaymentTerms.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="Active payment terms (see /payment-terms/); the customer's or the default when left out.",
    )
    lines = InvoiceLineInputSerializer(many=True, required=False)
    allowances_charges = AllowanceChargeInputSerializer(many=True, required=False)

    class Meta:
        model = Invoice
        fields = [*HEADER_FIELDS, "lines", "allowances_charges"]


class InvoiceDraftCreateSerializer(InvoiceDraftSerializer):
    """A new draft invoice for a customer, with its lines (at least one) and allowances and charges."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta(InvoiceDraftSerializer.Meta):
        fields = ["customer", *InvoiceDraftSerializer.Meta.fields]


class IssueSerializer(serializers.Serializer):
    review_override_reason = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Finance managers only: why to issue although the customer needs review.",
    )
    credit_limit_confirmation = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why to issue although the customer's open items would exceed the credit limit.",
    )


class CreditNoteSerializer(serializers.Serializer):
    lines = InvoiceLineInputSerializer(
        many=True,
        required=False,
        help_text="The lines to credit; left out: the whole invoice (all lines and allowances).",
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Shown as the credit note's note."
    )
    issue = serializers.BooleanField(required=False, default=False, help_text="Issue the credit note right away.")


class ChangeDueDateSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField(
        max_length=2000, allow_blank=True, help_text="Why (e.g. agreed payment plan); kept in the history."
    )


# --- Filtering and ordering -------------------------------------------------------------------
class SendSerializer(serializers.Serializer):
    to = RecipientSerializer(
        many=True,
        required=False,
        help_text="Recipients; left out: the customer's contacts who receive invoices.",
    )
    resend = serializers.BooleanField(
        default=False, help_text='Send a document that was already e-mailed once more ("send again").'
    )
