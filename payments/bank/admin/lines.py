"""The statement lines (read-only, with their kind, return reason and charges) and the review queue
page where people decide what matching and booking left to them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import ChangeListWriteGuard
from customers.models import Customer
from invoicing.admin.display import money

from ...models import BankStatementLine
from ...services.errors import SuggestionStale
from ..confirmations import line_descriptions
from ..debits import kind_text, line_link_return, lines_rematch, return_reason_text
from ..matching import line_accept, line_assign_to_customer, line_ignore, line_suggest
from .imports import TEMPLATES, ReadOnlyAdmin
from .review import (
    AcceptForm,
    AssignForm,
    IgnoreForm,
    LinkReturnForm,
    RematchForm,
    SplitForm,
    form_messages,
    review_entries,
    review_queue,
    service_messages,
    split_amounts,
)


class DirectionFilter(admin.SimpleListFilter):
    title = _("direction")
    parameter_name = "credit"

    def lookups(self, request, model_admin):
        return [("1", _("credit (money in)")), ("0", _("debit (money out)"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(credit=self.value() == "1")
        return queryset


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ChangeListWriteGuard, ReadOnlyAdmin):
    list_display = [
        "booking_date",
        "value_date",
        "amount_shown",
        "kind_shown",
        "counterparty_name",
        "remittance_short",
        "return_reason_shown",
        "charges_shown",
        "match_status",
        "statement",
    ]
    list_filter = [
        DirectionFilter,
        "kind",
        "match_status",
        "status",
        "reversal",
        ("statement", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "remittance",
        "counterparty_name",
        "counterparty_iban",
        "end_to_end_id",
        "payment_info_id",
        "mandate_id",
        "account_servicer_reference",
    ]
    ordering = ["-booking_date", "-id"]
    list_select_related = ["statement"]
    readonly_fields = [f.name for f in BankStatementLine._meta.fields] + ["ours_shown"]
    change_list_template = TEMPLATES + "line_change_list.html"

    def may_decide(self, request) -> bool:
        # A decision records or returns a payment: whoever may change payments (accountants and up).
        return request.user.has_perm("payments.change_payment")

    def _has_any_write_permission(self, request) -> bool:
        # The site's write guard (core/admin_site.py, named as a base so this comes first): the
        # review queue takes decisions by POST; the lines themselves stay read-only.
        return self.may_decide(request)

    def changelist_view(self, request, extra_context=None):
        review_url = reverse("admin:payments_bankstatementline_review")
        return super().changelist_view(request, {"review_url": review_url, **(extra_context or {})})

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return f"{'' if obj.credit else '−'}{money(obj.amount, obj.currency)}"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj):
        return kind_text(obj.kind)

    @admin.display(description=_("return reason"), ordering="return_reason")
    def return_reason_shown(self, obj):
        return return_reason_text(obj.return_reason) or "—"

    @admin.display(description=_("bank charges"), ordering="charges")
    def charges_shown(self, obj):
        return money(obj.charges, obj.currency) if obj.charges else "—"

    @admin.display(description=_("booked or returned of ours"))
    def ours_shown(self, obj):
        """The batch or collection of ours the line booked or returned (``bank.confirmations``)."""
        entries = line_descriptions(line=obj)
        if not entries:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            ((format_html('<a href="{}">{}</a>', url, text) if url else text,) for text, url in entries),
        )

    @admin.display(description=_("remittance"))
    def remittance_short(self, obj):
        return obj.remittance if len(obj.remittance) <= 80 else obj.remittance[:79] + "…"

    def get_urls(self):
        return [
            path("review/", self.admin_site.admin_view(self.review_view), name="payments_bankstatementline_review"),
            *super().get_urls(),
        ]

    def review_view(self, request):
        """The lines matching and booking left to people, each with what its kind offers (see
        ``review``): accept or split a credit, return a payment for a return line, assign, ignore,
        or match selected lines again."""
        may_decide = self.may_decide(request)
        if request.method not in ("GET", "HEAD"):
            if not may_decide:
                raise PermissionDenied
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
            self._decide(request)
            return HttpResponseRedirect(reverse("admin:payments_bankstatementline_review"))
        lines = list(review_queue())
        return TemplateResponse(
            request,
            TEMPLATES + "review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Review queue"),
                "entries": review_entries(lines),
                "may_decide": may_decide,
                "customers": _customers_to_pick(lines) if may_decide and lines else [],
            },
        )

    def _errors(self, request, errors: list[str]) -> None:
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    def _decide(self, request) -> None:
        action = request.POST.get("action")
        form_class = {
            "accept": AcceptForm,
            "assign": AssignForm,
            "ignore": IgnoreForm,
            "link_return": LinkReturnForm,
            "split": SplitForm,
            "rematch": RematchForm,
        }.get(action)
        if form_class is None:
            self.message_user(request, gettext("Unknown action."), messages.ERROR)
            return
        form = form_class(request.POST)
        if not form.is_valid():
            if action in ("accept", "assign", "ignore"):  # as these actions always answered
                self._errors(request, [error for errors in form.errors.values() for error in errors])
            else:
                self._errors(request, form_messages(form))
            return
        data, as_of, by = form.cleaned_data, timezone.now(), request.user
        if action == "rematch":
            self._rematch(request, data["lines"], as_of)
            return
        labels: dict[str, str] = {}
        try:
            with transaction.atomic():
                if action == "accept":
                    line_accept(match=data["match"], as_of=as_of, by=by)
                    message = gettext("The suggestion is accepted: the payment is recorded and applied.")
                elif action == "split":
                    line = data["match"].line
                    rows, errors, labels = split_amounts(request.POST, line=line)
                    if errors:
                        self._errors(request, errors)
                        return
                    line_accept(match=data["match"], as_of=as_of, by=by, amounts=rows)
                    rest = line.amount - sum(row["amount"] for row in rows)
                    message = gettext("The payment is recorded and split as given; %(rest)s stay unapplied.") % {
                        "rest": money(rest, line.currency)
                    }
                elif action == "assign":
                    line_assign_to_customer(line=data["line"], customer=data["customer"], as_of=as_of, by=by)
                    message = gettext("The line is recorded as a payment of %(customer)s, left unapplied.") % {
                        "customer": data["customer"]
                    }
                elif action == "link_return":
                    line_link_return(line=data["line"], payment=data["payment"], as_of=as_of, by=by)
                    message = gettext("Payment #%(payment)s is returned; what it paid is open again.") % {
                        "payment": data["payment"].pk
                    }
                else:
                    line_ignore(line=data["line"], as_of=as_of, by=by, reason=data["reason"])
                    message = gettext("The line is ignored.")
        except SuggestionStale as stale:
            # Someone else's payment changed the invoices: say so and rank the line again, so the
            # page shows the current open amounts and a fresh suggestion instead of a refusal.
            line_suggest(line=data["match"].line, as_of=as_of)
            self._errors(request, [str(stale)])
            return
        except ValidationError as exc:
            if action in ("accept", "assign", "ignore"):
                self._errors(request, exc.messages)
            else:
                labels = {"payment": str(LinkReturnForm.base_fields["payment"].label), **labels}
                self._errors(request, service_messages(exc, labels))
            return
        self.message_user(request, message, messages.SUCCESS)

    def _rematch(self, request, lines, as_of) -> None:
        counts = lines_rematch(lines=list(lines), as_of=as_of, by=request.user)
        self.message_user(
            request,
            gettext(
                "Matched again: %(lines)s line(s), %(matched)s matched, %(review)s still to review, "
                "%(ignored)s ignored."
            )
            % counts,
            messages.SUCCESS,
        )
        if counts["skipped"]:
            self.message_user(
                request,
                gettext("%(count)s line(s) were decided already and left as they are.") % {"count": counts["skipped"]},
                messages.WARNING,
            )
        for line, exc in counts["errors"]:
            for error in exc.messages:
                self.message_user(
                    request, gettext("Line #%(line)s: %(error)s") % {"line": line.pk, "error": error}, messages.ERROR
                )


CUSTOMERS_LISTED = 2000


def _customers_to_pick(lines) -> list[tuple]:
    """The customers the page offers to pick by number: all of them in a small ledger, otherwise
    those suggested for the page's lines (any other is typed by its number)."""
    customers = Customer.objects.order_by("number")
    if customers.count() > CUSTOMERS_LISTED:
        customers = customers.filter(bank_matches__line__in=lines).distinct()
    return list(customers.values_list("pk", "number", "legal_name"))
