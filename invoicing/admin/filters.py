"""Change-list filters of the invoice admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from ..models import (
    Invoice,
)

# --- Change list filters ------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    """Overdue is computed for today, never stored (Invoice.objects.overdue)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue today")), ("no", _("not overdue"))]

    def queryset(self, request, queryset):
        overdue = Invoice.objects.overdue(as_of=timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class CustomerFilter(admin.SimpleListFilter):
    """A customer by number: a text box instead of a list of thousands of customers."""

    title = _("customer")
    parameter_name = "customer"
    template = "admin/invoicing/customer_filter.html"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        number = (self.value() or "").strip()
        if not number:
            return queryset
        return queryset.filter(customer__number__iexact=number)

    def choices(self, changelist):
        keep = [
            (key, value)
            for key, values in changelist.filter_params.items()
            if key != self.parameter_name
            for value in values
        ]
        selected = (self.value() or "").strip()
        customer = Customer.objects.filter(number__iexact=selected).first() if selected else None
        yield {
            "hidden": keep,
            "value": selected,
            "customer": customer,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
            "selected": bool(selected),
        }
