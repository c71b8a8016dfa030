"""The ledger's API (issue 19): waiving open items, bad-debt write-offs and their reversal, and
the decision on a payer's designation (§ 367 (2) BGB). Finance managers write; every role reads."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.enums import NamedEnumModelSerializer
from core.api.idempotency import idempotent
from core.roles import Role
from invoicing.models import Invoice

from .. import services
from ..models import (
    BadDebtReason,
    BadDebtReversal,
    BadDebtWriteOff,
    DesignatedOrder,
    OpenItem,
    Payment,
    PaymentDesignation,
    Waiver,
)
from .serializers import POSITIVE, AllocatedItemSerializer, VatCorrectionSerializer, _by


def _call(service, **kwargs):
    """Run a service; its refusal of whoever is no finance manager (an API key is nobody) is
    access (403), not input."""
    try:
        return service(as_of=timezone.now(), **kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict") and "by" in exc.error_dict:
            raise PermissionDenied(" ".join(exc.message_dict["by"])) from None
        raise


# --- Waivers -------------------------------------------------------------------------------------


class WaiveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the rest of the item is not collected.")


class WaiverSerializer(serializers.ModelSerializer):
    item = AllocatedItemSerializer(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Waiver
        fields = ["id", "item", "amount", "reason", "bad_debt", "created_at", "created_by"]
        read_only_fields = fields


class OpenItemViewSet(viewsets.GenericViewSet):
    """Fee and interest items (a customer's are listed under ``customers/{id}/open-items/``)."""

    api_area = "payments"
    write_roles = {"waive": Role.FINANCE_MANAGER}
    queryset = OpenItem.objects.all()
    serializer_class = AllocatedItemSerializer
    filter_backends = []

    @extend_schema(request=WaiveInputSerializer, responses={201: WaiverSerializer})
    @idempotent
    @action(detail=True, methods=["post"], url_path="waive", filter_backends=[])
    def waive(self, request, pk=None):
        """Waive what is still open of the item (what was paid stays paid). Finance managers only."""
        item = self.get_object()
        payload = WaiveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        waiver = _call(services.open_item_waive, item=item, by=_by(request), **payload.validated_data)
        waiver = Waiver.objects.select_related("item", "created_by").get(pk=waiver.pk)
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


# --- Bad-debt write-offs ---------------------------------------------------------------------------


class BadDebtReversalSerializer(serializers.ModelSerializer):
    vat_split = VatCorrectionSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = BadDebtReversal
        fields = ["id", "amount", "vat_split", "payment", "reason", "created_at", "created_by"]
        read_only_fields = fields


class BadDebtWriteOffSerializer(NamedEnumModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    vat_split = VatCorrectionSerializer(many=True, read_only=True)
    reversals = BadDebtReversalSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = BadDebtWriteOff
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "customer",
            "reason",
            "note",
            "amount",
            "currency",
            "vat_split",
            "reversed_amount",
            "has_evidence",
            "evidence_sha256",
            "reversals",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence_name)


class BadDebtInputSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    reason = serializers.ChoiceField(choices=BadDebtReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence = serializers.FileField(required=False, allow_null=True, default=None, help_text="PDF or image, ≤ 10 MB.")


class BadDebtReverseSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**POSITIVE, help_text='As a string: "50.00"; at most what is still written off.')
    reason = serializers.CharField(max_length=255, help_text="How the money arrived.")
    payment = serializers.PrimaryKeyRelatedField(
        queryset=Payment.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The payment that brought the money; that much of it is allocated to the invoice.",
    )


class BadDebtWriteOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices written off as uncollectible with the VAT corrected per rate (§ 17 (2) Nr. 1 UStG),
    and reinstated when money arrives later."""

    api_area = "payments"
    write_roles = {"create": Role.FINANCE_MANAGER, "reverse": Role.FINANCE_MANAGER}
    queryset = BadDebtWriteOff.objects.select_related("invoice", "created_by").prefetch_related("reversals__created_by")
    serializer_class = BadDebtWriteOffSerializer
    filter_backends = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-created_at", "-id")
        customer = self.request.query_params.get("customer")
        if customer and customer.isdigit():
            queryset = queryset.filter(customer_id=int(customer))
        return queryset

    def _response(self, pk: int, code=status.HTTP_200_OK) -> Response:
        return Response(BadDebtWriteOffSerializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(request=BadDebtInputSerializer, responses={201: BadDebtWriteOffSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Write off an issued invoice's whole open amount (its fees and interest waived with it)."""
        payload = BadDebtInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = _call(services.bad_debt_write_off, by=_by(request), **payload.validated_data)
        return self._response(record.pk, status.HTTP_201_CREATED)

    @extend_schema(request=BadDebtReverseSerializer, responses=BadDebtWriteOffSerializer)
    @action(detail=True, methods=["post"], url_path="reverse", filter_backends=[])
    def reverse(self, request, pk=None):
        """Money arrived: reinstate this much of the write-off (VAT included), and allocate it from
        the payment when one is named."""
        record = self.get_object()
        payload = BadDebtReverseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(services.bad_debt_write_off_reverse, write_off=record, by=_by(request), **payload.validated_data)
        return self._response(record.pk)


# --- A payer's designation (§ 367 (2) BGB) -----------------------------------------------------------


class PaymentDesignationSerializer(NamedEnumModelSerializer):
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    invoices = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PaymentDesignation
        fields = [
            "id",
            "payment",
            "order",
            "source",
            "matched_text",
            "invoices",
            "status",
            "reason",
            "created_at",
            "decided_at",
            "decided_by",
        ]
        read_only_fields = fields


class DesignationInputSerializer(serializers.Serializer):
    payment = serializers.PrimaryKeyRelatedField(queryset=Payment.objects.all())
    order = serializers.ChoiceField(choices=DesignatedOrder.choices)
    invoices = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), many=True, required=False, default=[])


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the payment is refused.")


class PaymentDesignationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders of application a payer designated (remittance or recorded by a person), and the
    decision on them: accept (applied as designated) or refuse the payment (it becomes credit)."""

    api_area = "payments"
    write_roles = {"create": Role.FINANCE_MANAGER, "accept": Role.FINANCE_MANAGER, "refuse": Role.FINANCE_MANAGER}
    queryset = PaymentDesignation.objects.select_related("decided_by").prefetch_related("invoices")
    serializer_class = PaymentDesignationSerializer
    filter_backends = []

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-created_at", "-id")
        wanted = self.request.query_params.get("status")
        return queryset.filter(status=wanted) if wanted else queryset

    def _response(self, pk: int, code=status.HTTP_200_OK) -> Response:
        return Response(PaymentDesignationSerializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(request=DesignationInputSerializer, responses={201: PaymentDesignationSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record the order a payer designated by letter or call (the payment must be unallocated)."""
        payload = DesignationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = _call(services.payment_designation_record, by=_by(request), **payload.validated_data)
        return self._response(record.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PaymentDesignationSerializer)
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[])
    def accept(self, request, pk=None):
        """Accept the payer's order: the payment is applied as designated."""
        _call(services.payment_designation_accept, designation=self.get_object(), by=_by(request))
        return self._response(int(pk))

    @extend_schema(request=RefuseSerializer, responses=PaymentDesignationSerializer)
    @action(detail=True, methods=["post"], url_path="refuse", filter_backends=[])
    def refuse(self, request, pk=None):
        """Refuse the payment (§ 367 (2) BGB): its money becomes customer credit to pay back."""
        designation = self.get_object()
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(services.payment_designation_refuse, designation=designation, by=_by(request), **payload.validated_data)
        return self._response(designation.pk)
