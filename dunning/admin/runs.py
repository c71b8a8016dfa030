"""Admin of dunning runs: what each run did (reminded, skipped with the reason in words, failed),
the reminders (status, lines as a table, PDF, e-mail) and their records; a preview for any day
(the dry run, nothing written) reachable from the runs list; finance managers may run now."""

from __future__ import annotations

from datetime import date

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.documents import StoredFileAltered, document_read
from core.formatting import date_text, money_text
from core.messages import message_text, messages_text
from core.roles import Role, role_of

from ..models import DunningRun, DunningRunEntry, EntryOutcome, Reminder, ReminderRecord, SkipReason
from ..services import dunning_dry_run, dunning_run
from ..snapshot import lines_from_json


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the run writes is a log: nobody adds, edits or deletes it here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _is_manager(request) -> bool:
    role = role_of(request.user)
    return role is not None and role >= Role.FINANCE_MANAGER


def _message_link(message_id) -> str:
    if not message_id:
        return "–"
    url = reverse("admin:communications_outboxmessage_change", args=[message_id])
    return format_html('<a href="{}">{}</a>', url, gettext("e-mail #%(id)s") % {"id": message_id})


class EntryInline(admin.TabularInline):
    model = DunningRunEntry
    extra = 0
    can_delete = False
    fields = ["customer", "invoice", "level", "outcome", "reason_text", "reminder_link"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "invoice", "level", "reminder")

    @admin.display(description=_("why"))
    def reason_text(self, obj) -> str:
        return message_text(obj.reason)

    @admin.display(description=_("reminder"))
    def reminder_link(self, obj) -> str:
        if not obj.reminder_id:
            return "–"
        url = reverse("admin:dunning_reminder_change", args=[obj.reminder_id])
        return format_html(
            '<a href="{}">{}</a> · {}', url, gettext("reminder #%(id)s") % {"id": obj.reminder_id},
            _message_link(obj.reminder.message_id),
        )  # fmt: skip


@admin.register(DunningRun)
class DunningRunAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "status", "started_at", "finished_at", "trigger", "counts_text", "warnings_text"]
    list_filter = ["status", "as_of"]
    date_hierarchy = "as_of"
    readonly_fields = [
        "as_of",
        "status",
        "started_at",
        "finished_at",
        "started_by",
        "trigger",
        "counts_text",
        "warnings_text",
    ]
    fields = readonly_fields
    inlines = [EntryInline]
    change_list_template = "admin/dunning/dunningrun/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(dry_run=False)

    def has_change_permission(self, request, obj=None) -> bool:
        # Every field is read only; the one write here is "Run now", a finance manager's (the
        # site's write guard, core.admin_site, lets a POST through only with a write permission).
        return _is_manager(request)

    @admin.display(description=_("counts"))
    def counts_text(self, obj) -> str:
        labels = {
            "customers": gettext("customers"),
            "reminders": gettext("reminders"),
            "reminded": gettext("invoices reminded"),
            "skipped": gettext("invoices skipped"),
            "failed": gettext("failed"),
            **{value: str(label) for value, label in SkipReason.choices},
        }
        return ", ".join(f"{labels.get(key, key)}: {count}" for key, count in sorted((obj.counts or {}).items()))

    @admin.display(description=_("warnings"))
    def warnings_text(self, obj) -> str:
        return messages_text(obj.warnings, separator="; ")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="dunning_dunningrun_preview"),
            path("run-now/", view(self.run_now_view), name="dunning_dunningrun_run_now"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_run_now": _is_manager(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def preview_view(self, request):
        """The dry run for any day: every invoice with its outcome and reason, every letter; no write."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        raw = request.GET.get("as_of") or ""
        error, report = "", None
        try:
            as_of = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            as_of, error = timezone.localdate(), gettext("Give the day as YYYY-MM-DD.")
        if not error:
            report = dunning_dry_run(as_of=as_of)
        return TemplateResponse(
            request,
            "admin/dunning/dunningrun/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Dunning preview for %(day)s") % {"day": date_text(as_of)},
                "as_of": as_of.isoformat(),
                "error": error,
                "report": report,
                "entries": [
                    {**e.__dict__, "reason_text": e.reason_text, "outcome_text": EntryOutcome(e.outcome).label}
                    for e in (report.entries if report else [])
                ],
                "letters": [
                    {**letter.__dict__, "total_text": money_text(letter.total, letter.currency)}
                    for letter in (report.letters if report else [])
                ],
                "warnings": [message_text(w) for w in (report.warnings if report else [])],
                "may_run_now": _is_manager(request),
            },
        )

    def run_now_view(self, request):
        """A real run for today, by a finance manager (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not _is_manager(request):
            raise PermissionDenied
        try:
            run = dunning_run(as_of=timezone.localdate(), by=request.user, trigger="admin")
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:dunning_dunningrun_changelist"))
        self.message_user(
            request,
            gettext("Dunning run finished: %(reminders)s reminders, %(skipped)s invoices skipped.")
            % {"reminders": run.counts.get("reminders", 0), "skipped": run.counts.get("skipped", 0)},
        )
        return HttpResponseRedirect(reverse("admin:dunning_dunningrun_change", args=[run.pk]))


class RecordInline(admin.TabularInline):
    model = ReminderRecord
    extra = 0
    can_delete = False
    fields = ["invoice", "level", "status", "created_at", "released_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "level", "status", "total_text", "message_link"]
    list_filter = ["status", "level__position"]
    search_fields = ["customer__legal_name", "customer__number"]
    list_select_related = ["customer", "level"]
    fields = [
        "run", "customer", "policy", "level", "status", "language", "total_text", "lines_table", "pdf_link",
        "message_link", "document_sha256", "created_at", "decided_at", "superseded_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [RecordInline]

    @admin.display(description=_("total claimed"), ordering="total")
    def total_text(self, obj) -> str:
        return money_text(obj.total, obj.currency)

    @admin.display(description=_("e-mail"))
    def message_link(self, obj) -> str:
        return _message_link(obj.message_id)

    @admin.display(description=_("stored PDF"))
    def pdf_link(self, obj) -> str:
        if not obj.document_name:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:dunning_reminder_pdf", args=[obj.pk]), gettext("PDF"))

    @admin.display(description=_("lines"))
    def lines_table(self, obj) -> str:
        rows = []
        for line in lines_from_json(obj.lines):
            charges = ", ".join(f"{c.kind}: {money_text(c.amount, line.currency)}" for c in line.charges) or "–"
            rows.append(
                (
                    line.number, date_text(line.invoice_date), date_text(line.due_date), line.level,
                    money_text(line.gross, line.currency), money_text(line.open, line.currency), charges,
                )
            )  # fmt: skip
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("invoice"), gettext("invoice date"), gettext("due date"), gettext("level"),
            gettext("amount due"), gettext("open"), gettext("fees and interest"),
        )  # fmt: skip
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        )
        return format_html("<table>{}{}</table>", head, body)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/pdf/", view(self.pdf_view), name="dunning_reminder_pdf"), *super().get_urls()]

    def pdf_view(self, request, object_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        reminder = Reminder.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if reminder is None or not self.has_view_permission(request, reminder):
            raise Http404(gettext("No such reminder."))
        if not reminder.document_name:
            raise Http404(gettext("This reminder has no stored PDF."))
        try:
            data = document_read(name=reminder.document_name, sha256=reminder.document_sha256)
        except StoredFileAltered:
            raise Http404(gettext("The stored PDF no longer matches its SHA-256.")) from None
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="reminder-{reminder.pk}.pdf"'
        return response


@admin.register(ReminderRecord)
class ReminderRecordAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "level", "status", "reminder", "created_at", "released_at"]
    list_filter = ["status"]
    list_select_related = ["invoice", "level", "reminder"]
    search_fields = ["invoice__number"]
