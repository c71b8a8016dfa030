"""Invoices, payment terms and VAT rates: filters and view sets; the 409 problems of documents."""

from __future__ import annotations

import base64

from django import forms
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communications.api import OutboxMessageDetailSerializer, message_response
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from customers.models import PaymentTerms

from .. import services
from ..models import (
    DocumentType,
    Invoice,
    InvoiceDocument,
    VatRate,
)
from ..selectors import (
    invoice_detail_queryset,
    invoice_list_queryset,
    invoice_overdue,
    invoice_search,
)
from ..services.documents import (
    DocumentsNotReady,
    invoice_document_get,
    invoice_document_read,
    invoice_documents_recheck,
)
from ..services.drafts import DocumentNotEditable, DocumentStateConflict
from ..services.sending import invoice_send
from .serializers import (
    ChangeDueDateSerializer,
    CreditNoteSerializer,
    InvoiceDetailSerializer,
    InvoiceDraftCreateSerializer,
    InvoiceDraftSerializer,
    InvoiceSerializer,
    IssueSerializer,
    PaymentTermsSerializer,
    SendSerializer,
    VatRateSerializer,
    _by,
)

register_problem(DocumentNotEditable, status_code=status.HTTP_409_CONFLICT, type_slug="document-not-editable")
register_problem(DocumentStateConflict, status_code=status.HTTP_409_CONFLICT, type_slug="document-state-conflict")
register_problem(DocumentsNotReady, status_code=status.HTTP_409_CONFLICT, type_slug="documents-not-ready")


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
    (drafts come first when newest first)."""

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
    @idempotent  # a retry must get the first answer, not 400 "already due" (above @action, see send)
    @action(detail=True, methods=["post"], url_path="change-due-date", filter_backends=[])
    def change_due_date(self, request, pk=None):
        """Move the due date of an issued invoice, with a reason; the customer is notified.

        With ``Idempotency-Key`` a retried request replays the first answer."""
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
