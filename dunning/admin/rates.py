"""Admin of dunning: reference rates and the member states' default interest rules (finance managers
edit them, ``core.roles.MANAGER_ONLY_MODELS``), and the interest periods and flat-fee credits
reminders charged (written by the services only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_site import ReadOnlyMixin
from core.formatting import date_text, money_text

from ..interest import half_year_start, next_half_year, rate_tables
from ..models import FlatFeeCredit, ForeignInterestRule, InterestPeriod, RateSeries, ReferenceRate


def missing_rates(today) -> list[str]:
    """One sentence per series in use whose current half-year has no row: what to enter."""
    tables = rate_tables()
    used = {RateSeries.DE_BASE, *ForeignInterestRule.objects.values_list("series", flat=True).distinct()}
    sentences = []
    for series in sorted(used):
        label = RateSeries(series).label
        table = tables.get(series)
        if table is None or not table.rows:
            sentences.append(gettext("%(series)s: no rate entered yet.") % {"series": label})
            continue
        if table.rate_of_half_year(half_year_start(today)) is None:
            missing = next_half_year(table.rows[-1][0])
            words = {"series": label, "day": date_text(missing)}
            sentences.append(gettext("%(series)s: missing from %(day)s.") % words)
    return sentences


class ReferenceRateForm(forms.ModelForm):
    class Meta:
        model = ReferenceRate
        fields = ["series", "valid_from", "rate", "source"]

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("valid_from")
        half_year_day = day is not None and (day.day, day.month) in {(1, 1), (1, 7)}
        if cleaned.get("series") == RateSeries.DE_BASE and day is not None and not half_year_day:
            self.add_error("valid_from", _("The base rate changes on 1 January and 1 July only (§ 247 BGB)."))
        return cleaned


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    """Every series needs a row for each half-year it charges (1 January, 1 July): a half-year
    without one is not charged, and the list and each run say so."""

    form = ReferenceRateForm
    list_display = ["series_words", "valid_from", "rate_text", "source"]
    list_filter = ["series"]
    ordering = ["series", "-valid_from"]
    date_hierarchy = "valid_from"

    @admin.display(description=_("reference rate"), ordering="series")
    def series_words(self, obj):
        return obj.get_series_display()

    @admin.display(description=pgettext_lazy("interest", "rate (%)"), ordering="rate")
    def rate_text(self, obj):
        return f"{obj.rate.normalize():f} %" if obj.rate else "0 %"

    def changelist_view(self, request, extra_context=None):
        for sentence in missing_rates(timezone.localdate()):
            messages.warning(request, sentence)
        return super().changelist_view(request, extra_context)


@admin.register(ForeignInterestRule)
class ForeignInterestRuleAdmin(admin.ModelAdmin):
    list_display = ["country", "debtor_kind", "series", "margin", "compensation", "directive_minimum", "note"]
    list_filter = ["directive_minimum", "debtor_kind", "series"]
    search_fields = ["country", "note"]
    ordering = ["country", "debtor_kind"]


@admin.register(InterestPeriod)
class InterestPeriodAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["invoice", "start", "end", "days", "principal", "rate", "amount"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number"]
    ordering = ["invoice_id", "start"]


@admin.register(FlatFeeCredit)
class FlatFeeCreditAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["invoice", "reminder", "fee_text", "credited_text", "created_at"]
    list_select_related = ["invoice", "reminder"]
    search_fields = ["invoice__number"]
    ordering = ["invoice_id", "id"]

    @admin.display(description=_("dunning fee"), ordering="fee")
    def fee_text(self, obj):
        return money_text(obj.fee, obj.invoice.currency)

    @admin.display(description=_("credited against the flat fee"), ordering="credited")
    def credited_text(self, obj):
        return money_text(obj.credited, obj.invoice.currency)
