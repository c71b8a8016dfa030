"""Serializers of the customers API: customers, contacts, bank accounts, verification, history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer

from .. import services
from ..models import (
    BankAccount,
    CheckOutcome,
    Contact,
    Customer,
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
    VerificationStatus,
)
from ..selectors import (
    latest_run_of,
)

CHECK_OUTCOMES = tuple(CheckOutcome.values)


def _by(request):
    """The user a change is recorded for; an API key is no user (its writes are recorded without one)."""
    return request.user if getattr(request.user, "pk", None) else None


# Choice sets that several fields share; any other is named <Model><Field>Enum.
SHARED_ENUM_NAMES.update(
    {
        "customers.Customer.billing_country": "CountryCodeEnum",
        "customers.Customer.shipping_country": "CountryCodeEnum",
        "customers.Customer.language": "LanguageCodeEnum",
        "customers.Contact.language": "LanguageCodeEnum",
        "customers.Customer.verification_status": "CustomerVerificationStatusEnum",
        "customers.VerificationRun.outcome": "CustomerVerificationStatusEnum",
    }
)


# --- Serializers: contacts and bank accounts --------------------------------------------------
class ContactSerializer(NamedEnumModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "role", "email", "phone", "language", "receives_invoices", "receives_reminders"]
        read_only_fields = fields


class ContactInputSerializer(NamedEnumModelSerializer):
    """A contact as a client sends it; e-mail and phone are checked and normalised by the service."""

    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Any format; stored as E.164."
    )

    class Meta:
        model = Contact
        fields = list(services.CONTACT_FIELDS)


class BankAccountSerializer(NamedEnumModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "iban", "bic", "account_holder", "bank_name", "is_active"]
        read_only_fields = fields


class BankAccountInputSerializer(NamedEnumModelSerializer):
    """A bank account as a client sends it; IBAN and BIC are checked by the service (the bank name is derived)."""

    iban = serializers.CharField(max_length=64, help_text="With or without spaces; stored compact.")
    bic = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Derived from the IBAN when left out."
    )

    class Meta:
        model = BankAccount
        fields = list(services.BANK_ACCOUNT_FIELDS)


# --- Serializers: verification ----------------------------------------------------------------
class VerificationCheckSerializer(NamedEnumModelSerializer):
    class Meta:
        model = VerificationCheck
        fields = ["id", "code", "subject", "outcome", "message", "details"]
        read_only_fields = fields


class VerificationRunSerializer(NamedEnumModelSerializer):
    run_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    checks = VerificationCheckSerializer(many=True, read_only=True)

    class Meta:
        model = VerificationRun
        fields = ["id", "customer", "trigger", "run_by", "run_at", "outcome", "checks"]
        read_only_fields = fields


class CheckCountsSerializer(serializers.Serializer):
    passed = serializers.IntegerField()
    warning = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()


class CheckMessagesSerializer(serializers.Serializer):
    failed = serializers.ListField(child=serializers.CharField())
    warning = serializers.ListField(child=serializers.CharField())
    pending = serializers.ListField(child=serializers.CharField())


class VerificationSummarySerializer(serializers.Serializer):
    """The latest verification run in brief: its outcome, checks counted per outcome, what needs a look."""

    id = serializers.IntegerField()
    trigger = NamedChoiceField(choices=VerificationRun.Trigger.choices, enum_name="VerificationRunTriggerEnum")
    run_at = serializers.DateTimeField()
    outcome = NamedChoiceField(choices=VerificationStatus.choices, enum_name="CustomerVerificationStatusEnum")
    counts = CheckCountsSerializer()
    messages = CheckMessagesSerializer()


def verification_summary(run: VerificationRun | None) -> dict | None:
    if run is None:
        return None
    checks = list(run.checks.all())  # prefetched, ordered by id
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "run_at": run.run_at,
        "outcome": run.outcome,
        "counts": {outcome: sum(1 for c in checks if c.outcome == outcome) for outcome in CHECK_OUTCOMES},
        "messages": {
            outcome: [c.message for c in checks if c.outcome == outcome]
            for outcome in (CheckOutcome.FAILED, CheckOutcome.WARNING, CheckOutcome.PENDING)
        },
    }


class VatIdConfirmationSerializer(NamedEnumModelSerializer):
    class Meta:
        model = VatIdConfirmation
        fields = [
            "id",
            "check_row",
            "service",
            "vat_id",
            "requested_at",
            "result",
            "request_identifier",
            "answer_date",
            "trader_name",
            "trader_address",
            "matches",
            "message",
        ]
        read_only_fields = fields


# --- Serializers: customers -------------------------------------------------------------------
class CustomerSerializer(NamedEnumModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    bank_accounts = BankAccountSerializer(many=True, read_only=True)
    latest_verification = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "number",
            *services.CUSTOMER_FIELDS,
            "verification_status",
            "last_verified_at",
            "latest_verification",
            "contacts",
            "bank_accounts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(VerificationSummarySerializer(allow_null=True))
    def get_latest_verification(self, customer) -> dict | None:
        return verification_summary(latest_run_of(customer))


class CustomerInputSerializer(NamedEnumModelSerializer):
    """Customer fields as a client sends them; the service checks and normalises them."""

    vat_id = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="EU VAT ID; spaces and dots are removed."
    )
    leitweg_id = serializers.CharField(max_length=60, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217 code, e.g. EUR.")

    class Meta:
        model = Customer
        fields = list(services.CUSTOMER_FIELDS)


class CustomerCreateSerializer(CustomerInputSerializer):
    """A new customer, optionally with contacts and bank accounts (all saved, or nothing)."""

    contacts = ContactInputSerializer(many=True, required=False)
    bank_accounts = BankAccountInputSerializer(many=True, required=False)

    class Meta(CustomerInputSerializer.Meta):
        fields = [*services.CUSTOMER_FIELDS, "contacts", "bank_accounts"]


class DuplicateDismissSerializer(serializers.Serializer):
    other = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), help_text="The customer this one is not a duplicate of."
    )
    reason = serializers.CharField(max_length=255, allow_blank=True)


class DuplicateDismissalSerializer(NamedEnumModelSerializer):
    dismissed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = DuplicateDismissal
        fields = ["id", "first", "second", "reason", "dismissed_by", "dismissed_at"]
        read_only_fields = fields


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    model = NamedChoiceField(choices=["customer", "contact", "bank_account"], enum_name="HistoryModelEnum")
    object_id = serializers.IntegerField()
    action = NamedChoiceField(choices=["created", "changed", "deleted"], enum_name="HistoryActionEnum")
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True, help_text="User name; null for the system or an API key.")
    changes = FieldChangeSerializer(many=True)
