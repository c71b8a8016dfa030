"""A customer's account: balance, open items and the account statement (JSON or PDF)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.languages import is_language, language_codes
from customers.models import Customer

from ..selectors import customer_balance, customer_open_items
from ..statement import account_statement_pdf, balance_rows, open_item_rows, statement_filename
from .serializers import MONEY

# The schema is built once, from settings.LANGUAGES as it is at import.
LANGUAGE_CODES = list(language_codes())


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
            OpenApiParameter("language", str, enum=LANGUAGE_CODES, description="Default: the customer's."),
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
        if language is not None and not is_language(language):
            raise ApiValidationError({"language": [f"One of: {', '.join(language_codes())}."]})
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
