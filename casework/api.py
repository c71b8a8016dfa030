"""The casework API: promises to pay and disputes (list, filter, create, decide).

Thin: validate the shape, call ``casework.services``, render. Bad input answers 400 naming the
field (the services' ``ValidationError``); a state conflict (cancelling a decided promise, a second
open dispute, resolving a resolved one) answers 409 (``PromiseConflict``, ``DisputeConflict``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from customers.models import Contact, Customer
from invoicing.models import Invoice, InvoiceLine

from .models import Dispute, DisputeReason, DisputeStatus, PaymentPromise, PromiseChannel, PromiseInvoice
from .services import (
    DisputeConflict,
    PromiseConflict,
    dispute_open,
    dispute_resolve,
    dispute_resolve_with_credit_note,
    promise_cancel,
    promise_take,
)

register_problem(PromiseConflict, status_code=status.HTTP_409_CONFLICT, type_slug=PromiseConflict.type_slug)
register_problem(DisputeConflict, status_code=status.HTTP_409_CONFLICT, type_slug=DisputeConflict.type_slug)


def _user(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None


# --- Promises to pay ------------------------------------------------------------------------------


class PaymentPromiseSerializer(NamedEnumModelSerializer):
    invoices = serializers.SerializerMethodField(help_text="Ids of the invoices the promise covers.")
    taken_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = PaymentPromise
        fields = [
            "id",
            "customer",
            "invoices",
            "amount",
            "currency",
            "promised_date",
            "grace_days",
            "grace_until",
            "channel",
            "contact",
            "note",
            "status",
            "amount_received",
            "taken_at",
            "taken_by",
            "evaluated_at",
            "cancel_reason",
        ]
        read_only_fields = fields

    def get_invoices(self, obj) -> list[int]:
        return [link.invoice_id for link in obj.covered.all()]


class PromiseTakeSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    invoices = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        help_text="Ids of the customer's issued, open invoices (one currency) the promise covers.",
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Above zero; at most what is open.")
    promised_date = serializers.DateField(help_text="Today or later.")
    channel = serializers.ChoiceField(choices=PromiseChannel.choices)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    grace_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=60, help_text="Empty: DEBITOR_PROMISE_GRACE_DAYS."
    )


class PromiseCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the promise is withdrawn.")


class PaymentPromiseFilter(ApiFilterSet):
    invoice = filters.ModelChoiceFilter(
        field_name="covered__invoice",
        queryset=Invoice.objects.all(),
        help_text="The id of an invoice; an id that does not exist answers 400 naming this parameter.",
    )

    class Meta:
        model = PaymentPromise
        fields = {"status": ["exact", "in"], "customer": ["exact"], "promised_date": ["lte", "gte"]}


class PaymentPromiseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Promises to pay: taken by a person, kept or broken by the money and the calendar."""

    api_area = "tasks"
    queryset = PaymentPromise.objects.all()
    serializer_class = PaymentPromiseSerializer
    filterset_class = PaymentPromiseFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["taken_at", "promised_date", "amount", "id"]
    ordering = ["-taken_at", "-id"]

    def get_queryset(self):
        return PaymentPromise.objects.select_related("taken_by").prefetch_related(
            Prefetch("covered", queryset=PromiseInvoice.objects.order_by("invoice_id"))
        )

    @extend_schema(request=PromiseTakeSerializer, responses={201: PaymentPromiseSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a promise: ``amount`` towards ``invoices`` by ``promised_date``. 400 naming the
        field for invoices of another customer, not open or under another open promise, an amount
        above what is open, a date in the past."""
        payload = PromiseTakeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        promise = promise_take(as_of=timezone.now(), by=_user(request), **data)
        return Response(self._render(promise), status=status.HTTP_201_CREATED)

    @extend_schema(request=PromiseCancelSerializer, responses={200: PaymentPromiseSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdraw an open promise (409 when it is already kept, broken or cancelled)."""
        promise = self.get_object()
        payload = PromiseCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        promise_cancel(
            promise=promise, as_of=timezone.now(), reason=payload.validated_data["reason"], by=_user(request)
        )
        return Response(self._render(promise))

    def _render(self, promise):
        return PaymentPromiseSerializer(self.get_queryset().get(pk=promise.pk)).data


# --- Disputes -------------------------------------------------------------------------------------


class DisputeSerializer(NamedEnumModelSerializer):
    lines = serializers.SerializerMethodField(help_text="Ids of the disputed invoice lines; empty: the whole invoice.")
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "invoice",
            "customer",
            "lines",
            "amount",
            "currency",
            "reason",
            "description",
            "status",
            "opened_at",
            "opened_by",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "credit_note",
        ]
        read_only_fields = fields

    def get_lines(self, obj) -> list[int]:
        return [line.pk for line in obj.lines.all()]


class DisputeOpenSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    reason = serializers.ChoiceField(choices=DisputeReason.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    lines = serializers.PrimaryKeyRelatedField(queryset=InvoiceLine.objects.all(), many=True, required=False)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Empty: the gross of the lines, else of the invoice (less earlier credit notes).",
    )


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeCreditSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="Empty: the disputed amount."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DisputeFilter(ApiFilterSet):
    class Meta:
        model = Dispute
        fields = {"status": ["exact", "in"], "customer": ["exact"], "invoice": ["exact"], "reason": ["exact"]}


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disputes about issued invoices: opened, resolved for us, withdrawn, or credited."""

    api_area = "tasks"
    queryset = Dispute.objects.all()
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["opened_at", "amount", "id"]
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        return Dispute.objects.select_related("opened_by", "resolved_by").prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk"))
        )

    @extend_schema(request=DisputeOpenSerializer, responses={201: DisputeSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Open a dispute on an issued invoice (409 when one is open already)."""
        payload = DisputeOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute = dispute_open(as_of=timezone.now(), by=_user(request), **payload.validated_data)
        return Response(self._render(dispute), status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeResolveSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """End an open dispute: resolved in our favour, or withdrawn (409 when it is not open)."""
        dispute = self.get_object()
        payload = DisputeResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute_resolve(dispute=dispute, as_of=timezone.now(), by=_user(request), **payload.validated_data)
        return Response(self._render(dispute))

    @extend_schema(request=DisputeCreditSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"], url_path="resolve-with-credit-note")
    def resolve_with_credit_note(self, request, pk=None):
        """End an open dispute with a credit note, issued at once (409 when it is not open)."""
        dispute = self.get_object()
        payload = DisputeCreditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dispute_resolve_with_credit_note(
            dispute=dispute, as_of=timezone.now(), by=_user(request), **payload.validated_data
        )
        return Response(self._render(dispute))

    def _render(self, dispute):
        return DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data
