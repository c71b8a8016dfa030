"""API of the cash-in forecast and its backtest (analytics/kpis/forecast.py).

The scope's parameters as everywhere (analytics/api_params.py); ``weeks`` (1–26, default 13) and
for the backtest ``origins`` (1–24, default 12). Amounts are strings with two decimals per
currency and in EUR; ``method`` is the sentence, in the caller's language, saying how the figures
are computed."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .api_params import SCOPE_PARAMETERS, scope_of, whole_number
from .api_receivables import MONEY, AmountsSerializer, AnalyticsView
from .kpis.forecast import DEFAULT_ORIGINS, DEFAULT_WEEKS, cash_in_forecast, forecast_backtest

DAYS = {"max_digits": 9, "decimal_places": 1, "allow_null": True}
WEEKS_PARAMETER = OpenApiParameter("weeks", int, description=f"Weeks ahead (1–26, default {DEFAULT_WEEKS}).")
STALE_PARAMETER = OpenApiParameter(
    "stale_days",
    int,
    description="Optional: invoices expected more than so many days before as_of (0–3650) are not expected any "
    "more (stale) instead of in week 1.",
)
ORIGINS_PARAMETER = OpenApiParameter(
    "origins", int, description=f"Month ends to test the forecast from (1–24, default {DEFAULT_ORIGINS})."
)


class ForecastWeekSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1: the week holding the day after as_of.")
    label = serializers.CharField()
    start = serializers.DateField(help_text="Monday.")
    end = serializers.DateField(help_text="Sunday.")
    expected = AmountsSerializer()
    count = serializers.IntegerField(help_text="Invoices expected in the week.")


class ForecastSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    weeks = ForecastWeekSerializer(many=True)
    total = AmountsSerializer(help_text="Every open invoice: the weeks plus later.")
    overdue_in_first_week = AmountsSerializer(
        help_text="Part of week 1: invoices expected on or before as_of (later than their customer usually pays)."
    )
    later = AmountsSerializer(help_text="Expected after the last week.")
    later_count = serializers.IntegerField()
    stale = AmountsSerializer(help_text="With stale_days: open invoices not expected any more (not in the weeks).")
    stale_count = serializers.IntegerField()
    default_delay_days = serializers.DecimalField(
        **DAYS, help_text="The delay of customers without payments in the 365 days: the average of all customers."
    )
    method = serializers.CharField()


class HorizonSerializer(serializers.Serializer):
    week = serializers.IntegerField(help_text="Weeks after the origin (1: the week holding the day after it).")
    label = serializers.CharField()
    forecast_total = serializers.DecimalField(**MONEY, help_text="EUR, summed over the origins.")
    actual_total = serializers.DecimalField(**MONEY, help_text="EUR received, summed over the origins.")
    mean_absolute_error = serializers.DecimalField(**MONEY, help_text="Σ|forecast − actual| ÷ origins, EUR.")
    wape = serializers.DecimalField(
        **DAYS, help_text="Σ|forecast − actual| ÷ Σ actual × 100; null when nothing came in."
    )


class BacktestSerializer(serializers.Serializer):
    origins = serializers.ListField(child=serializers.DateField(), help_text="The month ends, oldest first.")
    weeks = serializers.IntegerField()
    currency = serializers.CharField()
    horizons = HorizonSerializer(many=True)
    wape = serializers.DecimalField(**DAYS, help_text="Over every week of every origin.")
    mean_absolute_error = serializers.DecimalField(**MONEY, allow_null=True)
    method = serializers.CharField()


def stale_days_of(request) -> int | None:
    if not (request.query_params.get("stale_days") or "").strip():
        return None
    return whole_number(request, "stale_days", default=0, low=0, high=3650)


class ForecastView(AnalyticsView):
    @extend_schema(parameters=[*SCOPE_PARAMETERS, WEEKS_PARAMETER, STALE_PARAMETER], responses=ForecastSerializer)
    def get(self, request):
        """Expected receipts per week: each open invoice on its due date plus its customer's usual delay."""
        scope = scope_of(request)
        weeks = whole_number(request, "weeks", default=DEFAULT_WEEKS, low=1, high=26)
        stale = stale_days_of(request)
        return Response(ForecastSerializer(cash_in_forecast(scope, weeks=weeks, stale_days=stale)).data)


class BacktestView(AnalyticsView):
    @extend_schema(
        parameters=[*SCOPE_PARAMETERS, WEEKS_PARAMETER, ORIGINS_PARAMETER, STALE_PARAMETER],
        responses=BacktestSerializer,
    )
    def get(self, request):
        """The forecast as of past month ends against the payments that followed: error per week."""
        scope = scope_of(request)
        weeks = whole_number(request, "weeks", default=DEFAULT_WEEKS, low=1, high=26)
        origins = whole_number(request, "origins", default=DEFAULT_ORIGINS, low=1, high=24)
        backtest = forecast_backtest(scope, origins=origins, weeks=weeks, stale_days=stale_days_of(request))
        return Response(BacktestSerializer(backtest).data)


urlpatterns = [
    path("analytics/forecast/", ForecastView.as_view(), name="analytics-forecast"),
    path("analytics/forecast/backtest/", BacktestView.as_view(), name="analytics-forecast-backtest"),
]
