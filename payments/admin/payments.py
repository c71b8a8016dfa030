"""The payment list and page, and a customer's account (open items, payments, balance, statement)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import amount_cell
from core.admin_exports import ListExportMixin, word
from core.event_sentences import event_by_text, typed_event_details, typed_event_sentence
from core.formatting import datetime_text
from core.languages import is_language
from core.roles import Role, role_of
from customers.admin.filters import CurrencyFilter, CustomerAutocompleteMedia, CustomerFilter
from customers.models import Customer
from invoicing.admin.display import money

from ..models import Payment, PaymentChannel, PaymentStatus
from ..statement import account_rows, account_statement_pdf, bucket_labels, statement_filename
from .actions import PaymentActionViews
from .inlines import AllocationInline, RefundInline, UnallocatedFilter
from .money import payment_money_panel

TEMPLATES = "payments/admin/"


# Links on a payment's page offered by apps above payments, e.g. ``sepa``'s "refund by SEPA
# transfer": ``links_of(payment) -> [(url, label)]``, shown to those who may act on payments.
_EXTRA_LINKS: list = []


def payment_page_links_register(links_of) -> None:
    if links_of not in _EXTRA_LINKS:
        _EXTRA_LINKS.append(links_of)


@admin.register(Payment)
class PaymentAdmin(CustomerAutocompleteMedia, ListExportMixin, PaymentActionViews, admin.ModelAdmin):
    list_display = [
        "value_date_shown",
        "amount_shown",
        "payer_name",
        "customer",
        "allocated_shown",
        "unapplied_shown",
        "credit_shown",
        "status",
    ]
    list_filter = [
        "status",
        UnallocatedFilter,
        CustomerFilter,
        ("value_date", admin.DateFieldListFilter),
        "channel",
        CurrencyFilter,
        "source",
    ]
    list_totals = [
        ("amount", _("received"), Q(status=PaymentStatus.COMPLETED)),
        ("unapplied_amount", _("unapplied"), None),
        ("credit_amount", _("customer credit"), None),
    ]
    export_fields = [
        ("value_date", _("value date")),
        ("currency", _("currency")),
        ("amount", _("amount")),
        ("payer_name", _("payer")),
        ("payer_iban", _("payer IBAN")),
        ("customer_number", _("customer number")),
        ("customer_name", _("customer")),
        ("allocated_amount", _("allocated")),
        ("unapplied_amount", _("unapplied")),
        ("credit_amount", _("customer credit")),
        ("refunded_amount", _("refunded")),
        ("returned_amount", _("returned")),
        ("status", _("status")),
        ("channel", _("channel")),
        ("remittance", _("remittance information")),
    ]

    def export_row(self, obj) -> dict:
        row = {key: getattr(obj, key, None) for key, _label in self.export_fields}
        row.update(
            customer_number=obj.customer.number if obj.customer_id else "",
            customer_name=obj.customer.legal_name if obj.customer_id else "",
            status=word(PaymentStatus, obj.status),
            channel=word(PaymentChannel, obj.channel),
        )
        return row

    search_fields = [
        "payer_name",
        "payer_iban",
        "remittance",
        "external_id",
        "customer__legal_name",
        "customer__number",
    ]
    list_select_related = ["customer"]
    show_full_result_count = False  # one COUNT over every payment is enough
    # Totals of the whole ledger say nothing; once filtered (a period, a customer) they do.
    list_totals_when_filtered = True
    ordering = ["-value_date", "-id"]
    inlines = [AllocationInline, RefundInline]
    change_form_template = "payments/admin/change_form.html"
    change_list_template = "payments/admin/change_list.html"
    fieldsets = [
        (None, {"fields": ["customer", ("channel", "status", "source"), "amount_shown", "value_date"]}),
        (_("Payer"), {"fields": ["payer_name", "payer_iban", "remittance", "external_id"]}),
        (
            _("Parts"),
            {
                "fields": [
                    ("allocated_shown", "credit_shown", "unapplied_shown"),
                    ("refunded_shown", "returned_shown"),
                ]
            },
        ),
        (_("Record"), {"fields": [("created_at", "created_by"), "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Payment._meta.fields] + [
            "amount_shown",
            "allocated_shown",
            "credit_shown",
            "unapplied_shown",
            "refunded_shown",
            "returned_shown",
        ]

    def has_add_permission(self, request):
        return False  # recorded through the API, bank statements and providers (services)

    def has_delete_permission(self, request, obj=None):
        return False  # money received is never deleted; it is returned or refunded

    def may_act(self, request) -> bool:
        return self.has_change_permission(request)

    def may_write_off(self, request) -> bool:
        # write_off checks the role again; this only decides what the page offers.
        role = role_of(request.user)
        return role is not None and role >= Role.FINANCE_MANAGER and self.may_act(request)

    def may_record(self, request) -> bool:
        # The model's add permission (accountants and up), though the generic add form stays off.
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def changelist_view(self, request, extra_context=None):
        record_url = reverse("admin:payments_payment_record") if self.may_record(request) else ""
        return super().changelist_view(request, {"record_url": record_url, **(extra_context or {})})

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # every change goes through the action pages (services)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        extra = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        payment = self.get_object(request, unquote(object_id)) if object_id else None
        if payment is not None:
            extra["payment_actions"] = [
                (reverse(f"admin:payments_payment_{name}", args=[payment.pk]), label)
                for name, label in (self._action_links(payment) if self.may_act(request) else [])
            ]
            extra["money_rows"] = payment_money_panel(payment=payment)
            extra["event_rows"] = payment_event_rows(payment)
            if self.may_act(request):
                for links_of in _EXTRA_LINKS:  # apps above payments (sepa: refund by transfer)
                    extra["payment_actions"] += links_of(payment)
            if payment.customer_id:
                extra["payment_actions"].append(
                    (reverse("admin:payments_payment_account", args=[payment.customer_id]), gettext("Customer account"))
                )
        return super().changeform_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # columns: amounts right-aligned, through the one formatter (core.messages.money_text)
    @admin.display(description=_("value date"), ordering="value_date")
    def value_date_shown(self, obj):
        return date_format(obj.value_date, "SHORT_DATE_FORMAT")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("allocated"), ordering="allocated_amount")
    def allocated_shown(self, obj):
        return amount_cell(obj.allocated_amount, obj.currency)

    @admin.display(description=_("customer credit"), ordering="credit_amount")
    def credit_shown(self, obj):
        return amount_cell(obj.credit_amount, obj.currency)

    @admin.display(description=_("unapplied"), ordering="unapplied_amount")
    def unapplied_shown(self, obj):
        return amount_cell(obj.unapplied_amount, obj.currency)

    @admin.display(description=_("refunded"))
    def refunded_shown(self, obj):
        return amount_cell(obj.refunded_amount, obj.currency)

    @admin.display(description=_("returned"))
    def returned_shown(self, obj):
        return amount_cell(obj.returned_amount, obj.currency)

    def _action_links(self, payment: Payment) -> list[tuple[str, str]]:
        links = []
        if payment.customer_id is None and payment.status in (PaymentStatus.PENDING, PaymentStatus.COMPLETED):
            links.append(("assign", gettext("Assign to customer")))
        if payment.status == PaymentStatus.PENDING:
            links += [("complete", gettext("Arrived")), ("fail", gettext("Failed"))]
        if payment.status == PaymentStatus.COMPLETED:
            if payment.customer_id and (payment.unapplied_amount > 0 or payment.credit_amount > 0):
                links.append(("allocate", gettext("Allocate")))
            if payment.unapplied_amount > 0:
                links.append(("credit", gettext("Keep as credit")))
            if payment.credit_amount > 0:
                links.append(("refund", gettext("Refund")))
            links.append(("return", gettext("Return")))
        return links

    # pages
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("record/", view(self.record_view), name="payments_payment_record"),
            path("<path:object_id>/allocate/", view(self.allocate_view), name="payments_payment_allocate"),
            path("<path:object_id>/credit/", view(self.credit_view), name="payments_payment_credit"),
            path("<path:object_id>/refund/", view(self.refund_view), name="payments_payment_refund"),
            path("<path:object_id>/return/", view(self.return_view), name="payments_payment_return"),
            path("<path:object_id>/complete/", view(self.complete_view), name="payments_payment_complete"),
            path("<path:object_id>/fail/", view(self.fail_view), name="payments_payment_fail"),
            path("<path:object_id>/assign/", view(self.assign_view), name="payments_payment_assign"),
            path(
                "allocation/<int:pk>/reverse/",
                view(self.reverse_allocation_view),
                name="payments_payment_reverse_allocation",
            ),
            path("account/<int:customer_pk>/", view(self.account_view), name="payments_payment_account"),
            path("invoice/<int:pk>/write-off/", view(self.write_off_view), name="payments_payment_write_off"),
            path(
                "account/<int:customer_pk>/statement/",
                view(self.statement_view),
                name="payments_payment_statement",
            ),
            *super().get_urls(),
        ]

    def account_view(self, request, customer_pk):
        """A customer's account: open items with aging, credits, payments and the balance."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_pk)
        today = timezone.localdate()
        rows = account_rows(customer=customer, as_of=today)
        labels = bucket_labels()
        may_write_off = self.may_write_off(request)
        currencies = sorted({row.currency for row in rows}) or [customer.currency]
        balances = []
        for currency in currencies:
            mine = [row for row in rows if row.currency == currency]
            receivable = sum((row.open_amount for row in mine if not row.is_credit), Decimal(0))
            credit = -sum((row.open_amount for row in mine if row.is_credit), Decimal(0))
            balances.append(
                {
                    "currency": currency,
                    "receivable": money(receivable, currency),
                    "credit": money(credit, currency),
                    "balance": money(receivable - credit, currency),
                }
            )
        payments = Payment.objects.filter(customer=customer).order_by("-value_date", "-id")[:50]
        totals = Payment.objects.filter(customer=customer, status=PaymentStatus.COMPLETED).aggregate(
            total=Sum("amount")
        )
        return self._page(
            request,
            "account.html",
            gettext("Account of %(customer)s") % {"customer": customer},
            customer=customer,
            rows=[
                {
                    "row": row,
                    "bucket": "" if row.is_credit else labels[row.bucket],
                    "amount": money(row.amount, row.currency),
                    "open": money(row.open_amount, row.currency),
                    "url": reverse("admin:invoicing_invoice_change", args=[row.id])
                    if row.kind in ("invoice", "credit_note")
                    else reverse("admin:payments_payment_change", args=[row.id])
                    if row.kind == "payment_credit"
                    else "",
                    "write_off_url": reverse("admin:payments_payment_write_off", args=[row.id])
                    if may_write_off and row.kind == "invoice" and row.open_amount > 0
                    else "",
                    # The whole open amount as a bad debt (§ 17 (2) Nr. 1 UStG; payments/admin/ledger.py).
                    "bad_debt_url": reverse("admin:payments_baddebtwriteoff_write_off", args=[row.id])
                    if may_write_off and row.kind == "invoice" and row.open_amount > 0
                    else "",
                }
                for row in rows
            ],
            balances=balances,
            payments=[
                {
                    "payment": p,
                    "amount": money(p.amount, p.currency),
                    "unapplied": money(p.unapplied_amount, p.currency),
                }
                for p in payments
            ],
            received_total=totals["total"],
            period_start=today.replace(day=1).isoformat(),
            period_end=today.isoformat(),
            customer_url=reverse("admin:customers_customer_change", args=[customer.pk]),
            record_url=f"{reverse('admin:payments_payment_record')}?customer={customer.pk}"
            if self.may_record(request)
            else "",
        )

    def statement_view(self, request, customer_pk):
        """Download the account statement PDF (``?from=&to=`` ISO dates, ``language`` de/en)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_pk)
        today = timezone.localdate()
        try:
            period_end = date.fromisoformat(request.GET["to"]) if request.GET.get("to") else today
            period_start = (
                date.fromisoformat(request.GET["from"]) if request.GET.get("from") else period_end.replace(day=1)
            )
        except ValueError:
            self.message_user(request, gettext("Enter the period as dates, e.g. 2026-11-01."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:payments_payment_account", args=[customer.pk]))
        if period_start > period_end:
            self.message_user(request, gettext("The period starts after it ends."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:payments_payment_account", args=[customer.pk]))
        language = request.GET.get("language") if is_language(request.GET.get("language")) else None
        pdf = account_statement_pdf(
            customer=customer, period_start=period_start, period_end=period_end, as_of=timezone.now(), language=language
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(customer, period_end)}"'
        return response


def payment_event_rows(payment: Payment) -> list[dict]:
    """The payment's history as sentences (core.event_sentences), oldest first."""
    return [
        {
            "event": event,
            "when": datetime_text(event.at),
            "sentence": typed_event_sentence(event, currency=payment.currency),
            "by": event_by_text(event),
            "details": typed_event_details(event),
        }
        for event in payment.events.select_related("by").order_by("at", "id")
    ]
