"""Admin of card payments: provider payments (with their events, refunds and disputes, and the
"Refund…" page), checkout sessions, webhook events, refunds, disputes. Everything here is written
by the provider's webhooks and our services, so every page is read-only; a refund is started from
the provider payment's page and goes through the provider (``provider_refund_create``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import MoneyFieldsMixin, amount_cell
from core.admin_site import ChangeListWriteGuard, ReadOnlyMixin
from core.formatting import datetime_text, money_text

from .models import CheckoutItem, CheckoutSession, ProviderDispute, ProviderEvent, ProviderPayment, ProviderRefund
from .services import provider_refund_create
from .services.refunds import refundable_amount

# Stripe's event types in words (the raw type stays in the folded payload).
EVENT_TYPE_LABELS = {
    "checkout.session.completed": _("checkout completed"),
    "checkout.session.async_payment_succeeded": _("delayed payment succeeded"),
    "checkout.session.async_payment_failed": _("delayed payment failed"),
    "checkout.session.expired": _("checkout expired"),
    "payment_intent.succeeded": _("payment succeeded"),
    "payment_intent.payment_failed": _("payment attempt failed"),
    "charge.succeeded": _("card charged"),
    "charge.updated": _("charge updated"),
    "charge.refunded": _("charge refunded"),
    "refund.created": _("refund created"),
    "refund.updated": _("refund updated"),
    "refund.failed": _("refund failed"),
    "charge.dispute.created": _("dispute opened"),
    "charge.dispute.updated": _("dispute updated"),
    "charge.dispute.closed": _("dispute closed"),
    "charge.dispute.funds_withdrawn": _("disputed money withdrawn"),
    "charge.dispute.funds_reinstated": _("disputed money reinstated"),
}


def event_type_text(value: str) -> str:
    label = EVENT_TYPE_LABELS.get(value)
    return str(label) if label is not None else gettext("other event")


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Written by webhooks and services only."""


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ProviderEvent
    fields = ["received", "type_shown", "outcome", "message"]
    readonly_fields = fields
    ordering = ["received_at", "id"]
    verbose_name_plural = _("events reported by the provider")

    @admin.display(description=_("received"))
    def received(self, obj):
        return datetime_text(obj.received_at)

    @admin.display(description=_("event type"))
    def type_shown(self, obj):
        return event_type_text(obj.type)


class RefundInline(ReadOnlyInline):
    model = ProviderRefund
    fields = ["amount_shown", "status", "reason", "created"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.currency)

    @admin.display(description=_("created"))
    def created(self, obj):
        return datetime_text(obj.created_at)


class DisputeInline(ReadOnlyInline):
    model = ProviderDispute
    fields = ["amount_shown", "status", "reason", "created"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.currency)

    @admin.display(description=_("created"))
    def created(self, obj):
        return datetime_text(obj.created_at)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), localize=True
    )
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)


@admin.register(ProviderPayment)
class ProviderPaymentAdmin(ChangeListWriteGuard, MoneyFieldsMixin, ReadOnlyAdmin):
    list_display = ["created", "customer", "amount_column", "card", "fee_column", "status"]
    list_filter = ["status", "provider"]
    list_select_related = ["customer"]
    search_fields = ["payment_intent_id", "customer__legal_name", "customer__number", "payment__remittance"]
    ordering = ["-created_at", "-id"]
    money_fields = {"amount": "currency", "fee_amount": "fee_currency", "net_amount": "fee_currency"}
    change_form_template = "providers/admin/provider_payment_change_form.html"
    fieldsets = [
        (
            None,
            {"fields": ["provider", "status", "customer", "payment", "checkout", "amount", "card", "failure_message"]},
        ),
        (_("Provider fee"), {"fields": ["fee_amount", "net_amount"]}),
    ]
    readonly_fields = [
        "provider",
        "status",
        "customer",
        "payment",
        "checkout",
        "amount",
        "card",
        "failure_message",
        "fee_amount",
        "net_amount",
    ]
    inlines = [RefundInline, DisputeInline, EventInline]

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_column(self, obj):
        return amount_cell(obj.amount, obj.currency) if obj.amount is not None else "—"

    @admin.display(description=_("provider fee"))
    def fee_column(self, obj):
        return amount_cell(obj.fee_amount, obj.fee_currency) if obj.fee_amount is not None else "—"

    @admin.display(description=_("card"))
    def card(self, obj):
        # Brand and last four digits: all we ever store of a card.
        if not obj.card_last4:
            return "—"
        return format_html("{} •••• {}", obj.card_brand.upper() or gettext("card"), obj.card_last4)

    def may_refund(self, request) -> bool:
        return request.user.has_perm("providers.change_providerpayment")

    def _has_any_write_permission(self, request) -> bool:
        # The site refuses POSTs to an admin nobody may write to; the refund page is this one's write.
        return self.may_refund(request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id and self.may_refund(request):
            extra_context["refund_url"] = reverse("admin:providers_providerpayment_refund", args=[object_id])
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="providers_providerpayment_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request, object_id):
        if not self.may_refund(request):
            raise PermissionDenied
        provider_payment = self.get_object(request, unquote(object_id))
        if provider_payment is None or provider_payment.payment is None:
            raise Http404(gettext("No such card payment."))
        payment = provider_payment.payment
        change_url = reverse("admin:providers_providerpayment_change", args=[provider_payment.pk])
        form = RefundForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                provider_refund_create(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    as_of=timezone.now(),
                    by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, gettext("The refund was sent to the provider and booked."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "providers/admin/refund.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Refund to the card"),
                "provider_payment": provider_payment,
                "amount": money_text(payment.amount, payment.currency),
                "refundable": money_text(refundable_amount(payment), payment.currency),
                "form": form,
                "change_url": change_url,
            },
        )


class CheckoutItemInline(ReadOnlyInline):
    model = CheckoutItem
    fields = ["invoice", "amount_shown"]
    readonly_fields = fields
    show_change_link = False

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.session.currency)


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(MoneyFieldsMixin, ReadOnlyAdmin):
    list_display = ["created", "customer", "amount_column", "status", "expires"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    search_fields = ["customer__legal_name", "customer__number", "items__invoice__number"]
    ordering = ["-created_at", "-id"]
    fields = ["provider", "customer", "amount", "status", "created", "expires"]
    readonly_fields = fields
    inlines = [CheckoutItemInline]

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("expires"))
    def expires(self, obj):
        return datetime_text(obj.expires_at)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_column(self, obj):
        return amount_cell(obj.amount, obj.currency)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["received", "type_shown", "outcome", "provider_payment"]
    list_filter = ["outcome", "provider"]
    list_select_related = ["provider_payment"]
    search_fields = ["event_id", "type"]
    ordering = ["-received_at", "-id"]
    fields = [
        "provider",
        "type_shown",
        "received",
        "processed",
        "outcome",
        "message",
        "provider_payment",
        "payload_shown",
    ]
    readonly_fields = fields

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return datetime_text(obj.received_at)

    @admin.display(description=_("processed"))
    def processed(self, obj):
        return datetime_text(obj.processed_at)

    @admin.display(description=_("event type"))
    def type_shown(self, obj):
        return event_type_text(obj.type)

    @admin.display(description=_("payload"))
    def payload_shown(self, obj):
        import json

        # The provider's own data, as received: folded, for whoever needs the details.
        return format_html(
            "<details><summary>{}</summary><pre>{}</pre></details>",
            gettext("show as received"),
            json.dumps(obj.payload, indent=2, ensure_ascii=False),
        )


@admin.register(ProviderRefund)
class ProviderRefundAdmin(MoneyFieldsMixin, ReadOnlyAdmin):
    list_display = ["created", "provider_payment", "amount_column", "status"]
    list_filter = ["status"]
    list_select_related = ["provider_payment"]
    ordering = ["-created_at", "-id"]
    fields = ["provider", "provider_payment", "amount", "status", "reason", "booked_refund", "created_by", "created"]
    readonly_fields = fields

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_column(self, obj):
        return amount_cell(obj.amount, obj.currency)


@admin.register(ProviderDispute)
class ProviderDisputeAdmin(MoneyFieldsMixin, ReadOnlyAdmin):
    list_display = ["created", "provider_payment", "amount_column", "reason", "status"]
    list_filter = ["status", "reason"]
    list_select_related = ["provider_payment"]
    ordering = ["-created_at", "-id"]
    fields = ["provider", "provider_payment", "amount", "reason", "status", "reinstated_payment", "created"]
    readonly_fields = fields

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_column(self, obj):
        return amount_cell(obj.amount, obj.currency)
