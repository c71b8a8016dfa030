"""Customers and their contacts, bank accounts, verification runs and VAT ID confirmations: filters and view sets."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.roles import Role

from .. import services
from ..models import (
    BankAccount,
    Contact,
    Customer,
    VatIdConfirmation,
    VerificationRun,
)
from ..selectors import (
    customer_history,
    customer_queryset,
    customer_search,
    vat_confirmations_of,
    verification_runs_of,
)
from .serializers import (
    BankAccountInputSerializer,
    BankAccountSerializer,
    ContactInputSerializer,
    ContactSerializer,
    CustomerCreateSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    DuplicateDismissalSerializer,
    DuplicateDismissSerializer,
    HistoryEntrySerializer,
    VatIdConfirmationSerializer,
    VerificationRunSerializer,
    _by,
)


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
        # then known to be in range (never a bigint overflow in the filter).
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
