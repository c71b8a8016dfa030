"""The ledger in the admin (issue 19): fee and interest items with their waiver (an action, finance
managers, with reason), bad-debt write-offs (written off from an invoice, reversed when money
arrives) and the payers' designations (§ 367 (2) BGB) waiting for a decision. Every write goes
through ``payments.services``; the services check the role again."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import MoneyFieldsMixin, amount_cell
from core.formatting import money_text, number_text
from core.roles import Role, role_of
from invoicing.models import Invoice

from .. import services
from ..models import (
    BadDebtReason,
    BadDebtWriteOff,
    OpenItem,
    Payment,
    PaymentDesignation,
)
from ..services.errors import PaymentConflict

TEMPLATES = "payments/admin/"


def _is_manager(request) -> bool:
    role = role_of(request.user)
    return role is not None and role >= Role.FINANCE_MANAGER


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _vat_lines(split) -> str:
    return format_html_join(
        "",
        "<div>{}</div>",
        (
            (
                gettext("%(rate)s %%: gross %(gross)s, net %(net)s, VAT %(vat)s")
                % {
                    "rate": number_text(Decimal(row["vat_rate"])) if row.get("vat_rate") else "—",
                    "gross": row.get("gross", ""),
                    "net": row["net"],
                    "vat": row["vat"],
                },
            )
            for row in split or []
        ),
    )


# --- Open items and their waiver -------------------------------------------------------------------


class WaiveForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255, help_text=_("Why the rest is not collected."))


@admin.register(OpenItem)
class OpenItemAdmin(MoneyFieldsMixin, admin.ModelAdmin):
    list_display = ["due_date", "customer", "kind", "invoice", "amount_shown", "open_shown", "cancelled_at"]
    list_filter = ["kind"]
    list_select_related = ["customer", "invoice"]
    search_fields = ["customer__legal_name", "customer__number", "invoice__number"]
    ordering = ["-due_date", "-id"]
    actions = ["waive_items"]
    readonly_fields = [
        "customer",
        "kind",
        "invoice",
        "description",
        "currency",
        "amount",
        "open_amount",
        "due_date",
        "created_at",
        "cancelled_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) if obj is None else False

    def has_waive_permission(self, request) -> bool:
        return _is_manager(request)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("open amount"), ordering="open_amount")
    def open_shown(self, obj):
        return amount_cell(obj.open_amount, obj.currency)

    @admin.action(description=_("Waive what is open of the selected items"), permissions=["waive"])
    def waive_items(self, request, queryset):
        """Ask for the reason, then waive each selected item (finance managers only)."""
        form = WaiveForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            waived, refused = 0, []
            for item in queryset.order_by("pk"):
                try:
                    services.open_item_waive(
                        item=item, reason=form.cleaned_data["reason"], as_of=timezone.now(), by=request.user
                    )
                    waived += 1
                except ValidationError as exc:
                    refused.append(f"#{item.pk}: {' '.join(exc.messages)}")
            if waived:
                self.message_user(request, gettext("%(n)s items waived.") % {"n": waived}, messages.SUCCESS)
            for text in refused:
                self.message_user(request, text, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            TEMPLATES + "waive.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Waive open items"),
                "form": form,
                "items": queryset.select_related("customer").order_by("pk"),
                "action": "waive_items",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --- Bad-debt write-offs -----------------------------------------------------------------------------


class BadDebtForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=BadDebtReason.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(
        label=_("evidence"), required=False, help_text=_("e.g. the insolvency notice; PDF or image, at most 10 MB")
    )


class ReverseForm(forms.Form):
    amount = forms.DecimalField(label=_("amount received"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    payment = forms.IntegerField(
        label=_("payment (number)"),
        required=False,
        help_text=_("The payment that brought it; allocated to the invoice."),
    )
    reason = forms.CharField(label=_("how the money arrived"), max_length=255)


@admin.register(BadDebtWriteOff)
class BadDebtWriteOffAdmin(MoneyFieldsMixin, admin.ModelAdmin):
    list_display = ["created_at", "customer", "invoice", "reason", "amount_shown", "reversed_shown", "created_by"]
    list_filter = ["reason"]
    list_select_related = ["customer", "invoice", "created_by"]
    search_fields = ["customer__legal_name", "customer__number", "invoice__number"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [
        "invoice",
        "customer",
        "reason",
        "note",
        "amount",
        "currency",
        "vat_shown",
        "reversed_amount",
        "reversals_shown",
        "evidence_name",
        "evidence_sha256",
        "created_by",
        "created_at",
        "reverse_link",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # written off from the invoice: write-off/<invoice>/ (finance managers)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The list may be posted to (the write-off pages are its views); a record is never edited.
        return super().has_change_permission(request, obj) if obj is None else False

    @admin.display(description=_("written off (gross)"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("reinstated"), ordering="reversed_amount")
    def reversed_shown(self, obj):
        return amount_cell(obj.reversed_amount, obj.currency)

    @admin.display(description=_("VAT correction per rate"))
    def vat_shown(self, obj):
        return _vat_lines(obj.vat_split)

    @admin.display(description=_("reinstated when money arrived"))
    def reversals_shown(self, obj):
        rows = obj.reversals.order_by("created_at", "id")
        return (
            format_html_join(
                "",
                "<div>{}: {} {}</div>",
                ((r.created_at.date(), money_text(r.amount, obj.currency), r.reason) for r in rows),
            )
            or "—"
        )

    @admin.display(description=_("money arrived"))
    def reverse_link(self, obj):
        if obj.remaining_amount <= 0:
            return "—"
        url = reverse("admin:payments_baddebtwriteoff_reverse", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Reinstate for money received"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("write-off/<int:pk>/", view(self.write_off_view), name="payments_baddebtwriteoff_write_off"),
            path("<int:pk>/reverse/", view(self.reverse_view), name="payments_baddebtwriteoff_reverse"),
            *super().get_urls(),
        ]

    def _page(self, request, title, form, submit, explanation, back):
        return TemplateResponse(
            request,
            TEMPLATES + "action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "submit_label": submit,
                "explanation": explanation,
                "change_url": back,
            },
        )

    def write_off_view(self, request, pk):
        """Write off an invoice's whole open amount as a bad debt (§ 17 (2) Nr. 1 UStG)."""
        if not _is_manager(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
        back = reverse("admin:payments_payment_account", args=[invoice.customer_id])
        form = BadDebtForm(request.POST or None, request.FILES or None) if request.method == "POST" else BadDebtForm()
        if request.method == "POST" and form.is_valid():
            try:
                record = services.bad_debt_write_off(
                    invoice=invoice,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    evidence=form.cleaned_data["evidence"],
                    as_of=timezone.now(),
                    by=request.user,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                self.message_user(request, gettext("The invoice is written off as a bad debt."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:payments_baddebtwriteoff_change", args=[record.pk]))
        explanation = gettext(
            "Open: %(open)s. The whole open amount is written off with the VAT corrected per rate "
            "(§ 17 (2) Nr. 1 UStG); the invoice's open fees and interest are waived with it. "
            "If money arrives later, the write-off is reversed for that amount."
        ) % {"open": money_text(invoice.open_amount, invoice.currency)}
        title = gettext("Write off %(invoice)s as a bad debt") % {"invoice": invoice.number or invoice.pk}
        return self._page(request, title, form, gettext("Write off"), explanation, back)

    def reverse_view(self, request, pk):
        """Money arrived for a written-off invoice: reinstate (and allocate from the payment)."""
        if not _is_manager(request):
            raise PermissionDenied
        record = get_object_or_404(BadDebtWriteOff.objects.select_related("invoice"), pk=pk)
        back = reverse("admin:payments_baddebtwriteoff_change", args=[record.pk])
        form = ReverseForm(request.POST or None, initial={"amount": record.remaining_amount})
        if request.method == "POST" and form.is_valid():
            payment = None
            if form.cleaned_data["payment"]:
                payment = Payment.objects.filter(pk=form.cleaned_data["payment"]).first()
                if payment is None:
                    form.add_error("payment", gettext("No such payment."))
            if not form.errors:
                try:
                    services.bad_debt_write_off_reverse(
                        write_off=record,
                        amount=form.cleaned_data["amount"],
                        payment=payment,
                        reason=form.cleaned_data["reason"],
                        as_of=timezone.now(),
                        by=request.user,
                    )
                except ValidationError as exc:
                    _errors_to_form(form, exc)
                else:
                    self.message_user(request, gettext("The write-off is reversed for the money received."))
                    return HttpResponseRedirect(back)
        explanation = gettext("Still written off: %(left)s.") % {
            "left": money_text(record.remaining_amount, record.currency)
        }
        title = gettext("Money arrived for %(invoice)s") % {"invoice": record.invoice.number}
        return self._page(request, title, form, gettext("Reinstate"), explanation, back)


# --- Payers' designations (§ 367 (2) BGB) -------------------------------------------------------------


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255)


@admin.register(PaymentDesignation)
class PaymentDesignationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "payment", "order", "source", "matched_text", "status", "decided_by"]
    list_filter = ["status", "order", "source"]
    list_select_related = ["payment", "decided_by"]
    ordering = ["-created_at", "-id"]
    actions = ["accept_designations", "refuse_designations"]
    readonly_fields = [
        "payment",
        "order",
        "source",
        "matched_text",
        "invoices",
        "status",
        "reason",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) if obj is None else False

    def has_decide_permission(self, request) -> bool:
        return _is_manager(request)

    def _each(self, request, queryset, call, done: str) -> None:
        count = 0
        for designation in queryset.order_by("pk"):
            try:
                call(designation)
                count += 1
            except (ValidationError, PaymentConflict) as exc:  # decided meanwhile: shown, not raised
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{designation}: {text}", messages.ERROR)
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Accept the payer's order (apply as designated)"), permissions=["decide"])
    def accept_designations(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda d: services.payment_designation_accept(designation=d, as_of=timezone.now(), by=request.user),
            gettext("%(n)s designations accepted."),
        )

    @admin.action(description=_("Refuse the payments (§ 367 (2) BGB)"), permissions=["decide"])
    def refuse_designations(self, request, queryset):
        form = RefuseForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda d: services.payment_designation_refuse(
                    designation=d, reason=reason, as_of=timezone.now(), by=request.user
                ),
                gettext("%(n)s payments refused; their money is customer credit to pay back."),
            )
            return None
        return TemplateResponse(
            request,
            TEMPLATES + "waive.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Refuse the payments"),
                "form": form,
                "items": queryset.order_by("pk"),
                "action": "refuse_designations",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
