"""API of limitation (§§ 195, 199 BGB): the claims about to become time-barred, and their export
for court dunning or a collection agency (``dunning.limitation``). Reads: every finance role."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .limitation import claims_expiring, claims_export_zip, warn_months

MAX_MONTHS = 120


class ClaimSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(source="invoice_id")
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    debtor = serializers.SerializerMethodField()
    invoice_date = serializers.DateField()
    due_date = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    principal = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Principal still open.")
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Default interest still open.")
    costs = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Fees and costs still open.")
    arose = serializers.DateField(help_text="The date whose year starts the period (due date, § 199 BGB).")
    acknowledged = serializers.DateField(allow_null=True, help_text="Last payment on the claim (§ 212 BGB).")
    barred_on = serializers.DateField(help_text="First day the claim is time-barred.")
    last_day = serializers.DateField(help_text="Last day to act.")

    def get_debtor(self, claim) -> str:
        return claim.buyer.get("name", "")


def _params(request) -> tuple[int, date]:
    errors = {}
    months = request.query_params.get("within_months") or str(warn_months())
    if not months.isdigit() or not 0 < int(months) <= MAX_MONTHS:
        errors["within_months"] = [f"A whole number of months from 1 to {MAX_MONTHS}."]
    as_of = timezone.localdate()
    if request.query_params.get("as_of"):
        try:
            as_of = date.fromisoformat(request.query_params["as_of"])
        except ValueError:
            errors["as_of"] = ["A date, e.g. 2026-11-30."]
    if errors:
        raise ApiValidationError(errors)
    return int(months), as_of


PARAMETERS = [
    OpenApiParameter("within_months", int, description="Barred within this many months (default: the setting)."),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default today."),
]


class LimitationListView(APIView):
    api_area = "payments"

    @extend_schema(parameters=PARAMETERS, responses=ClaimSerializer(many=True))
    def get(self, request):
        """Open claims that become time-barred within the months given, soonest first."""
        months, as_of = _params(request)
        return Response(ClaimSerializer(claims_expiring(within_months=months, as_of=as_of), many=True).data)


class LimitationExportView(APIView):
    api_area = "payments"

    @extend_schema(parameters=PARAMETERS, responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        """A ZIP for a Mahnbescheid or a collection agency: claims.csv, reminders.csv, the invoice
        PDFs and every reminder PDF sent about them."""
        months, as_of = _params(request)
        data = claims_export_zip(claims=claims_expiring(within_months=months, as_of=as_of))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="claims-{as_of.isoformat()}.zip"'
        return response


urlpatterns = [
    path("dunning/limitation/", LimitationListView.as_view(), name="dunning-limitation"),
    path("dunning/limitation/export/", LimitationExportView.as_view(), name="dunning-limitation-export"),
]
