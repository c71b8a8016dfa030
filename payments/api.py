"""The payments REST API: payments, their allocations, credit, refunds and returns; write-offs of
small differences (finance managers); a customer's balance, open items and account statement; the
live feed of payment events.

Thin: serializers check types and shapes, the services (``payments.services``) hold every rule
and every write, selectors (``payments.selectors``) the non-trivial reads. A service's refusal is
a Django ``ValidationError`` with field errors, answered as a 400 problem with JSON pointers.
Amounts are strings (``"119.00"``), never floats.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.roles import Role
from customers.models import Customer
from invoicing.models import Invoice

from . import services
from .models import Allocation, OpenItem, Payment, PaymentChannel, PaymentEvent, PaymentStatus, Refund, WriteOff
from .selectors import customer_balance, customer_open_items, recent_payment_events
from .statement import account_statement_pdf, balance_rows, open_item_rows, statement_filename

SHARED_ENUM_NAMES.update(
    {
        "payments.Payment.channel": "PaymentChannelEnum",
        "payments.Refund.channel": "PaymentChannelEnum",
        "payments.Payment.status": "PaymentStatusEnum",
    }
)

MONEY = {"max_digits": 14, "decimal_places": 2}
POSITIVE = {**MONEY, "min_value": Decimal("0.01")}
PART_FIELDS = ["allocated_amount", "credit_amount", "refunded_amount", "returned_amount", "unapplied_amount"]


def _by(request):
    """The user a change is recorded for; an API key is no user (its writes are recorded without one)."""
    return request.user if getattr(request.user, "pk", None) else None


# --- Output -----------------------------------------------------------------------------------
class PaymentCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "number", "legal_name"]
        read_only_fields = fields


class AllocatedInvoiceSerializer(NamedEnumModelSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "number", "document_type", "currency", "open_amount", "settlement_state"]
        read_only_fields = fields


class AllocatedItemSerializer(NamedEnumModelSerializer):
    class Meta:
        model = OpenItem
        fields = ["id", "kind", "description", "currency", "amount", "open_amount", "due_date"]
        read_only_fields = fields


class AllocationSerializer(NamedEnumModelSerializer):
    invoice = AllocatedInvoiceSerializer(read_only=True, allow_null=True)
    item = AllocatedItemSerializer(read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reversed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    active = serializers.SerializerMethodField(help_text="Not reversed.")

    class Meta:
        model = Allocation
        fields = [
            "id",
            "payment",
            "credit_note",
            "invoice",
            "item",
            "amount",
            "currency",
            "rule",
            "explanation",
            "created_by",
            "created_at",
            "active",
            "reversed_at",
            "reversed_by",
            "reversal_reason",
        ]
        read_only_fields = fields

    def get_active(self, allocation) -> bool:
        return allocation.reversed_at is None


class RefundSerializer(NamedEnumModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "channel", "reference", "created_by", "created_at"]
        read_only_fields = fields


class WriteOffSerializer(serializers.ModelSerializer):
    """A write-off with the invoice as it stands afterwards (its open amount and settlement state)."""

    invoice = AllocatedInvoiceSerializer(read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WriteOff
        fields = ["id", "invoice", "payment", "amount", "reason", "created_at", "created_by"]
        read_only_fields = fields


class PaymentEventSerializer(NamedEnumModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PaymentEvent
        fields = ["id", "kind", "at", "by", "from_state", "to_state", "reason", "data"]
        read_only_fields = fields


class PaymentSerializer(NamedEnumModelSerializer):
    """A payment and its parts: ``amount = allocated + credit + refunded + returned + unapplied``."""

    customer = PaymentCustomerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "customer",
            "channel",
            "status",
            "source",
            "amount",
            "currency",
            "value_date",
            "payer_name",
            "payer_iban",
            "remittance",
            "external_id",
            *PART_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PaymentDetailSerializer(PaymentSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    events = PaymentEventSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "allocations", "refunds", "events"]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------
class PaymentCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, required=False, help_text="Empty while the payer is unknown."
    )
    channel = NamedChoiceField(choices=PaymentChannel.choices, enum_name="PaymentChannelEnum")
    status = NamedChoiceField(
        choices=[
            (PaymentStatus.COMPLETED, PaymentStatus.COMPLETED.label),
            (PaymentStatus.PENDING, PaymentStatus.PENDING.label),
        ],
        enum_name="PaymentCreateStatusEnum",
        default=PaymentStatus.COMPLETED,
        help_text="completed (money received) or pending (announced).",
    )
    amount = serializers.DecimalField(**POSITIVE, help_text='Positive, as a string: "119.00".')
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, help_text="ISO 4217 code, e.g. EUR; the customer's (else EUR) when left out."
    )
    value_date = serializers.DateField()
    payer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    payer_iban = serializers.CharField(max_length=34, required=False, allow_blank=True, default="")
    remittance = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Bank reference or provider id."
    )
    allocate = serializers.BooleanField(
        default=True,
        help_text="Apply it right away: to the invoices the remittance names, the rest by § 366 (2), § 367 BGB.",
    )


class AllocationTargetSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), required=False)
    item = serializers.PrimaryKeyRelatedField(queryset=OpenItem.objects.all(), required=False)
    amount = serializers.DecimalField(**POSITIVE)

    def validate(self, attrs):
        if ("invoice" in attrs) == ("item" in attrs):
            raise serializers.ValidationError({"invoice": ["Give either an invoice or an open item."]})
        return attrs


class AllocateSerializer(serializers.Serializer):
    targets = AllocationTargetSerializer(many=True, allow_empty=False)
    explanation = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    from_credit = serializers.BooleanField(
        default=False, help_text="Apply the customer credit kept from this payment instead of its unapplied money."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class CreditSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **POSITIVE, required=False, allow_null=True, default=None, help_text="Left out: all that is unapplied."
    )


class RefundInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**POSITIVE)
    channel = NamedChoiceField(choices=PaymentChannel.choices, enum_name="PaymentChannelEnum")
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    return_code = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="", help_text="e.g. SEPA AC04, MD06."
    )


class CompleteSerializer(serializers.Serializer):
    allocate = serializers.BooleanField(default=True, help_text="Apply it at once (payer designation, then the law).")


class AssignSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    allocate = serializers.BooleanField(default=True, help_text="Apply it at once (payer designation, then the law).")


class WriteOffInputSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(
        **POSITIVE, help_text='As a string: "0.42"; at most the tolerance and the invoice\'s open amount.'
    )
    reason = serializers.CharField(max_length=255, help_text="Why the difference is not collected.")
    payment = serializers.PrimaryKeyRelatedField(
        queryset=Payment.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The payment that left the difference (the write-off is recorded on it).",
    )


def _targets(rows) -> list[dict]:
    return [{key: value for key, value in row.items() if key in ("invoice", "item", "amount")} for row in rows]


# --- Filtering --------------------------------------------------------------------------------
class PaymentFilter(ApiFilterSet):
    unapplied = filters.BooleanFilter(
        method="filter_unapplied", help_text="true: only payments with money not yet applied (or kept as credit)."
    )

    class Meta:
        model = Payment
        fields = {
            "channel": ["exact", "in"],
            "status": ["exact", "in"],
            "source": ["exact"],
            "customer": ["exact"],
            "currency": ["exact"],
            "value_date": ["gte", "lte"],
        }

    def filter_unapplied(self, queryset, name, value):
        return queryset.filter(unapplied_amount__gt=0) if value else queryset.filter(unapplied_amount=0)


def payment_detail_queryset():
    return Payment.objects.select_related("customer").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("invoice", "item", "created_by", "reversed_by").order_by(
                "created_at", "id"
            ),
        ),
        Prefetch("refunds", queryset=Refund.objects.select_related("created_by").order_by("created_at", "id")),
        Prefetch("events", queryset=PaymentEvent.objects.select_related("by").order_by("at", "id")),
    )


# --- Feed -------------------------------------------------------------------------------------
class FeedInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    settlement_state = serializers.CharField()
    open_amount = serializers.DecimalField(**MONEY)


class FeedEventSerializer(serializers.Serializer):
    """A payment event as the live feed shows it."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    at = serializers.DateTimeField()
    payment = serializers.DictField()
    customer = serializers.DictField(allow_null=True)
    invoices = FeedInvoiceSerializer(many=True)


class FeedSerializer(serializers.Serializer):
    events = FeedEventSerializer(many=True)
    last_id = serializers.IntegerField(allow_null=True, help_text="Pass as ?since= on the next poll.")


def feed_since(request) -> int | None:
    value = request.query_params.get("since") if hasattr(request, "query_params") else request.GET.get("since")
    if value in (None, ""):
        return None
    try:
        since = int(value)
    except (TypeError, ValueError):
        raise ApiValidationError({"since": ["An event id (a whole number)."]}) from None
    if since < 0 or since > 2**63 - 1:
        raise ApiValidationError({"since": ["An event id (a whole number)."]})
    return since


def feed_rows(*, since: int | None, limit: int = 50) -> list[dict]:
    """The feed's rows, newest first: events after ``since`` with payment, customer and invoices.

    A constant number of queries however many events (see payments.selectors).
    """
    rows = []
    events = list(recent_payment_events(since=since, limit=limit))
    # Whatever the selector joined already is not fetched again; what it did not is fetched once.
    prefetch_related_objects(events, "payment__customer")
    prefetch_related_objects(
        [event.payment for event in events],
        Prefetch(
            "allocations",
            queryset=Allocation.objects.filter(reversed_at__isnull=True, invoice__isnull=False)
            .select_related("invoice")
            .order_by("id"),
            to_attr="feed_allocations",
        ),
    )
    for event in events:
        payment = event.payment
        customer = payment.customer
        invoices = {}
        for allocation in payment.feed_allocations:
            invoice = allocation.invoice
            if invoice is not None and invoice.pk not in invoices:
                invoices[invoice.pk] = {
                    "id": invoice.pk,
                    "number": invoice.number,
                    "settlement_state": invoice.settlement_state,
                    "settlement_label": str(invoice.get_settlement_state_display()),
                    "open_amount": invoice.open_amount,
                }
        rows.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "kind_label": str(event.get_kind_display()),
                "at": event.at,
                "payment": {
                    "id": payment.pk,
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                    "status": payment.status,
                    "channel": payment.channel,
                    "value_date": payment.value_date.isoformat(),
                    "unapplied_amount": str(payment.unapplied_amount),
                    "credit_amount": str(payment.credit_amount),
                    "payer_name": payment.payer_name,
                },
                "customer": (
                    {"id": customer.pk, "number": customer.number, "legal_name": customer.legal_name}
                    if customer
                    else None
                ),
                "invoices": list(invoices.values()),
            }
        )
    return rows


# --- Views ------------------------------------------------------------------------------------
def _payment_response(request, payment_id: int, *, status_code=status.HTTP_200_OK, **kwargs) -> Response:
    payment = payment_detail_queryset().get(pk=payment_id)
    return Response(PaymentDetailSerializer(payment, context={"request": request}).data, status=status_code, **kwargs)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Payments received (or announced), their allocations, credit, refunds and returns."""

    api_area = "payments"
    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["value_date", "amount", "unapplied_amount", "created_at", "id"]
    ordering = ["-value_date", "-id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return payment_detail_queryset()
        if self.action == "list":
            return Payment.objects.select_related("customer")
        return Payment.objects.all()

    def get_serializer_class(self):
        return PaymentSerializer if self.action == "list" else PaymentDetailSerializer

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentDetailSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a payment; with ``allocate`` (default) it is applied at once: to what the remittance
        names, then by law (§ 366 (2), § 367 BGB). What is left stays unapplied."""
        payload = PaymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = data.get("customer")
        data.setdefault("currency", customer.currency if customer else "EUR")
        payment = services.payment_record(as_of=timezone.now(), by=_by(request), **data)
        return _payment_response(
            request,
            payment.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(reverse("v1:payment-detail", args=[payment.pk]))},
        )

    @extend_schema(request=AllocateSerializer, responses={201: PaymentDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], url_path="allocations", filter_backends=[])
    def allocations(self, request, pk=None):
        """Apply the payment's unapplied money to invoices or open items, all or nothing."""
        payment = self.get_object()
        payload = AllocateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["from_credit"]:
            services.credit_apply(
                payment=payment, targets=_targets(data["targets"]), as_of=timezone.now(), by=_by(request)
            )
        else:
            services.payment_allocate(
                payment=payment,
                targets=_targets(data["targets"]),
                as_of=timezone.now(),
                by=_by(request),
                explanation=data["explanation"],
            )
        return _payment_response(request, payment.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=CreditSerializer, responses=PaymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="credit", filter_backends=[])
    def credit(self, request, pk=None):
        """Keep unapplied money as the customer's credit (to apply later or refund)."""
        payment = self.get_object()
        payload = CreditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_keep_as_credit(
            payment=payment, as_of=timezone.now(), by=_by(request), amount=payload.validated_data["amount"]
        )
        return _payment_response(request, payment.pk)

    @extend_schema(request=RefundInputSerializer, responses={201: PaymentDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], url_path="refund", filter_backends=[])
    def refund(self, request, pk=None):
        """Pay back customer credit from this payment."""
        payment = self.get_object()
        payload = RefundInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_refund(payment=payment, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _payment_response(request, payment.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnSerializer, responses=PaymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_payment(self, request, pk=None):
        """The payment came back (e.g. a direct-debit return): its allocations are reversed and the
        items reopen."""
        payment = self.get_object()
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_return(payment=payment, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _payment_response(request, payment.pk)

    @extend_schema(request=CompleteSerializer, responses=PaymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="complete", filter_backends=[])
    def complete(self, request, pk=None):
        """A pending payment has arrived: it becomes completed and is applied."""
        payment = self.get_object()
        payload = CompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_complete(payment=payment, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _payment_response(request, payment.pk)

    @extend_schema(request=ReasonSerializer, responses=PaymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="fail", filter_backends=[])
    def fail(self, request, pk=None):
        """A pending payment did not arrive (declined, refused before settlement)."""
        payment = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_fail(payment=payment, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _payment_response(request, payment.pk)

    @extend_schema(request=AssignSerializer, responses=PaymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="assign", filter_backends=[])
    def assign(self, request, pk=None):
        """Money from an unknown payer belongs to this customer: assign (and apply) it."""
        payment = self.get_object()
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_assign_customer(
            payment=payment, as_of=timezone.now(), by=_by(request), **payload.validated_data
        )
        return _payment_response(request, payment.pk)

    @extend_schema(
        parameters=[OpenApiParameter("since", int, description="Only events after this event id.")],
        responses=FeedSerializer,
    )
    @action(detail=False, methods=["get"], url_path="feed", filter_backends=[], pagination_class=None)
    def feed(self, request):
        """New payment events (newest first) with payment, customer and invoices; poll with ``?since=``."""
        since = feed_since(request)
        rows = feed_rows(since=since)
        last_id = max((row["id"] for row in rows), default=since)
        return Response(FeedSerializer({"events": rows, "last_id": last_id}).data)


class AllocationViewSet(viewsets.GenericViewSet):
    """Allocations are undone by reversal, never deleted."""

    api_area = "payments"
    queryset = Allocation.objects.all()
    serializer_class = AllocationSerializer
    filter_backends = []

    @extend_schema(request=ReasonSerializer, responses=AllocationSerializer)
    @action(detail=True, methods=["post"], url_path="reverse", filter_backends=[])
    def reverse(self, request, pk=None):
        """Undo an allocation: the money goes back to the payment (or credit), the target reopens."""
        allocation = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.allocation_reverse(
            allocation=allocation, as_of=timezone.now(), by=_by(request), reason=payload.validated_data["reason"]
        )
        allocation = Allocation.objects.select_related("invoice", "item", "created_by", "reversed_by").get(
            pk=allocation.pk
        )
        return Response(AllocationSerializer(allocation).data)


class WriteOffViewSet(viewsets.GenericViewSet):
    """Small remaining differences settled by a finance manager, with reason."""

    api_area = "payments"
    write_roles = {"create": Role.FINANCE_MANAGER}
    queryset = WriteOff.objects.all()
    serializer_class = WriteOffSerializer
    filter_backends = []

    @extend_schema(request=WriteOffInputSerializer, responses={201: WriteOffSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Write off a small remaining difference on an issued invoice: up to the tolerance
        (``DEBITOR_WRITE_OFF_TOLERANCE``) and never above the open amount. Finance managers only."""
        payload = WriteOffInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            record = services.write_off(as_of=timezone.now(), by=_by(request), **payload.validated_data)
        except DjangoValidationError as exc:
            # The service refuses whoever is no finance manager (an API key is nobody): access, not input.
            if hasattr(exc, "error_dict") and "by" in exc.error_dict:
                raise PermissionDenied(" ".join(exc.message_dict["by"])) from None
            raise
        record = WriteOff.objects.select_related("invoice", "created_by").get(pk=record.pk)
        return Response(WriteOffSerializer(record).data, status=status.HTTP_201_CREATED)


# --- A customer's account ---------------------------------------------------------------------
class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    open_receivables = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)
    unapplied = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY, help_text="What the customer owes (negative: we owe them).")


class OpenItemRowSerializer(serializers.Serializer):
    """An open item of the customer's account (an invoice, a fee or interest) or a credit the customer
    holds (a credit note's credit, a payment kept as credit or not yet applied)."""

    kind = serializers.CharField(
        help_text="invoice, dunning_fee, return_fee, other_cost, default_interest; credits: credit_note, "
        "payment_credit, unapplied_payment."
    )
    id = serializers.IntegerField(help_text="Of the invoice, open item or payment.")
    number = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(**MONEY)
    open_amount = serializers.DecimalField(**MONEY, help_text="Open (for credits: what is left of the credit).")
    days_overdue = serializers.IntegerField()
    aging = serializers.ChoiceField(
        choices=["current", "1_30", "31_60", "61_90", "over_90"], allow_null=True, help_text="null for credits."
    )
    is_credit = serializers.BooleanField()
    settlement_state = serializers.CharField(allow_blank=True)


class CustomerAccountView(APIView):
    api_area = "payments"

    def customer(self, customer_pk) -> Customer:
        return get_object_or_404(Customer, pk=customer_pk)


class CustomerBalanceView(CustomerAccountView):
    @extend_schema(responses=BalanceSerializer(many=True))
    def get(self, request, customer_pk):
        """The customer's balance per currency: open receivables, credit, unapplied money."""
        rows = balance_rows(customer_balance(customer=self.customer(customer_pk)))
        return Response(BalanceSerializer(rows, many=True).data)


class CustomerOpenItemsView(CustomerAccountView):
    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Days overdue as of (default today).")],
        responses=OpenItemRowSerializer(many=True),
    )
    def get(self, request, customer_pk):
        """The customer's open items (oldest due first) and credits."""
        customer = self.customer(customer_pk)
        as_of = _date_param(request, "as_of") or timezone.localdate()
        rows = open_item_rows(customer_open_items(customer=customer, as_of=as_of), as_of=as_of)
        return Response(OpenItemRowSerializer(rows, many=True).data)


class CustomerStatementView(CustomerAccountView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="Period start (default: 1st of this month)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Period end (default: today)."),
            OpenApiParameter("language", str, enum=["de", "en"], description="Default: the customer's."),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, customer_pk):
        """The customer's account statement as a PDF: open items with aging, payments and credits of
        the period, balance."""
        customer = self.customer(customer_pk)
        today = timezone.localdate()
        period_end = _date_param(request, "to") or today
        period_start = _date_param(request, "from") or period_end.replace(day=1)
        if period_start > period_end:
            raise ApiValidationError({"from": ["The period starts after it ends."]})
        language = request.query_params.get("language") or None
        if language not in (None, "de", "en"):
            raise ApiValidationError({"language": ["de or en."]})
        pdf = account_statement_pdf(
            customer=customer, period_start=period_start, period_end=period_end, as_of=timezone.now(), language=language
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(customer, period_end)}"'
        return response


def _date_param(request, name: str) -> date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return forms.DateField().clean(value)
    except forms.ValidationError:
        raise ApiValidationError({name: ["A date, e.g. 2026-11-30."]}) from None
