"""Read-only records of the verification: runs with their checks, VAT ID proofs, dismissed duplicates."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_site import ReadOnlyMixin

from ..models import (
    DuplicateDismissal,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
)
from .customers import CHECK_LABELS, badge

# --- Read-only records of the verification ---------------------------------------------------


class VerificationCheckInline(ReadOnlyMixin, admin.TabularInline):
    model = VerificationCheck
    fields = ["outcome", "check_name", "subject", "message"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("check"))
    def check_name(self, obj):
        """The check by its name, never its code (``contact.invoice_recipient``)."""
        return CHECK_LABELS.get(obj.code, obj.code)


class CustomerLinkMixin:
    @admin.display(description=_("customer"), ordering="customer__legal_name")
    def customer_link(self, obj):
        url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer)


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyMixin, CustomerLinkMixin, admin.ModelAdmin):
    list_display = ["run_at", "customer_link", "trigger", "result", "run_by"]
    list_filter = ["outcome", "trigger"]
    search_fields = ["customer__legal_name", "customer__number"]
    list_select_related = ["customer", "run_by"]
    date_hierarchy = "run_at"
    ordering = ["-run_at", "-id"]
    inlines = [VerificationCheckInline]

    @admin.display(description=_("outcome"), ordering="outcome")
    def result(self, obj):
        return badge(obj.outcome, obj.get_outcome_display())


@admin.register(VatIdConfirmation)
class VatIdConfirmationAdmin(ReadOnlyMixin, CustomerLinkMixin, admin.ModelAdmin):
    list_display = ["requested_at", "customer_link", "service", "vat_id", "result", "request_identifier"]
    list_filter = ["service", "result"]
    search_fields = ["vat_id", "request_identifier", "customer__legal_name", "customer__number"]
    list_select_related = ["customer"]
    date_hierarchy = "requested_at"
    ordering = ["-requested_at", "-id"]


@admin.register(DuplicateDismissal)
class DuplicateDismissalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["dismissed_at", "first_customer", "second_customer", "reason", "by"]
    search_fields = ["reason", "first__legal_name", "second__legal_name", "first__number", "second__number"]
    list_select_related = ["first", "second", "dismissed_by"]
    ordering = ["-dismissed_at", "-id"]
    fields = ["first_customer", "second_customer", "reason", "by", "dismissed_at"]
    readonly_fields = fields

    @admin.display(description=_("customer"), ordering="first__legal_name")
    def first_customer(self, obj):
        return obj.first

    @admin.display(description=_("other customer"), ordering="second__legal_name")
    def second_customer(self, obj):
        return obj.second

    @admin.display(description=_("dismissed by"), ordering="dismissed_by__username")
    def by(self, obj):
        return obj.dismissed_by or "—"
