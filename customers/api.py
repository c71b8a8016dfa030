"""The customers REST API: master data, contacts, bank accounts, verification, history.

Thin: serializers check types and shapes, services (customers.services) hold every rule
and every write, selectors (customers.selectors) every non-trivial read.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.enums import SHARED_ENUM_NAMES, NamedChoiceField, NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.roles import Role

from . import services
from .models import (
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
from .selectors import (
    customer_history,
    customer_queryset,
    customer_search,
    latest_run_of,
    vat_confirmations_of,
    verification_runs_of,
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
    run_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
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
    dismissed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

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


# --- Filtering and ordering -------------------------------------------------------------------
class CustomerFilter(ApiFilterSet):
    search = filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Part of the legal name, customer number, VAT ID, a contact's e-mail or an IBAN.",
    )

    class Meta:
        model = Customer
        fields = {
            "verification_status": ["exact", "in"],
            "billing_country": ["exact"],
            "kind": ["exact"],
            "account_owner": ["exact"],
            "dunning_blocked": ["exact"],
        }

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value)


class CustomerOrderingFilter(TieBreakOrderingFilter):
    nulls_smallest = frozenset({"last_verified_at"})  # never verified counts as the oldest


# --- Views ------------------------------------------------------------------------------------
def _customer_response(request, customer_id: int, *, status_code=status.HTTP_200_OK, **response_kwargs) -> Response:
    customer = customer_queryset().get(pk=customer_id)
    return Response(
        CustomerSerializer(customer, context={"request": request}).data, status=status_code, **response_kwargs
    )


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers (debtors): master data with contacts, bank accounts and their verification."""

    api_area = "customers"
    write_roles = {"destroy": Role.FINANCE_MANAGER, "dismiss_duplicate": Role.FINANCE_MANAGER}
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    filter_backends = [filters.DjangoFilterBackend, CustomerOrderingFilter]
    ordering_fields = ["number", "legal_name", "last_verified_at"]
    ordering = ["legal_name", "id"]

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return customer_queryset()
        return Customer.objects.all()

    @extend_schema(request=CustomerCreateSerializer, responses={201: CustomerSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a customer, optionally with contacts and bank accounts; its verification is queued."""
        payload = CustomerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        contacts = [dict(contact) for contact in data.pop("contacts", [])]
        bank_accounts = [dict(account) for account in data.pop("bank_accounts", [])]
        customer = services.customer_create(
            data=data, contacts=contacts, bank_accounts=bank_accounts, as_of=timezone.now(), by=_by(request)
        )
        location = request.build_absolute_uri(reverse("v1:customer-detail", args=[customer.pk]))
        return _customer_response(
            request, customer.pk, status_code=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(request=CustomerInputSerializer, responses=CustomerSerializer)
    def update(self, request, *args, **kwargs):
        """Change customer fields (contacts and bank accounts have their own endpoints)."""
        return self._update(request, partial=False)

    @extend_schema(request=CustomerInputSerializer, responses=CustomerSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change some customer fields."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        customer = self.get_object()
        payload = CustomerInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        services.customer_update(
            customer=customer, data=dict(payload.validated_data), as_of=timezone.now(), by=_by(request)
        )
        return _customer_response(request, customer.pk)

    def destroy(self, request, *args, **kwargs):
        """Delete a customer with its contacts and bank accounts (finance managers; the history stays)."""
        services.customer_delete(customer=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: VerificationRunSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], filter_backends=[])
    def verify(self, request, pk=None):
        """Run the verification checklist now; online VAT ID confirmations resolve their checks later."""
        run = services.customer_verify(
            customer=self.get_object(),
            trigger=VerificationRun.Trigger.MANUAL,
            as_of=timezone.now(),
            by=_by(request),
        )
        run = verification_runs_of(run.customer_id).get(pk=run.pk)
        location = request.build_absolute_uri(
            reverse("v1:customer-verification-detail", kwargs={"customer_pk": run.customer_id, "pk": run.pk})
        )
        return Response(
            VerificationRunSerializer(run).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(request=DuplicateDismissSerializer, responses={201: DuplicateDismissalSerializer})
    @idempotent
    @action(detail=True, methods=["post"], url_path="dismiss-duplicate", filter_backends=[])
    def dismiss_duplicate(self, request, pk=None):
        """Record that this customer and another are not duplicates (finance managers)."""
        customer = self.get_object()
        payload = DuplicateDismissSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dismissal = services.duplicate_dismiss(
            customer=customer,
            other=payload.validated_data["other"],
            reason=payload.validated_data["reason"],
            as_of=timezone.now(),
            by=_by(request),
        )
        return Response(DuplicateDismissalSerializer(dismissal).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Who changed what and when: the customer, its contacts and bank accounts (also deleted ones), newest first."""
        customer = self.get_object()
        page = self.paginate_queryset(customer_history(customer.pk))
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)


class CustomerChildViewSet(viewsets.GenericViewSet):
    """Objects that belong to one customer: ``/customers/{customer_pk}/...``; another customer's are 404."""

    api_area = "customers"
    filter_backends = []

    def get_customer(self) -> Customer:
        if not hasattr(self, "_customer"):
            self._customer = get_object_or_404(Customer.objects.all(), pk=self.kwargs["customer_pk"])
        return self._customer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return self.queryset.none()
        # The customer first: an unknown one is a 404 (not an empty list), and its id is
        # then known to be in range (SQLite cannot even compare a foreign key to 2**64).
        return self.customer_queryset(self.get_customer().pk)

    def customer_queryset(self, customer_id: int):
        return self.queryset.filter(customer_id=customer_id)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _location(self, request, name: str, pk: int) -> str:
        return request.build_absolute_uri(reverse(name, kwargs={"customer_pk": self.kwargs["customer_pk"], "pk": pk}))


class ContactViewSet(mixins.RetrieveModelMixin, CustomerChildViewSet):
    """A customer's contact persons."""

    queryset = Contact.objects.select_related("customer").order_by("name", "id")
    serializer_class = ContactSerializer

    @extend_schema(request=ContactInputSerializer, responses={201: ContactSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        customer = self.get_customer()
        payload = ContactInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contact = services.contact_create(
            customer=customer, data=dict(payload.validated_data), as_of=timezone.now(), by=_by(request)
        )
        return Response(
            ContactSerializer(contact).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": self._location(request, "v1:customer-contact-detail", contact.pk)},
        )

    @extend_schema(request=ContactInputSerializer, responses=ContactSerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(request=ContactInputSerializer, responses=ContactSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        contact = self.get_object()
        payload = ContactInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        contact = services.contact_update(
            contact=contact, data=dict(payload.validated_data), as_of=timezone.now(), by=_by(request)
        )
        return Response(ContactSerializer(contact).data)

    def destroy(self, request, *args, **kwargs):
        services.contact_delete(contact=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BankAccountViewSet(mixins.RetrieveModelMixin, CustomerChildViewSet):
    """A customer's bank accounts (for direct debits and for matching incoming payments)."""

    queryset = BankAccount.objects.select_related("customer").order_by("-is_active", "id")
    serializer_class = BankAccountSerializer

    @extend_schema(request=BankAccountInputSerializer, responses={201: BankAccountSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        customer = self.get_customer()
        payload = BankAccountInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        account = services.bank_account_create(
            customer=customer, data=dict(payload.validated_data), as_of=timezone.now(), by=_by(request)
        )
        return Response(
            BankAccountSerializer(account).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": self._location(request, "v1:customer-bank-account-detail", account.pk)},
        )

    @extend_schema(request=BankAccountInputSerializer, responses=BankAccountSerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(request=BankAccountInputSerializer, responses=BankAccountSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        account = self.get_object()
        payload = BankAccountInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        account = services.bank_account_update(
            account=account, data=dict(payload.validated_data), as_of=timezone.now(), by=_by(request)
        )
        return Response(BankAccountSerializer(account).data)

    def destroy(self, request, *args, **kwargs):
        services.bank_account_delete(account=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerificationRunViewSet(mixins.RetrieveModelMixin, CustomerChildViewSet):
    """A customer's verification runs with their checks, newest first."""

    queryset = VerificationRun.objects.all()
    serializer_class = VerificationRunSerializer

    def customer_queryset(self, customer_id: int):
        return verification_runs_of(customer_id)


class VatIdConfirmationViewSet(CustomerChildViewSet):
    """Stored proofs of online VAT ID confirmations (EU VIES, BZSt), newest first."""

    queryset = VatIdConfirmation.objects.all()
    serializer_class = VatIdConfirmationSerializer

    def customer_queryset(self, customer_id: int):
        return vat_confirmations_of(customer_id)
