"""The providers API: payment links ("pay now" for invoices) and card payments (read)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from customers.models import Customer
from invoicing.models import Invoice

from .adapters import adapter_configured
from .models import CheckoutSession, ProviderDispute, ProviderPayment, ProviderRefund
from .services import checkout_session_start


class ProviderNotConfigured(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _lazy("No payment provider is configured (STRIPE_SECRET_KEY).")
    default_code = "provider_not_configured"


# --- Payment links --------------------------------------------------------------------------


class PaymentLinkInputSerializer(serializers.Serializer):
    invoices = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        help_text="Ids of the invoices to pay (issued, one customer, one currency, something open).",
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        help_text="The customer the invoices must belong to; default: the customer of the first invoice.",
    )
    success_url = serializers.URLField(required=False, help_text="Where the payer returns after paying.")
    cancel_url = serializers.URLField(required=False, help_text="Where the payer returns after cancelling.")


class PaymentLinkSerializer(serializers.ModelSerializer):
    invoices = serializers.SerializerMethodField()

    class Meta:
        model = CheckoutSession
        fields = ["id", "url", "expires_at", "amount", "currency", "invoices"]
        read_only_fields = fields

    def get_invoices(self, obj) -> list[str]:
        return [item.invoice.number for item in obj.items.all()]


class PaymentLinkViewSet(viewsets.GenericViewSet):
    """A "pay now" page at the payment provider for the open amount of invoices (no surcharge)."""

    api_area = "payments"
    queryset = CheckoutSession.objects.all()
    serializer_class = PaymentLinkSerializer
    filter_backends = []

    @extend_schema(request=PaymentLinkInputSerializer, responses={201: PaymentLinkSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a checkout for the invoices' open amount; send the payer to ``url`` before
        ``expires_at``. Refused (400 naming the field) for invoices of another customer, not
        issued, paid already or in several currencies; 409 when no provider is configured."""
        payload = PaymentLinkInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not adapter_configured():
            raise ProviderNotConfigured()
        customer = data.get("customer")
        if customer is None:
            first = Invoice.objects.filter(pk=data["invoices"][0]).select_related("customer").first()
            if first is None:
                raise DjangoValidationError(
                    {"invoices": [_("There is no invoice %(pk)s.") % {"pk": data["invoices"][0]}]}
                )
            customer = first.customer
        urls = {}
        for field, default in (
            ("success_url", settings.STRIPE_CHECKOUT_SUCCESS_URL),
            ("cancel_url", settings.STRIPE_CHECKOUT_CANCEL_URL),
        ):
            urls[field] = data.get(field) or default
            if not urls[field]:
                raise DjangoValidationError({field: [_("Give the address the payer returns to.")]})
        session = checkout_session_start(customer=customer, invoices=data["invoices"], as_of=timezone.now(), **urls)
        session = CheckoutSession.objects.prefetch_related("items__invoice").get(pk=session.pk)
        return Response(PaymentLinkSerializer(session).data, status=status.HTTP_201_CREATED)


# --- Card payments --------------------------------------------------------------------------


class ProviderCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "number", "legal_name"]
        read_only_fields = fields


class ProviderRefundSerializer(NamedEnumModelSerializer):
    class Meta:
        model = ProviderRefund
        fields = ["id", "refund_id", "amount", "currency", "status", "reason", "booked_refund", "created_at"]
        read_only_fields = fields


class ProviderDisputeSerializer(NamedEnumModelSerializer):
    class Meta:
        model = ProviderDispute
        fields = ["id", "dispute_id", "amount", "currency", "reason", "status", "reinstated_payment", "created_at"]
        read_only_fields = fields


class ProviderPaymentSerializer(NamedEnumModelSerializer):
    customer = ProviderCustomerSerializer(read_only=True)

    class Meta:
        model = ProviderPayment
        fields = [
            "id",
            "provider",
            "payment_intent_id",
            "status",
            "customer",
            "payment",
            "checkout",
            "amount",
            "currency",
            "card_brand",
            "card_last4",
            "fee_amount",
            "fee_currency",
            "net_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProviderPaymentDetailSerializer(ProviderPaymentSerializer):
    refunds = ProviderRefundSerializer(many=True, read_only=True)
    disputes = ProviderDisputeSerializer(many=True, read_only=True)

    class Meta(ProviderPaymentSerializer.Meta):
        fields = [*ProviderPaymentSerializer.Meta.fields, "failure_message", "refunds", "disputes"]
        read_only_fields = fields


class ProviderPaymentFilter(ApiFilterSet):
    class Meta:
        model = ProviderPayment
        fields = {"status": ["exact", "in"], "customer": ["exact"], "provider": ["exact"], "currency": ["exact"]}


class ProviderPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Card and online payments as the provider reported them, with refunds, disputes and fees."""

    api_area = "payments"
    queryset = ProviderPayment.objects.all()
    serializer_class = ProviderPaymentSerializer
    filterset_class = ProviderPaymentFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "amount", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        queryset = ProviderPayment.objects.select_related("customer")
        if self.action == "retrieve":
            return queryset.prefetch_related(
                Prefetch("refunds", queryset=ProviderRefund.objects.order_by("created_at", "id")),
                Prefetch("disputes", queryset=ProviderDispute.objects.order_by("created_at", "id")),
            )
        return queryset

    def get_serializer_class(self):
        return ProviderPaymentDetailSerializer if self.action == "retrieve" else ProviderPaymentSerializer
