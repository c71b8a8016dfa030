"""Admin of limitation (§§ 195, 199 BGB): the claims about to become time-barred, with the export
for court dunning (Mahnbescheid) or a collection agency. The list is the change list of the
warnings the daily job recorded, above it the live list of claims within ``?months=`` (default
``DEBITOR_LIMITATION_WARN_MONTHS``) and the export link (``dunning.limitation``)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone

from core.formatting import date_text, money_text

from ..limitation import claims_expiring, claims_export_zip, warn_months
from ..models import LimitationWarning

MAX_MONTHS = 120


def _months(request) -> int:
    value = request.GET.get("months", "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_MONTHS else warn_months()


@admin.register(LimitationWarning)
class LimitationWarningAdmin(admin.ModelAdmin):
    change_list_template = "dunning/admin/limitation_list.html"
    list_display = ["barred_on", "invoice", "created_at"]
    list_select_related = ["invoice"]
    ordering = ["barred_on", "id"]
    readonly_fields = ["invoice", "barred_on", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="dunning_limitationwarning_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        months, today = _months(request), timezone.localdate()
        # ``months`` is this page's own parameter, not a filter of the change list below it.
        request.GET = request.GET.copy()
        request.GET.pop("months", None)
        claims = claims_expiring(within_months=months, as_of=today)
        rows = [
            {
                "claim": claim,
                "debtor": claim.buyer.get("name", ""),
                "invoice_url": reverse("admin:invoicing_invoice_change", args=[claim.invoice_id]),
                "due": date_text(claim.due_date, empty="—"),
                "principal": money_text(claim.principal, claim.currency),
                "interest": money_text(claim.interest, claim.currency),
                "costs": money_text(claim.costs, claim.currency),
                "barred_on": date_text(claim.barred_on),
                "last_payment": date_text(claim.acknowledged, empty="—"),
            }
            for claim in claims
        ]
        context = {
            "claims": rows,
            "months": months,
            "export_url": reverse("admin:dunning_limitationwarning_export") + f"?months={months}",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        data = claims_export_zip(claims=claims_expiring(within_months=_months(request), as_of=today))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="claims-{today.isoformat()}.zip"'
        return response
