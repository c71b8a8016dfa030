"""The payments admin: payments with their parts, allocations and history; recording money received
by hand (``payments.add_payment``: accountants and up); the pages that act on a payment (allocate
to the customer's open items, keep as credit, refund, return, reverse an allocation); a
customer's account (open items, payments, credit, balance, statement); and writing off a small
difference left on an invoice (finance managers only, from the account's open items).

Every write goes through ``payments.services``; a refusal is shown on the form (per row on the
allocation page) and nothing is half-applied, because each service runs in one transaction.
Viewers look; accountants and finance managers (``change`` permission) act.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of
from customers.models import Customer
from customers.validation import FieldProblem, clean_iban
from invoicing.admin.display import money
from invoicing.models import Invoice

from . import services
from .models import Allocation, Payment, PaymentChannel, PaymentEvent, PaymentStatus, Refund
from .statement import account_rows, account_statement_pdf, bucket_labels, statement_filename

TEMPLATES = "payments/admin/"


# --- Forms ------------------------------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255)


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
        help_text=_("empty: all that is unapplied"),
    )  # fmt: skip


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    channel = forms.ChoiceField(
        label=_("channel"), choices=PaymentChannel.choices, initial=PaymentChannel.BANK_TRANSFER
    )
    reference = forms.CharField(label=_("reference"), max_length=200, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000)
    return_code = forms.CharField(
        label=_("return code"), max_length=10, required=False, help_text=_("e.g. SEPA AC04, MD06")
    )


class CompleteForm(forms.Form):
    allocate = forms.BooleanField(label=_("allocate automatically"), required=False, initial=True)


class FailForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255, help_text=_("e.g. card declined"))


class AssignForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.order_by("number"))
    allocate = forms.BooleanField(label=_("allocate automatically"), required=False, initial=True)


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(
        label=_("reason"), max_length=255, help_text=_("e.g. bank charges deducted, a few cents short")
    )


class RecordForm(forms.Form):
    """Money finance staff see arrive: cash, a cheque, a transfer in online banking, a card payment."""

    customer = forms.ModelChoiceField(
        label=_("customer"), queryset=Customer.objects.order_by("legal_name", "pk"), required=False,
        help_text=_("leave empty only if the payer is not known yet"),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("channel"), choices=PaymentChannel.choices, initial=PaymentChannel.CASH)
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.CharField(
        label=_("currency"), max_length=3, required=False, help_text=_("empty: the customer's currency")
    )
    value_date = forms.DateField(
        label=_("value date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    payer_name = forms.CharField(label=_("payer"), max_length=200, required=False)
    payer_iban = forms.CharField(label=_("payer IBAN"), max_length=42, required=False)
    remittance = forms.CharField(
        label=_("remittance information"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("invoice numbers named here are settled first"),
    )  # fmt: skip
    external_id = forms.CharField(
        label=_("external id"), max_length=200, required=False,
        help_text=_("bank reference or receipt number; the same one twice is recorded once"),
    )  # fmt: skip
    allocate = forms.BooleanField(
        label=_("allocate automatically"), required=False, initial=True,
        help_text=_("first the invoices named in the remittance information, the rest by law (§§ 366, 367 BGB)"),
    )  # fmt: skip

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        field.widget = AutocompleteSelect(Payment._meta.get_field("customer"), admin_site)
        field.widget.choices = field.choices

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_payer_iban(self) -> str:
        raw = self.cleaned_data["payer_iban"].strip()
        if not raw:
            return ""
        try:
            return str(clean_iban(raw).compact)
        except FieldProblem as exc:
            raise ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        if not data.get("currency"):
            customer = data.get("customer")
            data["currency"] = (
                customer.currency if customer is not None else Payment._meta.get_field("currency").default
            )
        return data


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages_ in exc.message_dict.items():
        name = field.split(".")[-1]
        form.add_error(name if name in form.fields else None, messages_)


# --- Lists ------------------------------------------------------------------------------------
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
    fields = ["target", "amount", "rule", "explanation", "created_at", "created_by", "state"]
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
                "date": timezone.localtime(obj.reversed_at).strftime("%Y-%m-%d"),
                "reason": obj.reversal_reason,
            }
        return gettext("active")

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
                "date": timezone.localtime(obj.reversed_at).strftime("%Y-%m-%d"),
                "reason": obj.reversal_reason,
            }
        url = reverse("admin:payments_payment_reverse_allocation", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Reverse"))


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "channel", "reference", "created_at", "created_by"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["at", "kind", "by", "from_state", "to_state", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "value_date",
        "amount_shown",
        "channel",
        "status",
        "customer",
        "payer_name",
        "allocated_shown",
        "credit_shown",
        "unapplied_shown",
        "other_parts",
    ]
    list_filter = [
        "channel",
        "status",
        UnallocatedFilter,
        ("customer", admin.RelatedOnlyFieldListFilter),
        ("value_date", admin.DateFieldListFilter),
        "source",
    ]
    search_fields = [
        "payer_name",
        "payer_iban",
        "remittance",
        "external_id",
        "customer__legal_name",
        "customer__number",
    ]
    list_select_related = ["customer"]
    date_hierarchy = "value_date"
    ordering = ["-value_date", "-id"]
    inlines = [AllocationInline, RefundInline, EventInline]
    change_form_template = "payments/admin/change_form.html"
    change_list_template = "payments/admin/change_list.html"
    fieldsets = [
        (None, {"fields": ["customer", ("channel", "status", "source"), ("amount", "currency"), "value_date"]}),
        (_("Payer"), {"fields": ["payer_name", "payer_iban", "remittance", "external_id"]}),
        (
            _("Parts"),
            {
                "fields": [
                    ("allocated_amount", "credit_amount", "unapplied_amount"),
                    ("refunded_amount", "returned_amount"),
                ]
            },
        ),
        (_("Record"), {"fields": [("created_at", "created_by"), "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Payment._meta.fields]

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
            if payment.customer_id:
                extra["payment_actions"].append(
                    (reverse("admin:payments_payment_account", args=[payment.customer_id]), gettext("Customer account"))
                )
        return super().changeform_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # columns
    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return money(obj.amount, obj.currency)

    @admin.display(description=_("allocated"), ordering="allocated_amount")
    def allocated_shown(self, obj):
        return money(obj.allocated_amount, obj.currency, code=False)

    @admin.display(description=_("customer credit"), ordering="credit_amount")
    def credit_shown(self, obj):
        return money(obj.credit_amount, obj.currency, code=False)

    @admin.display(description=_("unapplied"), ordering="unapplied_amount")
    def unapplied_shown(self, obj):
        return money(obj.unapplied_amount, obj.currency, code=False)

    @admin.display(description=_("refunded / returned"))
    def other_parts(self, obj):
        if not (obj.refunded_amount or obj.returned_amount):
            return "—"
        refunded = money(obj.refunded_amount, obj.currency, code=False)
        return f"{refunded} / {money(obj.returned_amount, obj.currency, code=False)}"

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

    def _payment_to_act_on(self, request, object_id) -> Payment:
        if not self.may_act(request):
            raise PermissionDenied
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404(gettext("No such payment."))
        return payment

    def _change_page(self, payment_id: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:payments_payment_change", args=[payment_id]))

    def _page(self, request, template: str, title, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            TEMPLATES + template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def _form_page(self, request, payment: Payment, form, title, submit, explanation="") -> TemplateResponse:
        return self._page(
            request,
            "action.html",
            title,
            payment=payment,
            form=form,
            submit_label=submit,
            explanation=explanation,
            amount=money(payment.amount, payment.currency),
            unapplied=money(payment.unapplied_amount, payment.currency),
            credit=money(payment.credit_amount, payment.currency),
            change_url=reverse("admin:payments_payment_change", args=[payment.pk]),
        )

    def _run(self, request, form, call, success: str) -> bool:
        try:
            call()
        except ValidationError as exc:
            _add_service_errors(form, exc)
            return False
        self.message_user(request, success, messages.SUCCESS)
        return True

    def credit_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = CreditForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_keep_as_credit(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, amount=form.cleaned_data["amount"]
            )
            if self._run(request, form, call, gettext("The money is kept as the customer's credit.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Keep as credit"),
            gettext("Keep as credit"),
            gettext("Unapplied money becomes the customer's credit: applied to later invoices or refunded."),
        )

    def refund_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = RefundForm(
            request.POST if request.method == "POST" else None, initial={"amount": payment.credit_amount or None}
        )
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_refund(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The refund is recorded.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Refund"),
            gettext("Record refund"),
            gettext("Only the customer's credit can be refunded."),
        )

    def return_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = ReturnForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_return(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The payment is returned; its invoices are open again.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Return"),
            gettext("Record return"),
            gettext("The money came back (e.g. a direct-debit return): every allocation is reversed."),
        )

    def complete_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = CompleteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_complete(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The payment has arrived and is applied.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Arrived"),
            gettext("Mark as arrived"),
            gettext("The announced payment has arrived: it is completed and applied like a new one."),
        )

    def fail_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = FailForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_fail(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The payment is marked as failed.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Failed"),
            gettext("Mark as failed"),
            gettext("The announced payment did not arrive; nothing was applied, nothing reopens."),
        )

    def assign_view(self, request, object_id):
        payment = self._payment_to_act_on(request, object_id)
        form = AssignForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.payment_assign_customer(  # noqa: E731
                payment=payment, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The payment is assigned to the customer.")):
                return self._change_page(payment.pk)
        return self._form_page(
            request,
            payment,
            form,
            gettext("Assign to customer"),
            gettext("Assign"),
            gettext("The payer was not recognised: name the customer; invoices named in the remittance come first."),
        )

    def reverse_allocation_view(self, request, pk):
        if not self.may_act(request):
            raise PermissionDenied
        allocation = get_object_or_404(Allocation.objects.select_related("payment", "invoice", "item"), pk=pk)
        form = ReasonForm(request.POST if request.method == "POST" else None)
        back = allocation.payment_id
        if request.method == "POST" and form.is_valid():
            call = lambda: services.allocation_reverse(  # noqa: E731
                allocation=allocation, as_of=timezone.now(), by=request.user, reason=form.cleaned_data["reason"]
            )
            if self._run(request, form, call, gettext("The allocation is reversed.")):
                if back:
                    return self._change_page(back)
                return HttpResponseRedirect(reverse("admin:payments_payment_changelist"))
        target = allocation.invoice.number if allocation.invoice_id else str(allocation.item)
        return self._form_page(
            request,
            allocation.payment,
            form,
            gettext("Reverse allocation of %(amount)s to %(target)s")
            % {"amount": money(allocation.amount, allocation.currency), "target": target},
            gettext("Reverse"),
            gettext("The money goes back to the payment; the item is open again."),
        )

    def record_view(self, request):
        """Record money received (``?customer=<pk>`` fills in the customer and its currency)."""
        if not self.may_record(request):
            raise PermissionDenied
        initial = {"value_date": timezone.localdate(), "allocate": True}
        known = request.GET.get("customer", "")
        customer = Customer.objects.filter(pk=known).first() if known.isdigit() else None
        if customer is not None:
            initial.update(customer=customer, currency=customer.currency)
        form = RecordForm(
            request.POST if request.method == "POST" else None, initial=initial, admin_site=self.admin_site
        )
        if request.method == "POST" and form.is_valid():
            as_of = timezone.now()
            try:
                payment = services.payment_record(as_of=as_of, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                self._recorded_message(request, payment, new=payment.created_at == as_of)
                return self._change_page(payment.pk)
        back = (
            reverse("admin:payments_payment_account", args=[customer.pk])
            if customer is not None
            else reverse("admin:payments_payment_changelist")
        )
        return self._page(
            request,
            "action.html",
            gettext("Record payment"),
            form=form,
            submit_label=gettext("Record payment"),
            explanation=gettext(
                "Money received by hand, by cheque, by card or seen in online banking. "
                "Bank statements and payment providers record their payments themselves."
            ),
            change_url=back,
        )

    def _recorded_message(self, request, payment: Payment, *, new: bool) -> None:
        if not new:  # payment_record returns the payment already recorded under this external id
            self.message_user(
                request, gettext("This payment was already recorded (same channel and external id)."), messages.WARNING
            )
            return
        self.message_user(
            request,
            gettext("The payment of %(amount)s is recorded: %(allocated)s allocated, %(unapplied)s unapplied.")
            % {
                "amount": money(payment.amount, payment.currency),
                "allocated": money(payment.allocated_amount, payment.currency),
                "unapplied": money(payment.unapplied_amount, payment.currency),
            },
            messages.SUCCESS,
        )

    def allocate_view(self, request, object_id):
        """The customer's open items with an amount field each; all amounts are applied together or
        none (one call of ``payment_allocate``), refusals are shown on their rows."""
        payment = self._payment_to_act_on(request, object_id)
        if payment.customer_id is None:
            self.message_user(request, gettext("Assign the payment to a customer first."), messages.ERROR)
            return self._change_page(payment.pk)
        rows = [
            row
            for row in account_rows(customer=payment.customer, as_of=timezone.localdate())
            if not row.is_credit and row.currency == payment.currency
        ]
        entries = [
            {"row": row, "key": f"{'invoice' if row.kind == 'invoice' else 'item'}-{row.id}", "value": "", "errors": []}
            for row in rows
        ]
        form_errors: list[str] = []
        if request.method == "POST":
            targets, positions = [], []
            for index, entry in enumerate(entries):
                raw = request.POST.get(entry["key"], "").strip().replace(",", ".")
                entry["value"] = raw
                if not raw:
                    continue
                try:
                    amount = Decimal(raw)
                    if not amount.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    entry["errors"].append(gettext("Enter an amount, e.g. 119.00."))
                    continue
                if amount <= 0:
                    entry["errors"].append(gettext("Enter an amount above zero."))
                    continue
                kind, pk = entry["key"].split("-")
                target = {"invoice": entry["row"].id} if kind == "invoice" else {"item": entry["row"].id}
                targets.append((kind, target, amount))
                positions.append(index)
            if not targets and not any(entry["errors"] for entry in entries):
                form_errors.append(gettext("Enter an amount for at least one item."))
            if targets and not any(entry["errors"] for entry in entries):
                try:
                    if payment.unapplied_amount > 0:
                        services.payment_allocate(
                            payment=payment, targets=_load_targets(targets), as_of=timezone.now(), by=request.user
                        )
                    else:  # the customer's credit from this payment
                        services.credit_apply(
                            payment=payment, targets=_load_targets(targets), as_of=timezone.now(), by=request.user
                        )
                except ValidationError as exc:
                    _row_errors(exc, entries, positions, form_errors)
                else:
                    self.message_user(request, gettext("The payment is allocated."), messages.SUCCESS)
                    return self._change_page(payment.pk)
        return self._page(
            request,
            "allocate.html",
            gettext("Allocate %(amount)s") % {"amount": money(payment.amount, payment.currency)},
            payment=payment,
            entries=entries,
            form_errors=form_errors,
            unapplied=money(payment.unapplied_amount, payment.currency),
            credit=money(payment.credit_amount, payment.currency),
            bucket_labels=bucket_labels(),
            change_url=reverse("admin:payments_payment_change", args=[payment.pk]),
        )

    def write_off_view(self, request, pk):
        """Write off a small remaining difference on an invoice (finance managers, with reason); the
        amount is pre-filled with the open amount when it is within the tolerance."""
        if not self.may_write_off(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
        back = reverse("admin:payments_payment_account", args=[invoice.customer_id])
        tolerance = services.write_off_tolerance()
        initial = {"amount": invoice.open_amount} if 0 < invoice.open_amount <= tolerance else {}
        form = WriteOffForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            call = lambda: services.write_off(  # noqa: E731
                invoice=invoice, as_of=timezone.now(), by=request.user, **form.cleaned_data
            )
            if self._run(request, form, call, gettext("The difference is written off.")):
                return HttpResponseRedirect(back)
        return self._page(
            request,
            "action.html",
            gettext("Write off on %(invoice)s") % {"invoice": invoice.number or invoice.pk},
            form=form,
            submit_label=gettext("Write off"),
            explanation=gettext(
                "Open: %(open)s. Up to %(tolerance)s per invoice can be written off, never more than is open."
            )
            % {"open": money(invoice.open_amount, invoice.currency), "tolerance": money(tolerance, invoice.currency)},
            change_url=back,
        )

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
        language = request.GET.get("language") if request.GET.get("language") in ("de", "en") else None
        pdf = account_statement_pdf(
            customer=customer, period_start=period_start, period_end=period_end, as_of=timezone.now(), language=language
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(customer, period_end)}"'
        return response


def _load_targets(targets: list[tuple[str, dict, Decimal]]) -> list[dict]:
    """The allocation page's rows as the service's targets (invoices and items loaded in two queries)."""
    from invoicing.models import Invoice

    from .models import OpenItem

    invoices = Invoice.objects.in_bulk([t["invoice"] for kind, t, _a in targets if kind == "invoice"])
    items = OpenItem.objects.in_bulk([t["item"] for kind, t, _a in targets if kind == "item"])
    return [
        {"invoice": invoices[t["invoice"]], "amount": amount}
        if kind == "invoice"
        else {"item": items[t["item"]], "amount": amount}
        for kind, t, amount in targets
    ]


def _row_errors(exc: ValidationError, entries: list[dict], positions: list[int], form_errors: list[str]) -> None:
    """Put a service refusal on its row: ``targets.<n>.<field>`` names the n-th target given."""
    if not hasattr(exc, "error_dict"):
        form_errors.extend(exc.messages)
        return
    for key, messages_ in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "targets" and parts[1].isdigit() and int(parts[1]) < len(positions):
            entries[positions[int(parts[1])]]["errors"].extend(messages_)
        else:
            form_errors.extend(messages_)


from .bank import admin as bank_admin  # noqa: E402, F401  (registers the bank statement pages)
