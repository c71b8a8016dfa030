"""Uploaded statement files and their imports (with an upload page), and the imported statements
with their balance warnings. Accountants (``payments.add_bankstatementimport``) upload; nothing
here is edited: statements are what the bank sent, and the import is the only writer."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import MoneyFieldsMixin
from core.admin_site import ChangeListWriteGuard
from core.roles import Role, role_of
from invoicing.admin.display import money

from ...models import BankStatement, BankStatementImport, BankStatementStanding
from ..importing import csv_presets, statement_import_create, statement_max_bytes
from ..importing.redelivery import ACCEPT, REJECT, change_text, statement_redelivery_decide
from ..selectors import imports_matching_progress, statements_matching_progress

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


class ReadOnlyAdmin(MoneyFieldsMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MatchingProgressColumn:
    """A "matching" column and detail field: how far matching got with the lines, counted for a
    whole page in one query (``payments.bank.selectors``) and kept on the page's objects."""

    matching_progress = None  # the selector for a list of ids, set by the admin

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        progress = self.matching_progress([obj.pk for obj in changelist.result_list])
        for obj in changelist.result_list:  # the page's queryset keeps these objects for the template
            obj.matching = progress[obj.pk]
        return changelist

    @admin.display(description=_("matching"))
    def matching_shown(self, obj):
        progress = getattr(obj, "matching", None) or self.matching_progress([obj.pk])[obj.pk]
        return str(progress)


@admin.register(BankStatementImport)
class BankStatementImportAdmin(MatchingProgressColumn, ReadOnlyAdmin):
    matching_progress = staticmethod(imports_matching_progress)
    list_display = [
        "created_at",
        "filename",
        "format",
        "status",
        "progress_shown",
        "statement_count",
        "new_line_count",
        "duplicate_count",
        "redelivered_count",
        "held_count",
        "matching_shown",
        "error_shown",
    ]
    list_filter = ["status", "format"]
    search_fields = ["filename", "sha256"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["created_by"]
    change_list_template = TEMPLATES + "import_change_list.html"
    readonly_fields = [
        *(f.name if f.name != "error_message" else "error_shown" for f in BankStatementImport._meta.fields),
        "matching_shown",
    ]

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
        error = obj.error  # worded now, in the reader's language
        if not error:
            return "—"
        if obj.error_location:
            return format_html("{} <small>({})</small>", error, obj.error_location_text)
        return error

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
                    data=upload,  # streamed in chunks; refused past the limit while reading
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
                if not statement_import.duplicate:
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
        explanation = gettext(
            "The file is imported in the background, all or nothing: a file the bank statement import cannot "
            "read is refused as a whole, with the reason and where in the file. Uploading the same file again "
            "imports nothing twice. At most %(limit)s."
        ) % {"limit": filesizeformat(statement_max_bytes())}
        return TemplateResponse(
            request,
            "payments/admin/action.html",  # the payments admin's form page (multipart: the form has a file)
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Upload bank statement"),
                "form": form,
                "explanation": explanation,
                "submit_label": gettext("Upload"),
                "change_url": reverse("admin:payments_bankstatementimport_changelist"),
            },
        )


class WarningFilter(admin.SimpleListFilter):
    title = _("balance warning")
    parameter_name = "warned"

    def lookups(self, request, model_admin):
        return [("1", _("with a warning")), ("0", _("without a warning"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(warnings=[])
        if self.value() == "0":
            return queryset.filter(warnings=[])
        return queryset


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (ACCEPT, _("accept: the re-delivery replaces the earlier delivery")),
            (REJECT, _("reject: keep the earlier delivery")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


STATEMENT_JSON_FIELDS = ["warnings", "line_hashes", "held_lines", "changes"]


@admin.register(BankStatement)
class BankStatementAdmin(ChangeListWriteGuard, MatchingProgressColumn, ReadOnlyAdmin):
    matching_progress = staticmethod(statements_matching_progress)
    list_display = [
        "to_date",
        "account_iban",
        "statement_id",
        "kind",
        "standing_shown",
        "opening_shown",
        "closing_shown",
        "line_count",
        "matching_shown",
        "warning_shown",
    ]
    list_filter = ["standing", "kind", "account_iban", WarningFilter]
    search_fields = ["statement_id", "account_iban"]
    ordering = ["-to_date", "-id"]
    list_select_related = ["statement_import"]
    # The stored JSON (messages, hashes, held lines, the diff) is shown worded, never raw.
    exclude = STATEMENT_JSON_FIELDS
    readonly_fields = [
        *(f.name for f in BankStatement._meta.fields if f.name not in STATEMENT_JSON_FIELDS),
        "warning_shown",
        "changes_shown",
        "events_shown",
        "matching_shown",
    ]

    def may_decide(self, request) -> bool:
        role = role_of(request.user)
        return role is not None and role >= Role.FINANCE_MANAGER

    @admin.display(description=_("standing"), ordering="standing")
    def standing_shown(self, obj):
        text = obj.get_standing_display()
        if obj.standing == BankStatementStanding.HELD:
            return format_html('<strong class="errornote">{}</strong>', text)
        return text

    @admin.display(description=_("opening balance"), ordering="opening_balance")
    def opening_shown(self, obj):
        return money(obj.opening_balance, obj.currency)

    @admin.display(description=_("closing balance"), ordering="closing_balance")
    def closing_shown(self, obj):
        return money(obj.closing_balance, obj.currency)

    @admin.display(description=_("balance warning"))
    def warning_shown(self, obj):
        warning = obj.balance_warning  # worded now, in the reader's language
        return format_html('<strong class="errornote">{}</strong>', warning) if warning else "—"

    @admin.display(description=_("changes against the earlier delivery"))
    def changes_shown(self, obj):
        if not obj.changes:
            return "—"
        listed = format_html_join(
            "", "<li>{}</li>", ((change_text(change, currency=obj.currency),) for change in obj.changes)
        )
        link = ""
        if obj.standing == BankStatementStanding.HELD:
            link = format_html(
                '<p><a class="button" href="{}">{}</a></p>',
                reverse("admin:payments_bankstatement_decide", args=[obj.pk]),
                gettext("Accept or reject (finance managers)"),
            )
        return format_html("<ul>{}</ul>{}", listed, link)

    @admin.display(description=_("history"))
    def events_shown(self, obj):
        events = obj.events.select_related("by").order_by("at", "id")
        if not events:
            return "—"
        return format_html_join(
            "",
            "<div>{} · {} · {} {}</div>",
            (
                (
                    date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT"),
                    event.get_kind_display(),
                    event.by or (gettext(event.actor) if event.actor else "—"),  # "bank statement import"
                    f"· {event.reason}" if event.reason else "",
                )
                for event in events
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="payments_bankstatement_decide",
            ),
            *super().get_urls(),
        ]

    def _has_any_write_permission(self, request) -> bool:
        # The site's write guard (core/admin_site.py): the decision is taken by POST.
        return self.may_decide(request)

    def decide_view(self, request, object_id: int):
        """A finance manager accepts or rejects a re-delivered statement on hold, seeing every change."""
        if not self.may_decide(request):
            raise PermissionDenied
        statement = BankStatement.objects.filter(pk=object_id).first()
        if statement is None:
            return HttpResponseRedirect(reverse("admin:payments_bankstatement_changelist"))
        change_url = reverse("admin:payments_bankstatement_change", args=[statement.pk])
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                statement_redelivery_decide(
                    statement=statement,
                    decision=form.cleaned_data["decision"],
                    as_of=timezone.now(),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    form.add_error(None, errors)
            else:
                self.message_user(request, gettext("The decision is recorded."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        explanation = format_html(
            "{}<ul>{}</ul>{}",
            gettext(
                "The bank delivered this statement again with other content. Accepting withdraws the earlier "
                "delivery's removed and changed lines (they are kept, marked withdrawn) and matches the added and "
                "changed ones; it is refused while a line it would withdraw is booked. Rejecting keeps the earlier "
                "delivery. Nothing is deleted."
            ),
            format_html_join(
                "", "<li>{}</li>", ((change_text(change, currency=statement.currency),) for change in statement.changes)
            ),
            statement.balance_warning,
        )
        return TemplateResponse(
            request,
            "payments/admin/action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Re-delivered statement %(statement)s") % {"statement": statement},
                "form": form,
                "explanation": explanation,
                "submit_label": gettext("Record the decision"),
                "change_url": change_url,
            },
        )
