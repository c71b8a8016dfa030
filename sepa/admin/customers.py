"""The customer page shows the customer's mandates. ``customers`` is below ``sepa`` (apps depend one
way), so the inline is added from here to the customer admin that is registered (payments
registers its own with balances; we extend whichever is in place)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text
from customers.models import Customer

from ..models import Mandate


class MandateInline(admin.TabularInline):
    model = Mandate
    fk_name = "customer"
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("SEPA mandates")
    fields = ["reference", "status", "scheme", "sequence_type", "signed_on_shown", "last_collected_shown"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        # Shown, never posted: a read-only list in the customer's form would otherwise need its
        # formset's management data in every save of the customer (API clients and tests post
        # the customer's own fields only).
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False  # added on the mandate page, through the service

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted

    @admin.display(description=_("signed on"))
    def signed_on_shown(self, obj):
        return date_text(obj.signed_on)

    @admin.display(description=_("last collection"))
    def last_collected_shown(self, obj):
        return date_text(obj.last_collected_on)


def _register() -> None:
    customer_admin = admin.site._registry.get(Customer)
    if customer_admin is None or MandateInline in customer_admin.inlines:
        return
    # On the class: an app after us that registers a subclass of it keeps the inline.
    admin_class = type(customer_admin)
    admin_class.inlines = [*admin_class.inlines, MandateInline]
    customer_admin.inlines = admin_class.inlines


_register()
