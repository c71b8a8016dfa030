"""A person books a batch's pending items from a bank line the rules could not split: the bank
booked a total that names the batch but is not the sum of its pending items (some were rejected
before settlement). The page on the batch lists the undecided statement lines that name it (by
payment information id or message id) and its pending items; the chosen items must add up to the
chosen line exactly (``sepa.bank.confirm.batch_line_book_items``, which books them as the rules
would and closes the line's task)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, money_text
from payments.models import BankStatementLine

from ..bank.confirm import batch_line_book_items
from ..models import BatchItemStatus, BatchKind

TEMPLATE = "sepa/admin/action.html"
UNDECIDED = (BankStatementLine.MatchStatus.NEW, BankStatementLine.MatchStatus.REVIEW)


def lines_naming(batch) -> list[BankStatementLine]:
    """Undecided statement lines of the batch's direction and currency that name it."""
    pmtinf_ids = set(batch.items.values_list("payment_info_id", flat=True))
    return list(
        BankStatementLine.objects.filter(
            Q(payment_info_id__in=pmtinf_ids) | Q(batch_message_id=batch.message_id),
            match_status__in=UNDECIDED,
            credit=batch.kind == BatchKind.DIRECT_DEBIT,
            currency=batch.currency,
        ).order_by("booking_date", "id")
    )


class BookForm(forms.Form):
    line = forms.TypedChoiceField(label=_("statement line"), coerce=int, widget=forms.RadioSelect)
    items = forms.TypedMultipleChoiceField(
        label=_("items it booked"), coerce=int, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, lines, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (
                line.pk,
                f"{date_text(line.booking_date) if line.booking_date else ''} · "
                f"{money_text(line.amount, line.currency)} · {line.counterparty_name or line.remittance[:60]}",
            )
            for line in lines
        ]
        self.fields["items"].choices = [
            (
                item.pk,
                f"{item.customer} · {item.invoice.number if item.invoice_id else item.end_to_end_id} · "
                f"{money_text(item.amount, item.currency)}",
            )
            for item in items
        ]


def book_view(model_admin, request, batch):
    if not model_admin._may_act(request):
        raise PermissionDenied
    lines = lines_naming(batch)
    items = list(
        batch.items.filter(status=BatchItemStatus.PENDING).select_related("customer", "invoice").order_by("id")
    )
    form = BookForm(request.POST if request.method == "POST" else None, lines=lines, items=items)
    if request.method == "POST" and form.is_valid():
        line = next(line for line in lines if line.pk == form.cleaned_data["line"])
        chosen = [item for item in items if item.pk in set(form.cleaned_data["items"])]
        try:
            batch_line_book_items(line=line, items=chosen, as_of=timezone.now(), by=request.user)
        except ValidationError as exc:
            for field, texts in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, texts)
        else:
            model_admin.message_user(
                request,
                gettext("%(count)s items booked from the statement line of %(amount)s.")
                % {"count": len(chosen), "amount": money_text(line.amount, line.currency)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:sepa_batch_change", args=[batch.pk]))
    if not lines or not items:
        form = forms.Form()  # nothing to choose: the page says why
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": gettext("Book pending items from a statement line"),
            "form": form,
            "submit_label": gettext("Book the chosen items") if lines and items else "",
            "batch": batch,
            "preview": None,
            "explanation": gettext(
                "For a booked total that does not equal the pending items (the bank rejected some before "
                "settlement): choose the statement line and the items it booked; they must add up to its "
                "amount exactly. The others stay pending."
            )
            if lines and items
            else gettext("No undecided statement line names this file, or none of its items is pending."),
            "back_url": reverse("admin:sepa_batch_change", args=[batch.pk]),
        },
    )
