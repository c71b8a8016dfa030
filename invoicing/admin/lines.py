"""The draft's line and allowance/charge rows (editable on drafts, text on issued documents)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _

from ..forms import (
    InvoiceAllowanceChargeForm,
    InvoiceLineForm,
    InvoiceLineFormSet,
    InvoiceRowFormSet,
)
from ..models import (
    InvoiceAllowanceCharge,
    InvoiceLine,
)
from .display import (
    decimal_text,
)


class DraftRowInline(admin.TabularInline):
    """Rows of a draft are edited with it; once issued they are text.

    Each fieldset line is one table cell with its fields stacked (``columns`` names them), so an
    invoice line's twelve fields fit the page without scrolling sideways.
    """

    formset = InvoiceRowFormSet
    template = "admin/invoicing/invoice/rows_tabular.html"
    extra = 0
    columns: list[tuple] = []

    def _editable(self, request, obj) -> bool:
        return (obj is None or obj.is_draft) and request.user.has_perm("invoicing.change_invoice")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("invoicing.view_invoice")


def _related_widget_without_edits(formfield):
    """Choose a customer or terms on an invoice; editing or deleting them happens on their own pages."""
    widget = getattr(formfield, "widget", None)
    for flag in ("can_change_related", "can_delete_related", "can_add_related"):
        if hasattr(widget, flag):
            setattr(widget, flag, False)
    return formfield


class InvoiceLineInline(DraftRowInline):
    model = InvoiceLine
    form = InvoiceLineForm
    formset = InvoiceLineFormSet
    fields = [
        ("description", "item_number", "note"),
        ("quantity", "unit_code"),
        ("unit_price", "price_base_quantity"),
        ("allowance_percent", "allowance_amount", "allowance_reason", "allowance_reason_code"),
        ("charge_percent", "charge_amount", "charge_reason", "charge_reason_code"),
        ("period_start", "period_end"),
        ("vat_category", "vat_rate"),
        ("exemption_reason", "exemption_code"),
        "line_net",
    ]
    readonly_fields = ["line_net"]
    columns = [
        (_("description"), _("item number · line note")),
        (_("quantity"), _("unit (UN/ECE Rec. 20)")),
        (_("unit net price"), _("per quantity")),
        (_("line allowance %"), _("or amount · reason · reason code")),
        (_("line charge %"), _("or amount · reason · reason code")),
        (_("line period from"), _("line period to")),
        (_("VAT category"), _("VAT rate (%)")),
        (_("exemption reason"), _("exemption code")),
        (_("net amount"), ""),
    ]

    # Issued rows are text: 6 hours at 95.00, not 6.0000 at 95.0000.
    readonly_columns = [
        ("description", "item_number", "note"),
        ("quantity_text", "unit_code"),
        ("price_text", "base_quantity_text"),
        ("allowance_percent", "allowance_amount", "allowance_reason", "allowance_reason_code"),
        ("charge_percent", "charge_amount", "charge_reason", "charge_reason_code"),
        ("period_start", "period_end"),
        ("vat_category", "vat_rate"),
        ("exemption_reason", "exemption_code"),
        "line_net",
    ]

    def get_fields(self, request, obj=None):
        return self.fields if self._editable(request, obj) else self.readonly_columns

    def get_readonly_fields(self, request, obj=None):
        return (
            self.readonly_fields
            if self._editable(request, obj)
            else flatten_fieldsets([(None, {"fields": self.readonly_columns})])
        )

    @admin.display(description=_("quantity"))
    def quantity_text(self, line):
        return decimal_text(line.quantity)

    @admin.display(description=_("unit net price"))
    def price_text(self, line):
        return decimal_text(line.unit_price, 2)

    @admin.display(description=_("per quantity"))
    def base_quantity_text(self, line):
        return decimal_text(line.price_base_quantity)

    @admin.display(description=_("net amount"))
    def line_net(self, line):
        # Computed by the services when saved; a row not saved yet has none.
        return decimal_text(line.net_amount, 2) if line.pk else "—"

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return 3
        return 1 if obj.is_draft else 0


class InvoiceAllowanceChargeInline(DraftRowInline):
    model = InvoiceAllowanceCharge
    form = InvoiceAllowanceChargeForm
    fields = [
        "is_charge",
        ("reason", "reason_code"),
        "amount",
        ("percent", "base_amount"),
        ("vat_category", "vat_rate"),
        "computed",
    ]
    readonly_fields = ["computed"]
    columns = [
        (_("charge"), _("(else allowance)")),
        (_("reason"), _("reason code")),
        (_("amount"), ""),
        (_("or percent"), _("of base amount")),
        (_("VAT category"), _("VAT rate (%)")),
        (_("computed amount"), ""),
    ]

    @admin.display(description=_("computed amount"))
    def computed(self, row):
        return decimal_text(row.computed_amount, 2) if row.pk else "—"
