"""The bank statements admin: uploaded files and their imports (with an upload page), the imported
statements with their balance warnings, and their lines (read-only).

Viewers look; accountants (``payments.add_bankstatementimport``) upload. Nothing here is edited:
statements are what the bank sent, and the import service is the only writer.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from invoicing.admin.display import money

from ..models import BankStatement, BankStatementImport, BankStatementLine
from .importing import csv_presets, statement_import_create, statement_max_bytes

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
class BankStatementLineAdmin(ReadOnlyAdmin):
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

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return f"{'' if obj.credit else '−'}{money(obj.amount, obj.currency)}"

    @admin.display(description=_("remittance"))
    def remittance_short(self, obj):
        return obj.remittance if len(obj.remittance) <= 80 else obj.remittance[:79] + "…"
