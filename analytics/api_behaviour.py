"""API of payment behaviour and collection KPIs (analytics/kpis/behaviour).

Every endpoint takes the scope's parameters (analytics/api_params.py); amounts are strings with
two decimals per currency and in EUR (``eur_missing``: some document had no EUR rate); days and
percentages are strings with one decimal, or null where there is nothing to average."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from core.api.pagination import MAX_PAGE_SIZE

from .api_params import SCOPE_PARAMETERS, page_envelope, scope_of, whole_number
from .api_receivables import AmountsSerializer, AnalyticsView
from .kpis import behaviour

MONEY = {"max_digits": 18, "decimal_places": 2}
DAYS = {"max_digits": 9, "decimal_places": 1, "allow_null": True}
MAX_MONTHS = 60
MONTHS_PARAMETER = OpenApiParameter(
    "months", int, description=f"Months ending with as_of's month (1–{MAX_MONTHS}, default 12)."
)


def months_of(request) -> int:
    return whole_number(request, "months", default=12, low=1, high=MAX_MONTHS)


class PaymentBehaviourSerializer(serializers.Serializer):
    days_to_pay = serializers.DecimalField(**DAYS, help_text="Σ amount × (value date − invoice date) ÷ Σ amount")
    days_beyond_terms = serializers.DecimalField(
        **DAYS, help_text="Σ amount × (value date − due date) ÷ Σ amount; negative: paid early"
    )
    paid_late_share = serializers.DecimalField(**DAYS, help_text="Percent of the amount paid after the due date.")
    collected = AmountsSerializer(help_text="Payments applied to invoices, by value date in the period.")
    allocation_count = serializers.IntegerField(help_text="Allocations of a payment to an invoice observed.")


class CustomerBehaviourSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    number = serializers.CharField()
    name = serializers.CharField()
    days_to_pay = serializers.DecimalField(**DAYS)
    days_beyond_terms = serializers.DecimalField(**DAYS)
    paid_late_share = serializers.DecimalField(**DAYS)
    collected = serializers.DecimalField(**MONEY, help_text="In the reporting currency.")
    payments = serializers.IntegerField()


class BehaviourPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    currency = serializers.CharField(help_text="The reporting currency: the currency parameter, or EUR.")
    results = CustomerBehaviourSerializer(many=True)


class BehaviourMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month.")
    days_to_pay = serializers.DecimalField(**DAYS)
    days_beyond_terms = serializers.DecimalField(**DAYS)
    paid_late_share = serializers.DecimalField(**DAYS)
    collected = AmountsSerializer()


class InvoicedCollectedSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month.")
    invoiced = AmountsSerializer(help_text="Invoices less credit notes by invoice date.")
    collected = AmountsSerializer(help_text="Payments applied to invoices by value date.")


class ChannelShareSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    amount = AmountsSerializer()
    count = serializers.IntegerField(help_text="Payments.")
    share = serializers.DecimalField(**DAYS, help_text="Percent of the total (EUR, or the currency parameter).")


class TransactionValuesSerializer(serializers.Serializer):
    currency = serializers.CharField()
    invoice_average = serializers.DecimalField(**MONEY, allow_null=True)
    invoice_count = serializers.IntegerField()
    payment_average = serializers.DecimalField(**MONEY, allow_null=True)
    payment_count = serializers.IntegerField()


class CountrySerializer(serializers.Serializer):
    country = serializers.CharField()
    name = serializers.CharField()
    open = AmountsSerializer(help_text="Open at the end of as_of; unused credit counts negative.")
    overdue = AmountsSerializer()
    days_beyond_terms = serializers.DecimalField(**DAYS, help_text="Of the period's payments.")


class LevelEffectSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    reminders = serializers.IntegerField(help_text="Reminders sent in the period at this level.")
    invoices = serializers.IntegerField(help_text="Invoices they reminded.")
    paid_after = serializers.IntegerField(help_text="Of them paid in full by as_of by a payment after the reminder.")
    share_paid = serializers.DecimalField(**DAYS)
    average_days_to_payment = serializers.DecimalField(**DAYS)


class DisputesSerializer(serializers.Serializer):
    open = AmountsSerializer(help_text="Disputed amount open at the end of as_of.")
    open_count = serializers.IntegerField()
    opened_in_period = serializers.IntegerField()
    resolved_in_period = serializers.IntegerField()


class WriteOffsSerializer(serializers.Serializer):
    small = AmountsSerializer(help_text="Small differences written off in the period.")
    bad_debt = AmountsSerializer(help_text="Bad debts written off in the period.")
    reinstated = AmountsSerializer(help_text="Bad debt reinstated in the period.")
    count = serializers.IntegerField()


class FeesInterestSerializer(serializers.Serializer):
    fees = AmountsSerializer(help_text="Fees collected (payments by value date in the period).")
    interest = AmountsSerializer(help_text="Default interest collected.")
    charged_fees = AmountsSerializer(help_text="Fees charged in the period.")
    charged_interest = AmountsSerializer(help_text="Default interest charged in the period.")


ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    str,
    description=f"{', '.join(behaviour.CUSTOMER_ORDERS)}; - first for descending. Default -days_beyond_terms.",
)


class PaymentBehaviourView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=PaymentBehaviourSerializer)
    def get(self, request):
        """Average days to pay, days beyond terms and the share paid late (amount-weighted) of the period."""
        return Response(PaymentBehaviourSerializer(behaviour.payment_behaviour(scope_of(request))).data)


class CustomerBehaviourView(AnalyticsView):
    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            ORDERING_PARAMETER,
            OpenApiParameter("page", int, description="Page number (from 1)."),
            OpenApiParameter("page_size", int, description=f"Rows per page (default 50, at most {MAX_PAGE_SIZE})."),
        ],
        responses=BehaviourPageSerializer,
    )
    def get(self, request):
        """Payment behaviour per customer who paid in the period, sorted and paged."""
        scope = scope_of(request)
        page = whole_number(request, "page", default=1, low=1, high=10**6)
        size = whole_number(request, "page_size", default=50, low=1, high=MAX_PAGE_SIZE)
        order = request.query_params.get("ordering") or "-days_beyond_terms"
        if order.removeprefix("-") not in behaviour.CUSTOMER_ORDERS:
            raise ApiValidationError({"ordering": [f"One of: {', '.join(behaviour.CUSTOMER_ORDERS)}."]})
        result = behaviour.payment_behaviour_by_customer(scope, order=order, limit=size, offset=(page - 1) * size)
        data = {
            **page_envelope(request, page=page, size=size, count=result.count, shown=len(result.rows)),
            "currency": result.currency,
            "results": result.rows,
        }
        return Response(BehaviourPageSerializer(data).data)


class BehaviourMonthlyView(AnalyticsView):
    @extend_schema(parameters=[*SCOPE_PARAMETERS, MONTHS_PARAMETER], responses=BehaviourMonthSerializer(many=True))
    def get(self, request):
        """Payment behaviour per month of value dates up to as_of's month, oldest first."""
        scope = scope_of(request)
        found = behaviour.payment_behaviour_monthly(scope, months=months_of(request))
        return Response(BehaviourMonthSerializer(found, many=True).data)


class InvoicedCollectedView(AnalyticsView):
    @extend_schema(parameters=[*SCOPE_PARAMETERS, MONTHS_PARAMETER], responses=InvoicedCollectedSerializer(many=True))
    def get(self, request):
        """Invoiced (less credit notes) and collected per month up to as_of's month, oldest first."""
        scope = scope_of(request)
        found = behaviour.invoiced_vs_collected(scope, months=months_of(request))
        return Response(InvoicedCollectedSerializer(found, many=True).data)


class ChannelMixView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=ChannelShareSerializer(many=True))
    def get(self, request):
        """What the period's payments paid on invoices, per payment channel, largest first."""
        return Response(ChannelShareSerializer(behaviour.channel_mix(scope_of(request)), many=True).data)


class TransactionValuesView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=TransactionValuesSerializer)
    def get(self, request):
        """Average invoice and payment of the period (EUR, or the currency parameter)."""
        return Response(TransactionValuesSerializer(behaviour.transaction_values(scope_of(request))).data)


class CountriesView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=CountrySerializer(many=True))
    def get(self, request):
        """Receivables and overdue at the end of as_of and days beyond terms, per billing country."""
        return Response(CountrySerializer(behaviour.by_country(scope_of(request)), many=True).data)


class DunningEffectivenessView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=LevelEffectSerializer(many=True))
    def get(self, request):
        """Per dunning level: reminders sent in the period and how many of their invoices were paid after."""
        return Response(LevelEffectSerializer(behaviour.dunning_effectiveness(scope_of(request)), many=True).data)


class DisputesView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=DisputesSerializer)
    def get(self, request):
        """Disputed amount open at the end of as_of; disputes opened and resolved in the period."""
        return Response(DisputesSerializer(behaviour.disputes(scope_of(request))).data)


class WriteOffsView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=WriteOffsSerializer)
    def get(self, request):
        """Small differences and bad debts written off, and bad debt reinstated, in the period."""
        return Response(WriteOffsSerializer(behaviour.write_offs(scope_of(request))).data)


class FeesInterestView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=FeesInterestSerializer)
    def get(self, request):
        """Fees and default interest collected and charged in the period."""
        return Response(FeesInterestSerializer(behaviour.fees_and_interest(scope_of(request))).data)


urlpatterns = [
    path("analytics/payment-behaviour/", PaymentBehaviourView.as_view(), name="analytics-payment-behaviour"),
    path(
        "analytics/payment-behaviour/customers/",
        CustomerBehaviourView.as_view(),
        name="analytics-payment-behaviour-customers",
    ),
    path(
        "analytics/payment-behaviour/monthly/",
        BehaviourMonthlyView.as_view(),
        name="analytics-payment-behaviour-monthly",
    ),
    path("analytics/invoiced-vs-collected/", InvoicedCollectedView.as_view(), name="analytics-invoiced-vs-collected"),
    path("analytics/channel-mix/", ChannelMixView.as_view(), name="analytics-channel-mix"),
    path("analytics/transaction-values/", TransactionValuesView.as_view(), name="analytics-transaction-values"),
    path("analytics/countries/", CountriesView.as_view(), name="analytics-countries"),
    path(
        "analytics/dunning-effectiveness/",
        DunningEffectivenessView.as_view(),
        name="analytics-dunning-effectiveness",
    ),
    path("analytics/disputes/", DisputesView.as_view(), name="analytics-disputes"),
    path("analytics/write-offs/", WriteOffsView.as_view(), name="analytics-write-offs"),
    path("analytics/fees-and-interest/", FeesInterestView.as_view(), name="analytics-fees-and-interest"),
]
