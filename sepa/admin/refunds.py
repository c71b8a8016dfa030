"""Refunds of customer credit by SEPA transfer from the admin: a page (``/admin/sepa/batch/refund/``,
linked from the SEPA file list and from each payment with credit) lists the payments holding EUR
customer credit with the account each would go to; a person ticks those to refund, gives the
execution date, and the pain.001 file is made through ``refund_batch_create`` — the same service as
the API. ``payments`` knows nothing of ``sepa``: the payment page's link is registered with it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
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
from payments.admin.payments import payment_page_links_register
from payments.models import Payment, PaymentStatus

from .. import services
from ..calendar import target2_add
from ..services.errors import SepaConflict

TEMPLATE = "sepa/admin/refund.html"


MAX_ROWS = 500


class RefundForm(forms.Form):
    payments = forms.TypedMultipleChoiceField(
        label=_("payments to refund"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    execution_date = forms.DateField(
        label=_("execution date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),  # a date input takes ISO only
        help_text=_("a TARGET2 business day; the bank executes the transfers on it"),
    )

    def __init__(self, *args, payments, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payments"].choices = [
            (
                payment.pk,
                f"{payment.customer} · {payment} · {gettext('credit')} "
                f"{money_text(payment.credit_amount, payment.currency)} → "
                + (
                    iban_masked(accounts[payment.customer_id].iban)
                    if payment.customer_id in accounts
                    else gettext("no active bank account")
                ),
            )
            for payment in payments
        ]


def refundable_payments() -> list[Payment]:
    """Payments holding customer credit in EUR (what a SEPA transfer can refund), oldest first."""
    return list(
        Payment.objects.filter(
            status=PaymentStatus.COMPLETED, currency="EUR", credit_amount__gt=0, customer__isnull=False
        )
        .select_related("customer")
        .order_by("value_date", "id")[:MAX_ROWS]
    )


def refund_view(model_admin, request):
    """GET (``?ids=1,2`` ticks those): the list; POST: the file, then the batch's page."""
    if not model_admin._may_act(request):
        raise PermissionDenied
    payments = refundable_payments()
    accounts = {
        account.customer_id: account
        for account in BankAccount.objects.filter(
            customer_id__in={p.customer_id for p in payments}, is_active=True
        ).order_by("customer_id", "id")
    }
    ticked = [int(part) for part in request.GET.get("ids", "").split(",") if part.strip().isdigit()]
    form = RefundForm(
        request.POST if request.method == "POST" else None,
        payments=payments,
        accounts=accounts,
        initial={"execution_date": target2_add(timezone.localdate(), 1), "payments": ticked},
    )
    if request.method == "POST" and form.is_valid():
        chosen = [payment for payment in payments if payment.pk in set(form.cleaned_data["payments"])]
        try:
            batch = services.refund_batch_create(
                execution_date=form.cleaned_data["execution_date"],
                items=[(payment, payment.credit_amount) for payment in chosen],
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
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": gettext("Refund customer credit by SEPA transfer"),
            "form": form,
            "any": bool(payments),
            "back_url": reverse("admin:sepa_batch_changelist"),
        },
    )


def payment_refund_link(payment) -> list[tuple[str, str]]:
    """The link on a payment's page: refund its customer credit by SEPA transfer."""
    if payment.status != PaymentStatus.COMPLETED or payment.currency != "EUR" or payment.credit_amount <= 0:
        return []
    return [(reverse("admin:sepa_batch_refund") + f"?ids={payment.pk}", gettext("Refund by SEPA transfer…"))]


payment_page_links_register(payment_refund_link)
