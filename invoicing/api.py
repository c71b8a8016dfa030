"""The invoicing REST API: drafts with nested lines, issue, credit notes, due dates; terms and rates.

Thin: serializers check types and shapes, services (invoicing.services) hold every rule
and every write, selectors (invoicing.selectors) every non-trivial read. An edit of an
issued document is a 409 problem (``document-not-editable``) with the service's reason.
"""

from __future__ import annotations

import base64

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from customers.api_messages import OutboxMessageDetailSerializer, RecipientSerializer, message_response
from customers.models import Customer

from . import services
from .models import (
    DocumentState,
    DocumentType,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceDocument,
    InvoiceEvent,
    InvoiceLine,
    PaymentTerms,
    VatCategory,
    VatRate,
)
from .selectors import (
    invoice_detail_queryset,
    invoice_list_queryset,
    invoice_overdue,
    invoice_search,
    is_overdue,
    vat_breakdown_of,
)
from .services.documents import (
    DocumentsNotReady,
    invoice_document_get,
    invoice_document_read,
    invoice_documents_recheck,
)
from .services.draft_cleaning import ALLOWANCE_FIELDS, HEADER_FIELDS, LINE_FIELDS
from .services.drafts import DocumentNotEditable, DocumentStateConflict
from .services.sending import invoice_send

register_problem(DocumentNotEditable, status_code=status.HTTP_409_CONFLICT, type_slug="document-not-editable")
register_problem(DocumentStateConflict, status_code=status.HTTP_409_CONFLICT, type_slug="document-state-conflict")
register_problem(DocumentsNotReady, status_code=status.HTTP_409_CONFLICT, type_slug="documents-not-ready")

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
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

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
        fields = ["kind", "filename", "sha256", "size", "created_at", "url"]
        read_only_fields = fields

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

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "deliver_to_country",
            "note",
            "payment_terms_text",
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


class InvoiceFilter(ApiFilterSet):
    search = filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Part of the document number, or of the customer's name or number.",
    )
    currency = filters.CharFilter(lookup_expr="iexact", help_text="ISO 4217 code, e.g. EUR.")
    overdue_as_of = filters.DateFilter(
        method="filter_overdue",
        label="Overdue as of",
        help_text="Only invoices overdue on this date: issued, with an open amount, due before it.",
    )

    class Meta:
        model = Invoice
        fields = {
            "status": ["exact", "in"],
            "settlement_state": ["exact", "in"],
            "document_type": ["exact"],
            "customer": ["exact"],
            "invoice_date": ["gte", "lte"],
            "due_date": ["gte", "lte"],
        }

    def filter_search(self, queryset, name, value):
        return invoice_search(queryset, value)

    def filter_overdue(self, queryset, name, value):
        return invoice_overdue(queryset, value)


class InvoiceOrderingFilter(TieBreakOrderingFilter):
    """``?ordering=`` with the id as unique tie-break; an empty date or number sorts as the largest
    (drafts come first when newest first), the same on PostgreSQL and SQLite."""

    nulls_largest = frozenset({"invoice_date", "due_date", "number"})  # drafts lack them


# --- Views ------------------------------------------------------------------------------------
def _invoice_response(request, invoice_id: int, *, status_code=status.HTTP_200_OK, **response_kwargs) -> Response:
    invoice = invoice_detail_queryset().get(pk=invoice_id)
    context = {"request": request, "as_of": timezone.localdate()}
    return Response(InvoiceDetailSerializer(invoice, context=context).data, status=status_code, **response_kwargs)


def _location(request, invoice_id: int) -> str:
    return request.build_absolute_uri(reverse("v1:invoice-detail", args=[invoice_id]))


def _rows(validated: list | None) -> list[dict] | None:
    return None if validated is None else [dict(row) for row in validated]


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices and credit notes: drafts (editable, deletable) and issued documents (immutable)."""

    api_area = "invoicing"
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    filter_backends = [filters.DjangoFilterBackend, InvoiceOrderingFilter]
    ordering_fields = ["invoice_date", "due_date", "number", "tax_inclusive_total", "open_amount", "created_at", "id"]
    ordering = ["-invoice_date", "-id"]

    def get_queryset(self):
        if self.action == "list":
            return invoice_list_queryset()
        if self.action == "retrieve":
            return invoice_detail_queryset()
        return Invoice.objects.all()

    def get_serializer_class(self):
        return InvoiceSerializer if self.action == "list" else InvoiceDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": self._overdue_as_of()}

    def _overdue_as_of(self):
        value = self.request.query_params.get("overdue_as_of") if self.request else None
        if value:
            try:
                return forms.DateField().clean(value)
            except forms.ValidationError:
                pass  # the filter answers 400 for it
        return timezone.localdate()

    @extend_schema(request=InvoiceDraftCreateSerializer, responses={201: InvoiceDetailSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a draft invoice with its lines and allowances/charges (all saved, or nothing)."""
        payload = InvoiceDraftCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = data.pop("customer")
        lines = _rows(data.pop("lines", []))
        allowances = _rows(data.pop("allowances_charges", []))
        invoice = services.invoice_draft_create(
            customer=customer,
            as_of=timezone.now(),
            data=data,
            lines=lines,
            allowances_charges=allowances,
            by=_by(request),
            document_type=DocumentType.INVOICE,
        )
        return _invoice_response(
            request,
            invoice.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": _location(request, invoice.pk)},
        )

    @extend_schema(request=InvoiceDraftSerializer, responses=InvoiceDetailSerializer)
    def update(self, request, *args, **kwargs):
        """Change a draft: the header fields given; ``lines``/``allowances_charges`` replace all when given.

        An issued or cancelled document answers 409 (correct it with a credit note).
        """
        return self._update(request, partial=False)

    @extend_schema(request=InvoiceDraftSerializer, responses=InvoiceDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change some fields of a draft (see PUT); an issued document answers 409."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        invoice = self.get_object()
        if not invoice.is_draft:
            # Before the body is checked: no body could make this edit succeed. The
            # service checks again under its row lock.
            raise DocumentNotEditable(invoice)
        payload = InvoiceDraftSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        lines = _rows(data.pop("lines", None))
        allowances = _rows(data.pop("allowances_charges", None))
        services.invoice_draft_update(
            invoice=invoice,
            as_of=timezone.now(),
            data=data,
            lines=lines,
            allowances_charges=allowances,
            by=_by(request),
        )
        return _invoice_response(request, invoice.pk)

    def destroy(self, request, *args, **kwargs):
        """Delete a draft; an issued or cancelled document answers 409."""
        services.invoice_draft_delete(invoice=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=IssueSerializer, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def issue(self, request, pk=None):
        """Issue a draft: number, dates, due date, snapshots and totals are fixed from now on.

        Refused with field errors when § 14 UStG data, the buyer's VAT ID (AE, K), an exchange
        rate, a review override (finance managers) or a credit-limit confirmation is missing.
        """
        invoice = self.get_object()
        payload = IssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.invoice_issue(invoice=invoice, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _invoice_response(request, invoice.pk)

    @extend_schema(request=CreditNoteSerializer, responses={201: InvoiceDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], url_path="credit-note", filter_backends=[])
    def credit_note(self, request, pk=None):
        """Create a credit note for an issued invoice: in full, or for the lines given; optionally issued."""
        invoice = self.get_object()
        payload = CreditNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        credit_note = services.credit_note_create(
            invoice=invoice,
            as_of=timezone.now(),
            by=_by(request),
            lines=_rows(data.get("lines")),
            reason=data["reason"],
            issue=data["issue"],
        )
        return _invoice_response(
            request,
            credit_note.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": _location(request, credit_note.pk)},
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/xml"): OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                OpenApiParameter.PATH,
                enum=InvoiceDocument.Kind.values,
                description="pdf (PDF/A-3 with embedded Factur-X), facturx (its XML) or xrechnung",
            )
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<kind>pdf|facturx|xrechnung)",
        url_name="document",
        filter_backends=[],
    )
    def document(self, request, pk=None, kind=None):
        """Download a stored original. 409 documents-not-ready while it is being created, when the
        e-invoice failed validation (the detail names the rules) or for drafts."""
        invoice = self.get_object()
        document = invoice_document_get(invoice=invoice, kind=kind)
        response = HttpResponse(invoice_document_read(document), content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        response["ETag"] = f'"{document.sha256}"'
        response["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(document.sha256)).decode()
        return response

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="documents/recheck", filter_backends=[])
    def documents_recheck(self, request, pk=None):
        """Validate and create the documents again after an invalid e-invoice (once the cause is fixed)."""
        invoice = self.get_object()
        invoice_documents_recheck(invoice=invoice, as_of=timezone.now(), by=_by(request))
        return _invoice_response(request, invoice.pk)

    @extend_schema(request=SendSerializer, responses={201: OutboxMessageDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], filter_backends=[])
    def send(self, request, pk=None):
        """E-mail an issued invoice or credit note with its stored PDF (and XRechnung XML where the
        customer needs it); answers with the queued outbox row. 409 while the documents are being
        created or when the e-invoice is invalid, and when it was already sent without ``resend``."""
        invoice = self.get_object()
        payload = SendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        to = [dict(row) for row in payload.validated_data.get("to") or []]
        by = _by(request)
        message = invoice_send(
            invoice=invoice,
            as_of=timezone.now(),
            by=by,
            to=to or None,
            cause=f"sent by {by.get_username()} (API)" if by else "sent through the API",
            resend=payload.validated_data["resend"],
        )
        return message_response(request, message.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=ChangeDueDateSerializer, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="change-due-date", filter_backends=[])
    def change_due_date(self, request, pk=None):
        """Move the due date of an issued invoice, with a reason; the customer is notified."""
        invoice = self.get_object()
        payload = ChangeDueDateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.invoice_change_due_date(
            invoice=invoice,
            new_due_date=payload.validated_data["due_date"],
            reason=payload.validated_data["reason"],
            as_of=timezone.now(),
            by=_by(request),
        )
        return _invoice_response(request, invoice.pk)


class PaymentTermsFilter(ApiFilterSet):
    class Meta:
        model = PaymentTerms
        fields = {"active": ["exact"]}


class PaymentTermsViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment terms invoices may use (finance managers edit them in the admin)."""

    api_area = "invoicing"
    queryset = PaymentTerms.objects.order_by("name", "id")
    serializer_class = PaymentTermsSerializer
    filterset_class = PaymentTermsFilter
    filter_backends = [filters.DjangoFilterBackend]


class VatRateFilter(ApiFilterSet):
    valid_on = filters.DateFilter(method="filter_valid_on", help_text="Only rates in force on this date.")

    class Meta:
        model = VatRate
        fields = {"country": ["exact"], "category": ["exact"]}

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value).exclude(valid_to__lt=value)


class VatRateViewSet(viewsets.ReadOnlyModelViewSet):
    """VAT rates invoice lines may use, per category and validity (finance managers edit them in the admin)."""

    api_area = "invoicing"
    queryset = VatRate.objects.order_by("country", "category", "-rate", "valid_from", "id")
    serializer_class = VatRateSerializer
    filterset_class = VatRateFilter
    filter_backends = [filters.DjangoFilterBackend]
