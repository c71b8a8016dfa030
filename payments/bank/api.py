"""The bank statement API: upload a statement file (the import runs in the background), follow
its import, and read the statements and their lines with their ranked matches.

Lines matching left to people (``?match_status=review``) are decided with
``POST /api/v1/bank-statement-lines/{id}/accept/`` (a suggestion, optionally split by hand),
``…/assign/`` (a customer; the payment stays unapplied) or ``…/ignore/`` (with a reason).

``POST /api/v1/bank-imports/`` (multipart, field ``file``; ``csv_mapping`` names a CSV preset)
answers 202 with the queued import; the same file again answers with the first import. Whether
the file is a statement at all is found out by the import, which then shows ``failed`` with the
parser's message and where in the file.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from customers.models import Customer
from invoicing.models import Invoice

from ..models import BankLineMatch, BankStatement, BankStatementImport, BankStatementLine
from .importing import csv_presets, statement_import_create, statement_max_bytes
from .matching import line_accept, line_assign_to_customer, line_ignore

MONEY = {"max_digits": 14, "decimal_places": 2}


def _by(request):
    return request.user if getattr(request.user, "pk", None) else None


# --- Serializers --------------------------------------------------------------------------------
class BankImportSerializer(NamedEnumModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BankStatementImport
        fields = [
            "id",
            "filename",
            "size",
            "sha256",
            "format",
            "status",
            "progress",
            "error",
            "error_location",
            "statement_count",
            "new_statement_count",
            "line_count",
            "new_line_count",
            "duplicate_count",
            "confirmed_count",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class BankImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The statement file: CAMT.053/052/054 XML, MT940 or CSV.")
    csv_mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="CSV files only: the name of a column mapping preset.",
    )
    account_iban = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=42,
        help_text="CSV files only: the IBAN of the account (CSV exports do not name it).",
    )

    def validate_file(self, value):
        if value.size > statement_max_bytes():
            raise serializers.ValidationError(
                f"The file is {value.size} bytes; at most {statement_max_bytes()} bytes can be imported."
            )
        if not value.size:
            raise serializers.ValidationError("The file is empty.")
        return value

    def validate_csv_mapping(self, value):
        if value and value not in csv_presets():
            raise serializers.ValidationError(f"Unknown CSV mapping {value!r}.")
        return value


class BankStatementSerializer(NamedEnumModelSerializer):
    class Meta:
        model = BankStatement
        fields = [
            "id",
            "statement_import",
            "account_iban",
            "statement_id",
            "kind",
            "format",
            "sequence",
            "created_at_bank",
            "from_date",
            "to_date",
            "currency",
            "opening_balance",
            "closing_balance",
            "balance_difference",
            "balance_warning",
            "line_count",
        ]
        read_only_fields = fields


class BankLineMatchSerializer(NamedEnumModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = BankLineMatch
        fields = [
            "id",
            "rank",
            "confidence",
            "explanation",
            "customer",
            "invoice",
            "invoice_number",
            "amount",
            "decision",
            "decided_at",
            "payment",
        ]
        read_only_fields = fields


class BankStatementLineSerializer(NamedEnumModelSerializer):
    matches = BankLineMatchSerializer(
        many=True, read_only=True, help_text="The ranked suggestions and the decisions taken (rank 0: by hand)."
    )

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "position",
            "amount",
            "currency",
            "credit",
            "booking_date",
            "value_date",
            "status",
            "reversal",
            "account_servicer_reference",
            "entry_reference",
            "batch_index",
            "batch_size",
            "end_to_end_id",
            "mandate_id",
            "creditor_id",
            "customer_reference",
            "structured_reference",
            "remittance",
            "counterparty_name",
            "counterparty_iban",
            "counterparty_bic",
            "bank_transaction_code",
            "return_reason",
            "charges",
            "additional_info",
            "match_status",
            "superseded_by",
            "matches",
        ]
        read_only_fields = fields


class LineAcceptAmountSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))


class LineAcceptSerializer(serializers.Serializer):
    match = serializers.PrimaryKeyRelatedField(
        queryset=BankLineMatch.objects.all(), help_text="The suggestion accepted (one of the line's matches)."
    )
    amounts = LineAcceptAmountSerializer(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: as suggested. Otherwise how the line's money is split over the customer's invoices.",
    )

    def __init__(self, *args, line: BankStatementLine | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line

    def validate_match(self, value):
        if self.line is not None and value.line_id != self.line.pk:
            raise serializers.ValidationError("This suggestion belongs to another statement line.")
        return value


class LineAssignSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())


class LineIgnoreSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the line is no customer's payment.")


# --- Filters ------------------------------------------------------------------------------------
class BankImportFilter(ApiFilterSet):
    class Meta:
        model = BankStatementImport
        fields = {"status": ["exact"]}


class BankStatementFilter(ApiFilterSet):
    class Meta:
        model = BankStatement
        fields = {
            "account_iban": ["exact"],
            "kind": ["exact"],
            "statement_import": ["exact"],
            "to_date": ["gte", "lte"],
        }


class BankStatementLineFilter(ApiFilterSet):
    superseded = filters.BooleanFilter(
        field_name="superseded_by", lookup_expr="isnull", exclude=True, help_text="true: only confirmed report lines."
    )

    class Meta:
        model = BankStatementLine
        fields = {
            "statement": ["exact"],
            "credit": ["exact"],
            "match_status": ["exact", "in"],
            "status": ["exact"],
            "booking_date": ["gte", "lte"],
        }


# --- Views --------------------------------------------------------------------------------------
class BankImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploaded statement files and the state of their import."""

    api_area = "payments"
    queryset = BankStatementImport.objects.select_related("created_by")
    serializer_class = BankImportSerializer
    filterset_class = BankImportFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": BankImportUploadSerializer}, responses={202: BankImportSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Upload a statement file; it is imported in the background (poll the import for its state)."""
        payload = BankImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        try:
            statement_import = statement_import_create(
                data=upload.read(),
                filename=upload.name,
                as_of=timezone.now(),
                by=_by(request),
                csv_mapping=payload.validated_data["csv_mapping"] or None,
                account_iban=payload.validated_data["account_iban"],
            )
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from exc
        statement_import = self.get_queryset().get(pk=statement_import.pk)
        return Response(
            BankImportSerializer(statement_import, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={
                "Location": request.build_absolute_uri(reverse("v1:bank-import-detail", args=[statement_import.pk]))
            },
        )


class BankStatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported statements, intraday reports and notifications, with their balance warnings."""

    api_area = "payments"
    queryset = BankStatement.objects.all()
    serializer_class = BankStatementSerializer
    filterset_class = BankStatementFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["to_date", "id"]
    ordering = ["-to_date", "-id"]


def bank_line_queryset():
    return BankStatementLine.objects.prefetch_related(
        Prefetch("matches", queryset=BankLineMatch.objects.select_related("invoice").order_by("rank", "id"))
    )


class BankStatementLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The movements of imported statements with their ranked matches (filter
    ``?statement=&credit=&match_status=``; ``match_status=review``: the lines left to people)."""

    api_area = "payments"
    queryset = bank_line_queryset()
    serializer_class = BankStatementLineSerializer
    filterset_class = BankStatementLineFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["booking_date", "value_date", "amount", "id"]
    ordering = ["statement", "position", "id"]

    def _line_response(self, request, line_id: int) -> Response:
        line = bank_line_queryset().get(pk=line_id)
        return Response(BankStatementLineSerializer(line, context={"request": request}).data)

    @extend_schema(request=LineAcceptSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[])
    def accept(self, request, pk=None):
        """Accept one of the line's suggestions: the line is recorded as the customer's payment and
        applied as suggested, or split as ``amounts`` says; the other suggestions are rejected."""
        line = self.get_object()
        payload = LineAcceptSerializer(data=request.data, line=line)
        payload.is_valid(raise_exception=True)
        amounts = payload.validated_data["amounts"]
        line_accept(
            match=payload.validated_data["match"],
            as_of=timezone.now(),
            by=_by(request),
            amounts=None if amounts is None else [dict(row) for row in amounts],
        )
        return self._line_response(request, line.pk)

    @extend_schema(request=LineAssignSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="assign", filter_backends=[])
    def assign(self, request, pk=None):
        """The payer is known but not what for: the line is recorded as the customer's payment, unapplied."""
        line = self.get_object()
        payload = LineAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        line_assign_to_customer(
            line=line, customer=payload.validated_data["customer"], as_of=timezone.now(), by=_by(request)
        )
        return self._line_response(request, line.pk)

    @extend_schema(request=LineIgnoreSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="ignore", filter_backends=[])
    def ignore(self, request, pk=None):
        """The line is no customer's payment (a refund from a supplier, a transfer between own accounts …)."""
        line = self.get_object()
        payload = LineIgnoreSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        line_ignore(line=line, as_of=timezone.now(), by=_by(request), reason=payload.validated_data["reason"])
        return self._line_response(request, line.pk)
