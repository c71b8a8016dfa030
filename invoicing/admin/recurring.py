"""Recurring invoices in the admin: list (customer, interval, next run, status), create and change
with their lines, pause / resume / end, and a preview of the next invoices with dates and amounts.

Every write goes through invoicing.recurring (its checks run in the form first, so problems show
at the field); finance viewers see everything read-only (model permissions from core.roles)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import ServiceRefusalMixin
from core.event_sentences import typed_event_sentence

from .. import recurring
from ..models import RecurringInvoiceRun, RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent, VatCategory
from ..services.draft_cleaning import clean_lines
from ..services.drafts import DocumentStateConflict
from .display import badge, money

# The columns finance staff fill in per line; any other key of a stored line is kept as it is.
LINE_COLUMNS = [
    ("description", _("description"), 40),
    ("quantity", _("quantity"), 6),
    ("unit_code", _("unit"), 4),
    ("unit_price", _("unit net price"), 9),
    ("vat_category", _("VAT category"), 0),
    ("vat_rate", _("VAT rate (%)"), 5),
]
BLANK_ROWS = 2
PREVIEW_COUNT = 12


class LinesWidget(forms.Widget):
    """The template's lines as a table of inputs (``lines-<row>-<field>``), plus empty rows to add."""

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        return value or []

    def render(self, name, value, attrs=None, renderer=None):
        rows = [*self.format_value(value), *({} for _ in range(BLANK_ROWS))]
        head = format_html_join("", '<th scope="col">{}</th>', ((label,) for _, label, _size in LINE_COLUMNS))
        body = format_html_join("", "<tr>{}</tr>", ((self._row(name, index, row),) for index, row in enumerate(rows)))
        total = format_html('<input type="hidden" name="{}-rows" value="{}">', name, len(rows))
        return format_html('<table class="debitor-lines"><tr>{}</tr>{}</table>{}', head, body, total)

    def _row(self, name, index, row):
        cells = []
        for field, label, size in LINE_COLUMNS:
            current = "" if row.get(field) is None else str(row.get(field))
            input_name = f"{name}-{index}-{field}"
            named = f"{label} ({index + 1})"  # the column and row a screen reader announces
            if field == "vat_category":
                options = format_html_join(
                    "",
                    '<option value="{}"{}>{}</option>',
                    (
                        (code, " selected" if code == current else "", label)
                        for code, label in [("", "—"), *VatCategory.choices]
                    ),
                )
                cells.append(
                    format_html('<td><select name="{}" aria-label="{}">{}</select></td>', input_name, named, options)
                )
            else:
                cells.append(
                    format_html(
                        '<td><input name="{}" value="{}" size="{}" aria-label="{}"></td>',
                        input_name,
                        current,
                        size,
                        named,
                    )
                )
        extra = {key: value for key, value in row.items() if key not in dict((c[0], c) for c in LINE_COLUMNS)}
        cells.append(format_html('<input type="hidden" name="{}-{}-extra" value="{}">', name, index, json.dumps(extra)))
        return format_html_join("", "{}", ((cell,) for cell in cells))

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}-rows", 0)), 500)
        except ValueError:
            count = 0
        lines = []
        for index in range(count):
            row = {field: (data.get(f"{name}-{index}-{field}") or "").strip() for field, _l, _s in LINE_COLUMNS}
            if not any(row.values()):
                continue  # an empty row adds nothing
            try:
                extra = json.loads(data.get(f"{name}-{index}-extra") or "{}")
            except ValueError:
                extra = {}
            lines.append({**(extra if isinstance(extra, dict) else {}), **row})
        return lines


class LinesField(forms.Field):
    widget = LinesWidget

    def to_python(self, value):
        return value if isinstance(value, list) else []


class RecurringTemplateForm(forms.ModelForm):
    lines = LinesField(label=_("lines"), required=False)

    class Meta:
        model = RecurringInvoiceTemplate
        fields = [*recurring.TEMPLATE_FIELDS, "lines"]

    def _post_clean(self):
        # The service's checks (the same it runs when saving), shown at the fields they concern.
        super()._post_clean()
        lines = self.cleaned_data.get("lines") or []
        try:
            clean_lines(list(lines), on=timezone.localdate())
        except ValidationError as exc:
            for key, problems in exc.message_dict.items():
                parts = key.split(".")
                if len(parts) == 3:
                    label = dict((c[0], c[1]) for c in LINE_COLUMNS).get(parts[2], parts[2])
                    problems = [
                        gettext("Line %(number)s, %(field)s: %(problem)s")
                        % {"number": int(parts[1]) + 1, "field": label, "problem": problem}
                        for problem in problems
                    ]
                self.add_error("lines", problems)

    def validate_unique(self):
        pass  # no unique fields; the service saves


class EventInline(admin.TabularInline):
    model = RecurringInvoiceTemplateEvent
    extra = 0
    can_delete = False
    fields = ["at", "sentence", "who", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("History")

    @admin.display(description=_("What happened"))
    def sentence(self, event):
        return typed_event_sentence(event)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("by"))
    def who(self, event):
        return event.by.get_username() if event.by_id else event.actor


class RunInline(admin.TabularInline):
    model = RecurringInvoiceRun
    extra = 0
    can_delete = False
    fields = ["period_start", "period_end", "invoice_link", "problem"]
    readonly_fields = fields
    verbose_name_plural = _("Invoices made")
    ordering = ["-period_start", "-id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("invoice"))
    def invoice_link(self, run):
        if run.invoice_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[run.invoice_id])
        return format_html('<a href="{}">{}</a>', url, run.invoice.number or gettext("draft"))


@admin.register(RecurringInvoiceTemplate)
class RecurringInvoiceTemplateAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    form = RecurringTemplateForm
    refusal_messages = (DocumentStateConflict,)
    list_display = ["name", "customer_name", "frequency", "next_run", "status_word"]
    list_filter = ["status", "frequency"]
    search_fields = ["name", "customer__legal_name", "customer__number"]
    list_select_related = ["customer"]
    ordering = ["name", "id"]
    autocomplete_fields = ["customer"]
    actions = ["pause", "resume", "end"]
    inlines = [RunInline, EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_period_start=Max("runs__period_start"))

    def _editable(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj) and obj.status != RecurringInvoiceTemplate.Status.ENDED

    def get_fieldsets(self, request, obj=None):
        schedule = ["frequency", "day_of_month", ("start_date", "end_date"), "auto_issue"]
        lines = "lines" if self._editable(request, obj) else "lines_table"
        fieldsets = [
            (None, {"fields": ["customer", "name"] + (["status_word", "next_run"] if obj else [])}),
            (_("Schedule"), {"fields": schedule}),
            (_("Invoice"), {"fields": ["payment_terms", "buyer_reference", "note", lines]}),
        ]
        if obj is not None:
            fieldsets.append((_("Next invoices"), {"fields": ["preview"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        shown = ["status_word", "next_run", "preview", "lines_table"]
        if obj is not None and obj.status == RecurringInvoiceTemplate.Status.ENDED:
            return [*shown, *recurring.TEMPLATE_FIELDS]
        return shown

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # its invoices refer to it; end it instead

    # --- Columns and read-only fields ----------------------------------------------------------

    @admin.display(description=_("customer"), ordering="customer__legal_name")
    def customer_name(self, obj):
        return format_html("{}<small>{}</small>", obj.customer.legal_name, obj.customer.number)

    @admin.display(description=_("status"), ordering="status")
    def status_word(self, obj):
        return badge(f"recurring-{obj.status}", obj.get_status_display())

    @admin.display(description=_("next invoice"))
    def next_run(self, obj):
        day = recurring.next_run_on(obj, today=timezone.localdate())
        return date_format(day, "SHORT_DATE_FORMAT") if day else "—"

    @admin.display(description=_("lines"))
    def lines_table(self, obj):
        head = format_html_join("", "<th>{}</th>", ((label,) for _f, label, _s in LINE_COLUMNS))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((line.get(field, ""),) for field, _l, _s in LINE_COLUMNS)),)
                for line in obj.lines
            ),
        )
        return format_html('<table class="debitor-lines"><tr>{}</tr>{}</table>', head, body)

    @admin.display(description=_("next invoices"))
    def preview(self, obj):
        rows = recurring.recurring_template_preview(template=obj, count=PREVIEW_COUNT, today=timezone.localdate())
        if not rows:
            return gettext("No further invoices (the last period has been invoiced).")
        head = format_html_join(
            "",
            "<th>{}</th>",
            (
                (label,)
                for label in (
                    gettext("invoice date"),
                    gettext("period"),
                    gettext("net"),
                    gettext("VAT"),
                    gettext("gross"),
                    gettext("problem"),
                )
            ),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    date_format(row.invoice_date, "SHORT_DATE_FORMAT"),
                    date_format(row.period_start, "SHORT_DATE_FORMAT"),
                    date_format(row.period_end, "SHORT_DATE_FORMAT"),
                    money(row.net, row.currency),
                    money(row.vat, row.currency),
                    money(row.gross, row.currency),
                    row.problem,
                )
                for row in rows
            ),
        )
        return format_html('<table class="debitor-preview"><tr>{}</tr>{}</table>', head, body)

    # --- Writes: through the services only ------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in recurring.TEMPLATE_FIELDS if field in form.cleaned_data}
        lines = form.cleaned_data.get("lines")
        if change:
            saved = recurring.recurring_template_update(
                template=obj, data=data, lines=lines, as_of=timezone.now(), by=request.user
            )
        else:
            saved = recurring.recurring_template_create(data=data, lines=lines, as_of=timezone.now(), by=request.user)
        obj.pk = saved.pk

    def _act(self, request, queryset, service, done):
        changed, refused = 0, []
        for template in queryset.order_by("pk"):
            try:
                service(template=template, as_of=timezone.now(), by=request.user)
                changed += 1
            except DocumentStateConflict as exc:
                refused.append(f"{template.name}: {exc}")
        if changed:
            self.message_user(request, done(changed) % {"count": changed}, messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description=_("Pause the selected recurring invoices"), permissions=["change"])
    def pause(self, request, queryset):
        self._act(
            request,
            queryset,
            recurring.recurring_template_pause,
            lambda n: ngettext("%(count)d recurring invoice paused.", "%(count)d recurring invoices paused.", n),
        )

    @admin.action(description=_("Resume the selected recurring invoices"), permissions=["change"])
    def resume(self, request, queryset):
        self._act(
            request,
            queryset,
            recurring.recurring_template_resume,
            lambda n: ngettext("%(count)d recurring invoice resumed.", "%(count)d recurring invoices resumed.", n),
        )

    @admin.action(description=_("End the selected recurring invoices (no more invoices)"), permissions=["change"])
    def end(self, request, queryset):
        self._act(
            request,
            queryset,
            recurring.recurring_template_end,
            lambda n: ngettext("%(count)d recurring invoice ended.", "%(count)d recurring invoices ended.", n),
        )
