"""Payments, allocations and write-offs: list, detail and the actions on them."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from core.roles import Role

from .. import services
from ..models import Allocation, Payment, PaymentEvent, Refund, WriteOff
from ..services.errors import PaymentAlreadyReturned, PaymentConflict, SuggestionStale
from .feed import FeedSerializer, feed_rows, feed_since
from .serializers import (
    AllocateSerializer,
    AllocationSerializer,
    AssignSerializer,
    CompleteSerializer,
    CreditSerializer,
    PaymentCreateSerializer,
    PaymentDetailSerializer,
    PaymentSerializer,
    ReasonSerializer,
    RefundInputSerializer,
    ReturnSerializer,
    WriteOffInputSerializer,
    WriteOffSerializer,
    _by,
    _targets,
)

# A conflict with the current state of the payment is a 409; the most specific class first (the
# problem handler takes the first registered class the exception is an instance of).
for _conflict in (PaymentAlreadyReturned, SuggestionStale, PaymentConflict):
    register_problem(_conflict, status_code=status.HTTP_409_CONFLICT, type_slug=_conflict.type_slug)


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
            queryset=Allocation.objects.select_related(
                "invoice", "item", "created_by", "reversed_by", "discount"
            ).order_by("created_at", "id"),
        ),
        Prefetch("refunds", queryset=Refund.objects.select_related("created_by").order_by("created_at", "id")),
        Prefetch("events", queryset=PaymentEvent.objects.select_related("by").order_by("at", "id")),
    )


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
        # Money from an unknown payer is recorded unassigned (README "Payments"): no customer.
        customer = data.setdefault("customer", None)
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
        allocation = Allocation.objects.select_related("invoice", "item", "created_by", "reversed_by", "discount").get(
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
