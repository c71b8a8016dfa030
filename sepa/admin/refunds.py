"""Refunds of customer credit by SEPA transfer from the admin: an action on the payment list
("Refund the customer credit by SEPA transfer…") opens a page that shows what each selected
payment would refund and to which account, asks for the execution date and makes the pain.001 file
through ``refund_batch_create`` — the same service as the API. ``payments`` knows nothing of
``sepa``: the action is added here to the payment admin registered there."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import money_text
from customers.models import BankAccount
from invoicing.payment_means import iban_masked
from payments.models import Payment, PaymentStatus

from .. import services
from ..calendar import target2_add
from ..services.errors import SepaConflict

TEMPLATE = "sepa/admin/refund.html"


class RefundForm(forms.Form):
    execution_date = forms.DateField(
        label=_("execution date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),  # a date input takes ISO only
        help_text=_("a TARGET2 business day; the bank executes the transfers on it"),
    )


def refundable_payments(ids: list[int]) -> list[Payment]:
    """The chosen payments that hold customer credit in EUR (what a SEPA transfer can refund)."""
    return list(
        Payment.objects.filter(
            pk__in=ids, status=PaymentStatus.COMPLETED, currency="EUR", credit_amount__gt=0, customer__isnull=False
        )
        .select_related("customer")
        .order_by("customer__number", "value_date", "id")
    )


def refund_view(model_admin, request):
    """GET ``?ids=1,2``: the preview; POST: the file, then the batch's page."""
    if not model_admin._may_act(request):
        raise PermissionDenied
    raw = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids", "")
    ids = [int(part) for part in (raw or "").split(",") if part.strip().isdigit()]
    payments = refundable_payments(ids)
    form = RefundForm(
        request.POST if request.method == "POST" else None,
        initial={"execution_date": target2_add(timezone.localdate(), 1)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.refund_batch_create(
                execution_date=form.cleaned_data["execution_date"],
                items=[(payment, payment.credit_amount) for payment in payments],
                as_of=timezone.now(),
                by=request.user,
            )
        except ValidationError as exc:
            problems = getattr(exc, "message_dict", {"__all__": exc.messages})
            for field, texts in problems.items():
                form.add_error("execution_date" if field == "execution_date" else None, texts)
        except SepaConflict as exc:
            form.add_error(None, str(exc))
        else:
            model_admin.message_user(
                request,
                gettext("Refund file %(id)s created: %(count)s transfers, %(total)s.")
                % {
                    "id": batch.message_id,
                    "count": batch.item_count,
                    "total": money_text(batch.total, batch.currency),
                },
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:sepa_batch_change", args=[batch.pk]))
    accounts = {
        account.customer_id: account
        for account in BankAccount.objects.filter(
            customer_id__in={p.customer_id for p in payments}, is_active=True
        ).order_by("customer_id", "-id")
    }
    rows = [
        {
            "customer": payment.customer,
            "payment": str(payment),
            "amount": money_text(payment.credit_amount, payment.currency),
            "account": iban_masked(accounts[payment.customer_id].iban) if payment.customer_id in accounts else "",
        }
        for payment in payments
    ]
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": gettext("Refund customer credit by SEPA transfer"),
            "form": form,
            "rows": rows,
            "ids": ",".join(str(p.pk) for p in payments),
            "total": money_text(sum((p.credit_amount for p in payments), Decimal("0")), "EUR") if payments else "",
            "left_out": len(set(ids)) - len(payments),
            "back_url": reverse("admin:payments_payment_changelist"),
        },
    )


@admin.action(description=_("Refund the customer credit by SEPA transfer…"), permissions=["change"])
def payments_refund_by_transfer(modeladmin, request, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(reverse("admin:sepa_batch_refund") + f"?ids={ids}")


def _add_action(model, action) -> None:
    model_admin = admin.site._registry[model]
    if action not in (model_admin.actions or []):
        model_admin.actions = [*(model_admin.actions or []), action]


_add_action(Payment, payments_refund_by_transfer)
