"""Change-list filters of the invoice admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
