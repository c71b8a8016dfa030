"""Change-list filters of the invoice admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..querysets import overdue_condition

# --- Change list filters ------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    """Overdue is computed for today, never stored (Invoice.objects.overdue)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue today")), ("no", _("not overdue"))]

    def queryset(self, request, queryset):
        overdue = overdue_condition(as_of=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset
