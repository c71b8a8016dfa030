"""Serializers of the sepa API: mandates and batches, and what their actions accept."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from core.api.enums import NamedChoiceField, NamedEnumModelSerializer
from customers.models import Customer
from payments.models import Payment

from ..models import Batch, BatchItem, Mandate, MandateScheme

MONEY = {"max_digits": 14, "decimal_places": 2}


def _by(request):
    """The user a change is recorded for; an API key is no user (the event log names the key)."""
    return request.user if getattr(request.user, "pk", None) else None


class MandateSerializer(NamedEnumModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    amendment_pending = serializers.SerializerMethodField(
        help_text="A new reference or account the next collection tells the debtor's bank (AmdmntInd)."
    )

    class Meta:
        model = Mandate
        fields = [
            "id",
            "customer",
            "customer_number",
            "reference",
            "signed_on",
            "scheme",
            "recurring",
            "sequence_type",
            "debtor_name",
            "debtor_iban",
            "debtor_bic",
            "status",
            "status_changed_at",
            "status_reason",
            "last_collected_on",
            "used_up",
            "needs_attention",
            "attention_reason",
            "amendment_pending",
            "debtor_bank_changed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_amendment_pending(self, mandate: Mandate) -> bool:
        return bool(mandate.original_reference or mandate.original_debtor_iban or mandate.debtor_bank_changed)


class MandateCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    # Lengths and characters are the service's to check (one wording for API and admin).
    reference = serializers.CharField(max_length=200, help_text="Unique; at most 35 SEPA characters.")
    signed_on = serializers.DateField()
    scheme = NamedChoiceField(choices=MandateScheme.choices, default=MandateScheme.CORE, enum_name="MandateSchemeEnum")
    recurring = serializers.BooleanField(default=True, help_text="false: a mandate for one collection (OOFF).")
    debtor_name = serializers.CharField(max_length=200)
    debtor_iban = serializers.CharField(max_length=64)
    debtor_bic = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class MandateAmendSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=200, required=False)
    debtor_name = serializers.CharField(max_length=200, required=False)
    debtor_iban = serializers.CharField(max_length=64, required=False)
    debtor_bic = serializers.CharField(max_length=20, required=False, allow_blank=True)


class SepaReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BatchSerializer(NamedEnumModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "kind",
            "status",
            "schema",
            "scheme",
            "message_id",
            "requested_date",
            "currency",
            "total",
            "item_count",
            "checksum",
            "creditor_id",
            "created_at",
            "submitted_at",
            "confirmed_at",
            "cancelled_at",
            "cancel_reason",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, batch: Batch) -> str:
        request = self.context.get("request")
        path = f"/api/v1/sepa-batches/{batch.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class BatchItemSerializer(NamedEnumModelSerializer):
    class Meta:
        model = BatchItem
        fields = [
            "id",
            "status",
            "customer",
            "end_to_end_id",
            "payment_info_id",
            "amount",
            "currency",
            "remittance",
            "invoice",
            "mandate",
            "sequence_type",
            "source_payment",
            "refund",
            "counterparty_iban",
            "payment",
            "return_reason",
        ]
        read_only_fields = fields


class BatchDetailSerializer(BatchSerializer):
    items = BatchItemSerializer(many=True, read_only=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "items"]
        read_only_fields = fields


class CollectionCreateSerializer(serializers.Serializer):
    collection_date = serializers.DateField(help_text="A TARGET2 business day, at least one after today.")
    scheme = NamedChoiceField(choices=MandateScheme.choices, default=MandateScheme.CORE, enum_name="MandateSchemeEnum")
    customers = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="Only these customers' invoices (ids); all mandate customers when left out.",
    )


class RefundItemSerializer(serializers.Serializer):
    payment = serializers.PrimaryKeyRelatedField(queryset=Payment.objects.select_related("customer"))
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))


class RefundCreateSerializer(serializers.Serializer):
    execution_date = serializers.DateField()
    items = RefundItemSerializer(many=True, allow_empty=False)
