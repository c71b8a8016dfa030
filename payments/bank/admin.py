"""The bank statements admin: uploaded files and their imports (with an upload page), the imported
statements with their balance warnings, their lines (read-only), and the review queue of the lines
matching left to people.

Viewers look; accountants (``payments.add_bankstatementimport``) upload, and decide on lines in the
review queue (``payments.change_payment``: a decision records a payment). Nothing here is edited:
statements are what the bank sent, and the import and matching services are the only writers.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import ChangeListWriteGuard
from customers.models import Customer
from invoicing.admin.display import money

from ..models import BankLineMatch, BankStatement, BankStatementImport, BankStatementLine
from .importing import csv_presets, statement_import_create, statement_max_bytes
from .matching import line_accept, line_assign_to_customer, line_ignore

TEMPLATES = "payments/admin/bank/"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("statement file"), help_text=_("CAMT.053, CAMT.052, CAMT.054 (XML), MT940 or CSV."))
    csv_mapping = forms.ChoiceField(
        label=_("CSV column mapping"),
        required=False,
        help_text=_("Only for CSV files: the layout of your bank's export."),
    )
    account_iban = forms.CharField(
        label=_("account IBAN"),
        max_length=42,
        required=False,
        help_text=_("Only for CSV files: the account the export belongs to (CSV exports do not name it)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        presets = csv_presets()
        if presets:
            self.fields["csv_mapping"].choices = [("", "—"), *((name, name) for name in sorted(presets))]
        else:  # no CSV layouts yet: CSV files cannot be uploaded
            del self.fields["csv_mapping"]
            del self.fields["account_iban"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > statement_max_bytes():
            raise ValidationError(
                gettext("The file is %(size)s bytes; at most %(limit)s bytes can be imported."),
                params={"size": upload.size, "limit": statement_max_bytes()},
            )
        return upload


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BankStatementImport)
class BankStatementImportAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "filename",
        "format",
        "status",
        "progress_shown",
        "statement_count",
        "new_line_count",
        "duplicate_count",
        "error_shown",
    ]
    list_filter = ["status", "format"]
    search_fields = ["filename", "sha256"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["created_by"]
    change_list_template = TEMPLATES + "import_change_list.html"
    readonly_fields = [f.name for f in BankStatementImport._meta.fields]

    def may_upload(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def has_add_permission(self, request):
        # Adding is uploading (accountants and up); the generic add form leads to the upload page.
        return self.may_upload(request)

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:payments_bankstatementimport_upload"))

    def changelist_view(self, request, extra_context=None):
        upload_url = reverse("admin:payments_bankstatementimport_upload") if self.may_upload(request) else ""
        return super().changelist_view(request, {"upload_url": upload_url, **(extra_context or {})})

    @admin.display(description=_("progress"), ordering="progress")
    def progress_shown(self, obj):
        return f"{obj.progress} %"

    @admin.display(description=_("error"))
    def error_shown(self, obj):
        if not obj.error:
            return "—"
        if obj.error_location:
            return format_html("{} <small>({})</small>", obj.error, obj.error_location)
        return obj.error

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="payments_bankstatementimport_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        """Upload a statement file; it is imported in the background and its import page shows how far."""
        if not self.may_upload(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            as_of = timezone.now()
            try:
                statement_import = statement_import_create(
                    data=upload.read(),
                    filename=upload.name,
                    as_of=as_of,
                    by=request.user,
                    csv_mapping=form.cleaned_data.get("csv_mapping") or None,
                    account_iban=form.cleaned_data.get("account_iban", ""),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if statement_import.created_at == as_of:
                    message, level = (
                        gettext("The file is uploaded; its import runs in the background."),
                        messages.SUCCESS,
                    )
                elif statement_import.status == BankStatementImport.Status.QUEUED:
                    message, level = gettext("This file failed before; it is imported again."), messages.WARNING
                else:
                    message, level = gettext("This file was uploaded before; here is its import."), messages.WARNING
                self.message_user(request, message, level)
                return HttpResponseRedirect(
                    reverse("admin:payments_bankstatementimport_change", args=[statement_import.pk])
                )
        return TemplateResponse(
            request,
            TEMPLATES + "upload.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Upload bank statement"),
                "form": form,
                "max_bytes": statement_max_bytes(),
                "changelist_url": reverse("admin:payments_bankstatementimport_changelist"),
            },
        )


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = [
        "to_date",
        "account_iban",
        "statement_id",
        "kind",
        "opening_shown",
        "closing_shown",
        "line_count",
        "warning_shown",
    ]
    list_filter = ["kind", "account_iban", ("balance_warning", admin.EmptyFieldListFilter)]
    search_fields = ["statement_id", "account_iban"]
    ordering = ["-to_date", "-id"]
    list_select_related = ["statement_import"]
    readonly_fields = [f.name for f in BankStatement._meta.fields]

    @admin.display(description=_("opening balance"), ordering="opening_balance")
    def opening_shown(self, obj):
        return money(obj.opening_balance, obj.currency)

    @admin.display(description=_("closing balance"), ordering="closing_balance")
    def closing_shown(self, obj):
        return money(obj.closing_balance, obj.currency)

    @admin.display(description=_("balance warning"))
    def warning_shown(self, obj):
        return format_html('<strong class="errornote">{}</strong>', obj.balance_warning) if obj.balance_warning else "—"


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
        "counterparty_name",
        "remittance_short",
        "return_reason",
        "match_status",
        "statement",
    ]
    list_filter = [
        DirectionFilter,
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
        "account_servicer_reference",
    ]
    ordering = ["-booking_date", "-id"]
    list_select_related = ["statement"]
    readonly_fields = [f.name for f in BankStatementLine._meta.fields]
    change_list_template = TEMPLATES + "line_change_list.html"

    def may_decide(self, request) -> bool:
        # A decision records a payment: whoever may change payments (accountants and up).
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

    @admin.display(description=_("remittance"))
    def remittance_short(self, obj):
        return obj.remittance if len(obj.remittance) <= 80 else obj.remittance[:79] + "…"

    def get_urls(self):
        return [
            path("review/", self.admin_site.admin_view(self.review_view), name="payments_bankstatementline_review"),
            *super().get_urls(),
        ]

    def review_view(self, request):
        """The lines matching left to people, each with its ranked suggestions: accept one, assign
        the line to a customer (left unapplied) or ignore it with a reason."""
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
                "entries": [_review_entry(line) for line in lines],
                "may_decide": may_decide,
                "customers": list(Customer.objects.order_by("number").values_list("pk", "number", "legal_name"))
                if may_decide and lines
                else [],
            },
        )

    def _decide(self, request) -> None:
        action = request.POST.get("action")
        form_class = {"accept": AcceptForm, "assign": AssignForm, "ignore": IgnoreForm}.get(action)
        if form_class is None:
            self.message_user(request, gettext("Unknown action."), messages.ERROR)
            return
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return
        data, as_of, by = form.cleaned_data, timezone.now(), request.user
        try:
            if action == "accept":
                line_accept(match=data["match"], as_of=as_of, by=by)
                message = gettext("The suggestion is accepted: the payment is recorded and applied.")
            elif action == "assign":
                line_assign_to_customer(line=data["line"], customer=data["customer"], as_of=as_of, by=by)
                message = gettext("The line is recorded as a payment of %(customer)s, left unapplied.") % {
                    "customer": data["customer"]
                }
            else:
                line_ignore(line=data["line"], as_of=as_of, by=by, reason=data["reason"])
                message = gettext("The line is ignored.")
        except ValidationError as exc:
            for error in exc.messages:
                self.message_user(request, error, messages.ERROR)
            return
        self.message_user(request, message, messages.SUCCESS)


# --- The review queue -------------------------------------------------------------------------------


def review_queue():
    """The lines to review, newest value date first, with their open suggestions and invoices."""
    return (
        BankStatementLine.objects.filter(match_status=BankStatementLine.MatchStatus.REVIEW)
        .order_by(F("value_date").desc(nulls_last=True), "-id")
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=BankLineMatch.objects.filter(decision="")
                .select_related("invoice", "customer")
                .order_by("rank", "id"),
                to_attr="open_matches",
            )
        )
    )


def _review_entry(line: BankStatementLine) -> dict:
    suggestions = []
    for rank, rows in groupby(line.open_matches, key=lambda row: row.rank):
        rows = list(rows)
        suggestions.append(
            {
                "match": rows[0],
                "rank": rank,
                "confidence": rows[0].confidence,
                "customer": rows[0].customer,
                "invoices": ", ".join(row.invoice.number for row in rows if row.invoice is not None),
                "amount": money(sum(row.amount for row in rows), line.currency),
                "explanation": rows[0].explanation,
            }
        )
    return {
        "line": line,
        "amount": f"{'' if line.credit else '−'}{money(line.amount, line.currency)}",
        "suggestions": suggestions,
    }


class AcceptForm(forms.Form):
    match = forms.ModelChoiceField(queryset=BankLineMatch.objects.select_related("line"))


class AssignForm(forms.Form):
    line = forms.ModelChoiceField(queryset=BankStatementLine.objects.all())
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), label=_("customer"))


class IgnoreForm(forms.Form):
    line = forms.ModelChoiceField(queryset=BankStatementLine.objects.all())
    reason = forms.CharField(required=False, max_length=500)  # required: the service says so
