"""The pages that act on a payment: allocate, keep as credit, refund, return, complete, fail,
assign, reverse an allocation, record by hand, write off. Mixed into ``PaymentAdmin``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from customers.models import Customer
from invoicing.admin.display import money
from invoicing.models import Invoice

from .. import services
from ..models import Allocation, Payment
from ..statement import account_rows, bucket_labels
from .forms import (
    AssignForm,
    CompleteForm,
    CreditForm,
    FailForm,
    ReasonForm,
    RecordForm,
    RefundForm,
    ReturnForm,
    WriteOffForm,
    _add_service_errors,
)

TEMPLATES = "payments/admin/"


class PaymentActionViews:
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


def _load_targets(targets: list[tuple[str, dict, Decimal]]) -> list[dict]:
    """The allocation page's rows as the service's targets (invoices and items loaded in two queries)."""
    from invoicing.models import Invoice

    from ..models import OpenItem

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
