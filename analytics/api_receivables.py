"""API of receivables, aging, DSO and CEI (analytics/kpis/receivables.py, turnover.py).

Every endpoint takes the scope's parameters (analytics/api_params.py); amounts are strings with
two decimals per currency and in EUR (``eur_missing``: some document had no EUR rate); days and
percentages are strings with one decimal, or null where the figure is not meaningful."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import MAX_PAGE_SIZE
from customers.models import Customer

from .api_params import SCOPE_PARAMETERS, page_envelope, scope_of, whole_number
from .kpis.receivables import (
    aging,
    aging_by_customer,
    buckets_check,
    configured_buckets,
    customer_open_items,
    receivables_summary,
    top_debtors,
)
from .kpis.turnover import cei, dso, monthly_series

MONEY = {"max_digits": 18, "decimal_places": 2}
DAYS = {"max_digits": 9, "decimal_places": 1, "allow_null": True}


class AmountsSerializer(serializers.Serializer):
    by_currency = serializers.DictField(
        child=serializers.DecimalField(**MONEY), help_text="Per ISO 4217 currency, in that currency."
    )
    eur = serializers.DecimalField(**MONEY, help_text="All currencies in EUR, each document at its stored rate.")
    eur_missing = serializers.BooleanField(help_text="True if a document without an EUR rate is left out of eur.")


class ReceivablesSerializer(serializers.Serializer):
    as_of = serializers.DateField(source="scope.as_of")
    open = AmountsSerializer(source="summary.open", help_text="Open invoices.")
    open_count = serializers.IntegerField(source="summary.open_count")
    overdue = AmountsSerializer(source="summary.overdue", help_text="Open invoices due before as_of.")
    overdue_count = serializers.IntegerField(source="summary.overdue_count")
    not_due = AmountsSerializer(source="summary.not_due")
    credits = AmountsSerializer(source="summary.credits", help_text="Credit notes' credit not yet used.")
    net = AmountsSerializer(source="summary.net", help_text="Open invoices less unused credit.")


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="not_due, 1-30, 31-60, …, over_180")
    label = serializers.CharField()
    low = serializers.IntegerField(allow_null=True, help_text="Days past due from (inclusive).")
    high = serializers.IntegerField(allow_null=True, help_text="Days past due to (inclusive); null: no bound.")
    amounts = AmountsSerializer()
    count = serializers.IntegerField()


class AgingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    buckets = BucketSerializer(many=True)
    total = AmountsSerializer(help_text="Open invoices.")
    credits = AmountsSerializer()
    net = AmountsSerializer()


class CustomerAgingSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    number = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    buckets = serializers.ListField(
        child=serializers.DecimalField(**MONEY), help_text="Per bucket, in the order of the response's buckets."
    )
    total = serializers.DecimalField(**MONEY, help_text="Open invoices less unused credit.")
    overdue = serializers.DecimalField(**MONEY)
    credits = serializers.DecimalField(**MONEY)
    oldest_days_past_due = serializers.IntegerField(allow_null=True)


class FrameSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class CustomerAgingPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    currency = serializers.CharField(help_text="The reporting currency: the currency parameter, or EUR.")
    buckets = FrameSerializer(many=True)
    results = CustomerAgingSerializer(many=True)


class OpenItemSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(source="invoice_id")
    number = serializers.CharField()
    document_type = serializers.CharField()
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(allow_null=True)
    days_past_due = serializers.IntegerField(allow_null=True, help_text="Negative: due in so many days.")
    currency = serializers.CharField()
    amount_due = serializers.DecimalField(**MONEY)
    open = serializers.DecimalField(source="open_at", **MONEY, help_text="Open at the end of as_of.")
    bucket = serializers.CharField(source="bucket_label")


class DsoSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    currency = serializers.CharField()
    receivables = serializers.DecimalField(**MONEY, help_text="Net receivables at the end of the period.")
    current_receivables = serializers.DecimalField(**MONEY, help_text="Of them not yet due.")
    credit_sales = serializers.DecimalField(**MONEY)
    standard = serializers.DecimalField(**DAYS, help_text="receivables ÷ credit sales × days")
    countback = serializers.DecimalField(**DAYS)
    best_possible = serializers.DecimalField(**DAYS, help_text="current receivables ÷ credit sales × days")
    average_days_delinquent = serializers.DecimalField(**DAYS, help_text="standard − best possible")


class CeiSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    opening = serializers.DecimalField(**MONEY)
    credit_sales = serializers.DecimalField(**MONEY)
    closing_total = serializers.DecimalField(**MONEY)
    closing_current = serializers.DecimalField(**MONEY)
    percent = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        allow_null=True,
        help_text="(opening + credit sales − closing total) ÷ (opening + credit sales − closing current) × 100",
    )


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    end = serializers.DateField()
    receivables = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    credit_sales = serializers.DecimalField(**MONEY)
    dso = serializers.DecimalField(**DAYS)
    cei = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


BUCKETS_PARAMETER = OpenApiParameter(
    "buckets", str, description="Upper bounds of the aging buckets in days, rising, e.g. 30,60,90,180 (the default)."
)


def buckets_of(request) -> tuple[int, ...]:
    raw = (request.query_params.get("buckets") or "").strip()
    if not raw:
        return configured_buckets()
    try:
        parts = [part.strip() for part in raw.split(",")]
        if len(parts) > 8 or not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
            raise ValueError("Whole numbers of days separated by commas, e.g. 30,60,90,180.")
        return buckets_check(int(p) for p in parts)
    except ValueError as error:
        raise ApiValidationError({"buckets": [str(error)]}) from None


class AnalyticsView(APIView):
    api_area = "analytics"


class ReceivablesView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=ReceivablesSerializer)
    def get(self, request):
        """Open, overdue, not due, unused credit and net receivables at the end of as_of."""
        scope = scope_of(request)
        return Response(ReceivablesSerializer({"scope": scope, "summary": receivables_summary(scope)}).data)


class AgingView(AnalyticsView):
    @extend_schema(parameters=[*SCOPE_PARAMETERS, BUCKETS_PARAMETER], responses=AgingSerializer)
    def get(self, request):
        """Open invoices per aging bucket (days past due at the end of as_of), per currency and in EUR."""
        scope = scope_of(request)
        return Response(AgingSerializer(aging(scope, buckets=buckets_of(request))).data)


ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    str,
    description="total, overdue, credits, oldest, name, number, country or b0 … bN (a bucket); - first for "
    "descending. Default -total.",
)


class CustomerAgingView(AnalyticsView):
    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            BUCKETS_PARAMETER,
            ORDERING_PARAMETER,
            OpenApiParameter("page", int, description="Page number (from 1)."),
            OpenApiParameter("page_size", int, description=f"Rows per page (default 50, at most {MAX_PAGE_SIZE})."),
        ],
        responses=CustomerAgingPageSerializer,
    )
    def get(self, request):
        """Aging per customer in the reporting currency, sorted and paged."""
        scope = scope_of(request)
        bounds = buckets_of(request)
        page = whole_number(request, "page", default=1, low=1, high=10**6)
        size = whole_number(request, "page_size", default=50, low=1, high=MAX_PAGE_SIZE)
        try:
            result = aging_by_customer(
                scope, buckets=bounds, order=request.query_params.get("ordering") or "-total",
                limit=size, offset=(page - 1) * size,
            )  # fmt: skip
        except ValueError as error:
            raise ApiValidationError({"ordering": [str(error)]}) from None
        data = {
            **page_envelope(request, page=page, size=size, count=result.count, shown=len(result.rows)),
            "currency": result.currency,
            "buckets": [{"key": key, "label": label} for key, label, _low, _high in result.frame],
            "results": result.rows,
        }
        return Response(CustomerAgingPageSerializer(data).data)


class CustomerOpenItemsView(AnalyticsView):
    @extend_schema(parameters=[*SCOPE_PARAMETERS, BUCKETS_PARAMETER], responses=OpenItemSerializer(many=True))
    def get(self, request, pk: int):
        """The customer's documents open at the end of as_of, the oldest due first."""
        scope = scope_of(request)
        if pk > 2**63 - 1 or not Customer.objects.filter(pk=pk).exists():
            raise NotFound("No customer with this id.")
        items = customer_open_items(scope, pk, buckets=buckets_of(request))
        return Response(OpenItemSerializer(items, many=True).data)


class TopDebtorsView(AnalyticsView):
    @extend_schema(
        parameters=[*SCOPE_PARAMETERS, OpenApiParameter("n", int, description="How many (1–100, default 10).")],
        responses=CustomerAgingSerializer(many=True),
    )
    def get(self, request):
        """The customers with the most receivables at the end of as_of (open − unused credit)."""
        scope = scope_of(request)
        n = whole_number(request, "n", default=10, low=1, high=100)
        return Response(CustomerAgingSerializer(top_debtors(scope, n=n), many=True).data)


class DsoView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=DsoSerializer)
    def get(self, request):
        """DSO (standard and countback), best possible DSO and average days delinquent of the period."""
        return Response(DsoSerializer(dso(scope_of(request))).data)


class CeiView(AnalyticsView):
    @extend_schema(parameters=SCOPE_PARAMETERS, responses=CeiSerializer)
    def get(self, request):
        """The collection effectiveness index of the period."""
        return Response(CeiSerializer(cei(scope_of(request))).data)


class MonthlyView(AnalyticsView):
    @extend_schema(
        parameters=[*SCOPE_PARAMETERS, OpenApiParameter("months", int, description="Months (1–36, default 12).")],
        responses=MonthSerializer(many=True),
    )
    def get(self, request):
        """Receivables, overdue, credit sales, DSO and CEI per month up to as_of's month, oldest first."""
        scope = scope_of(request)
        months = whole_number(request, "months", default=12, low=1, high=36)
        return Response(MonthSerializer(monthly_series(scope, months=months), many=True).data)


urlpatterns = [
    path("analytics/receivables/", ReceivablesView.as_view(), name="analytics-receivables"),
    path("analytics/aging/", AgingView.as_view(), name="analytics-aging"),
    path("analytics/aging/customers/", CustomerAgingView.as_view(), name="analytics-aging-customers"),
    path(
        "analytics/aging/customers/<int:pk>/",
        CustomerOpenItemsView.as_view(),
        name="analytics-aging-customer",
    ),
    path("analytics/top-debtors/", TopDebtorsView.as_view(), name="analytics-top-debtors"),
    path("analytics/dso/", DsoView.as_view(), name="analytics-dso"),
    path("analytics/cei/", CeiView.as_view(), name="analytics-cei"),
    path("analytics/monthly/", MonthlyView.as_view(), name="analytics-monthly"),
]
