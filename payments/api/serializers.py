"""Serializers of the payments API: what a payment looks like, and what the actions accept."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer
from customers.models import Customer
from invoicing.models import Invoice

from ..models import (
    Allocation,
    OpenItem,
    Payment,
    PaymentChannel,
    PaymentEvent,
    PaymentStatus,
    Refund,
    SettlementDiscount,
    WriteOff,
)

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


class VatCorrectionSerializer(serializers.Serializer):
    vat_category = serializers.CharField(allow_blank=True, help_text="VAT category code (UNCL 5305), e.g. S.")
    vat_rate = serializers.DecimalField(**MONEY, allow_null=True, help_text="VAT rate in percent.")
    gross = serializers.DecimalField(**MONEY, allow_null=True, help_text="The discount's part at this rate.")
    net = serializers.DecimalField(**MONEY, help_text="The discount's net part at this rate.")
    vat = serializers.DecimalField(**MONEY, help_text="The VAT corrected at this rate (§ 17 (1) UStG).")


class SettlementDiscountSerializer(serializers.ModelSerializer):
    """Skonto taken with an allocation: the discount (gross) that settled the rest of the invoice
    and the VAT correction per rate."""

    vat_split = VatCorrectionSerializer(many=True, read_only=True)

    class Meta:
        model = SettlementDiscount
        fields = ["percent", "amount", "vat_split", "reversed_at"]
        read_only_fields = fields


class AllocationSerializer(NamedEnumModelSerializer):
    invoice = AllocatedInvoiceSerializer(read_only=True, allow_null=True)
    item = AllocatedItemSerializer(read_only=True, allow_null=True)
    discount = serializers.SerializerMethodField(
        help_text="The early payment discount (Skonto) this allocation settled the invoice with; null: none."
    )
    explanation = serializers.CharField(
        source="explanation_text",
        read_only=True,
        help_text="Why the money went here (for the § 366/367 BGB rule: which criterion decided this step), "
        "in the request's language, and what a person noted.",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reversed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
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
            "discount",
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

    @extend_schema_field(SettlementDiscountSerializer(allow_null=True))
    def get_discount(self, allocation) -> dict | None:
        # The reverse one-to-one raises when there is none; the querysets select it with the allocation.
        discount = getattr(allocation, "discount", None)
        return SettlementDiscountSerializer(discount).data if discount is not None else None


class RefundSerializer(NamedEnumModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "channel", "reference", "created_by", "created_at"]
        read_only_fields = fields


class WriteOffSerializer(serializers.ModelSerializer):
    """A write-off with the invoice as it stands afterwards (its open amount and settlement state)."""

    invoice = AllocatedInvoiceSerializer(read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = WriteOff
        fields = ["id", "invoice", "payment", "amount", "reason", "created_at", "created_by"]
        read_only_fields = fields


class PaymentEventSerializer(NamedEnumModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
