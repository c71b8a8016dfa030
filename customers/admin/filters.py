"""The customer filter of the change lists (invoices, payments, tasks): a search box, not a list.

With ten thousand customers a sidebar of links is useless, so the filter is the admin's own
autocomplete (select2 on ``admin:autocomplete``, searching the customer admin's
``search_fields``, checked against the user's view permission). The parameter is the one
Django's related-field filter uses (``customer__id__exact``), so links written for it still
work. A ModelAdmin using it adds ``CustomerAutocompleteMedia`` for the widget's scripts.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from ..models import Customer


class CustomerFilter(admin.SimpleListFilter):
    title = _("customer")
    parameter_name = "customer__id__exact"
    template = "admin/customers/customer_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.field = model._meta.get_field("customer")
        self.admin_site = model_admin.admin_site
        value = (self.value() or "").strip()
        self.selected = Customer.objects.filter(pk=int(value)).first() if value.isdigit() else None

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()  # a hand-edited URL: nothing matches, never a 500
        return queryset.filter(customer_id=int(value))

    def choices(self, changelist):
        keep = [
            (key, value)
            for key, values in changelist.filter_params.items()
            if key != self.parameter_name
            for value in values
        ]
        widget = AutocompleteSelect(self.field, self.admin_site, attrs={"data-placeholder": _("customer")})
        # Through a form field, so the widget lists the chosen customer by its name.
        widget = forms.ModelChoiceField(queryset=Customer.objects.all(), widget=widget, required=False).widget
        yield {
            "hidden": keep,
            "widget": widget.render(
                self.parameter_name,
                self.selected.pk if self.selected else None,
                {"id": f"filter-{self.parameter_name}", "data-submit-on-change": "1"},
            ),
            "selected": self.selected,
            "value": self.value() or "",
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }


class CustomerAutocompleteMedia:
    """The scripts of the customer filter's autocomplete widget, merged into the list's media."""

    @property
    def media(self):
        field = self.model._meta.get_field("customer")
        return super().media + AutocompleteSelect(field, self.admin_site).media


class CurrencyFilter(admin.SimpleListFilter):
    """The currencies customers are billed in: not a SELECT DISTINCT over a million invoices or
    payments. Same parameter as Django's field filter (``currency__exact``)."""

    title = _("currency")
    parameter_name = "currency__exact"

    def lookups(self, request, model_admin):
        currencies = Customer.objects.order_by("currency").values_list("currency", flat=True).distinct()
        return [(code, code) for code in currencies]

    def queryset(self, request, queryset):
        value = (self.value() or "").strip().upper()
        return queryset.filter(currency=value) if value else queryset
