"""List filters and the read-only inlines of a payment (allocations, refunds, events)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, money_text

from ..models import Allocation, Refund


class UnallocatedFilter(admin.SimpleListFilter):
    title = _("unallocated")
    parameter_name = "unallocated"

    def lookups(self, request, model_admin):
        return [("yes", _("with unapplied money")), ("credit", _("with customer credit")), ("no", _("fully applied"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(unapplied_amount__gt=0)
        if self.value() == "credit":
            return queryset.filter(credit_amount__gt=0)
        if self.value() == "no":
            return queryset.filter(unapplied_amount=0, credit_amount=0)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fk_name = "payment"
    fields = ["target", "amount_shown", "rule", "explanation_shown", "created_at", "created_by", "state"]
    readonly_fields = [*fields, "reversal"]

    def get_fields(self, request, obj=None):
        # Only who may change payments gets the "Reverse" button; the others see the state.
        if self.parent_may_act(request):
            return self.fields
        return [*self.fields[:-1], "reversal"]

    def parent_may_act(self, request) -> bool:
        return request.user.has_perm("payments.change_payment")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice", "item", "created_by", "reversed_by")

    @admin.display(description=_("state"))
    def reversal(self, obj):
        if obj.reversed_at:
            return gettext("reversed on %(date)s: %(reason)s") % {
                "date": date_text(obj.reversed_at),
                "reason": obj.reversal_reason,
            }
        return gettext("active")

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.currency)

    @admin.display(description=_("explanation"))
    def explanation_shown(self, obj):
        # Worded now, in the reader's language (the § 366/367 BGB criterion per allocation).
        return obj.explanation_text

    @admin.display(description=_("applied to"))
    def target(self, obj):
        if obj.invoice_id:
            url = reverse("admin:invoicing_invoice_change", args=[obj.invoice_id])
            return format_html('<a href="{}">{}</a>', url, obj.invoice.number or obj.invoice_id)
        return str(obj.item)

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.reversed_at:
            return gettext("reversed on %(date)s: %(reason)s") % {
                "date": date_text(obj.reversed_at),
                "reason": obj.reversal_reason,
            }
        url = reverse("admin:payments_payment_reverse_allocation", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Reverse"))


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount_shown", "channel", "reference", "created_at", "created_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment", "created_by")

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.payment.currency)
