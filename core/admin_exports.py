"""Exports and totals of an admin change list, for exactly the rows its filters and search show.

``ListExportMixin`` gives a ModelAdmin two links above its list, *CSV* and *Excel*, which
download the filtered list (the same ChangeList, so the same filters, search and order;
not just the page shown). A ModelAdmin names its columns in ``export_fields`` (key, label)
and returns one row per object from ``export_row``.

- Headers are in the reader's language; numbers and dates are machine-readable: the CSV has
  ``1234.56`` and ISO dates (UTF-8 with a byte-order mark, comma-separated, RFC 4180) so a
  script or an import reads them as they are; the XLSX has numeric and date cells, which Excel
  and LibreOffice show in the reader's own format.
- Formula injection (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is escaped with a leading apostrophe in the CSV; the XLSX
  stores every text as a string cell (never a formula), so ``=HYPERLINK(…)`` in a customer's
  name stays text.
- Viewers may export: an export only reads what they can already see (view permission).
- At most ``EXPORT_MAX_ROWS`` rows (100,000 as CSV, 25,000 as XLSX): a bigger list asks the
  reader to narrow the filters (a clear message, never a timeout).

``list_totals`` (``[(field, label), …]`` plus ``list_totals_currency``) adds the sums of the
filtered rows per currency above the list, read in one grouped query.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext

from .messages import money_text

# Within gunicorn's 60 s on a busy 2-core machine (measured at a million invoices, README): CSV
# writes about 5,000 rows a second, openpyxl about 1,700 (14 columns).
EXPORT_MAX_ROWS = {"csv": 100_000, "xlsx": 25_000}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_WORDS: dict[tuple[type, str], dict] = {}


def word(choices: type, value) -> str:
    """``value``'s label in ``choices`` (a TextChoices/IntegerChoices class) in the active language,
    translated once per class and language (an export words the same few labels a million times)."""
    key = (choices, translation.get_language() or "")
    if key not in _WORDS:
        _WORDS[key] = {member.value: str(member.label) for member in choices}
    return _WORDS[key].get(value, "" if value in (None, "") else str(value))


def csv_text(value) -> str:
    """One CSV cell: numbers with a dot, dates in ISO 8601, text escaped against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat(timespec="seconds") if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(headers: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(headers: list[str], rows, *, title: str) -> bytes:
    """A workbook with one sheet; text always as string cells, numbers and dates as such."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Export")

    def cell(value, *, bold: bool = False):
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
        text = value is not None and not isinstance(value, bool | int | Decimal | date)
        made = WriteOnlyCell(sheet, value=str(value) if text else value)
        if text:
            made.data_type = "s"  # never "f": a leading "=" stays text
        if isinstance(value, datetime):
            made.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            made.number_format = "yyyy-mm-dd"
        if bold:
            made.font = Font(bold=True)
        return made

    sheet.append([cell(h, bold=True) for h in headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ListExportMixin:
    export_fields: list[tuple[str, object]] = []
    list_totals: list[tuple[str, object, Q | None]] = []
    list_totals_currency = "currency"
    list_totals_when_filtered = False  # sum only a filtered or searched list

    def get_list_totals(self, request) -> tuple[Q | None, list[tuple[str, object, Q | None]]]:
        """``(scope, totals)``: the rows to sum (None: every filtered row; a narrower scope lets a
        partial index answer) and ``(field, label, condition)`` per sum."""
        return None, self.list_totals

    def export_queryset(self, queryset):
        return queryset

    def export_row(self, obj) -> dict:
        return {key: getattr(obj, key) for key, _label in self.export_fields}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export/<str:kind>/",
                self.admin_site.admin_view(self.export_view),
                name=f"{info[0]}_{info[1]}_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, kind):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in ("csv", "xlsx"):
            self.message_user(request, gettext("Export as CSV or XLSX."), messages.ERROR)
            return HttpResponseRedirect(self._changelist_url(request))
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, gettext("The filters of this list are not valid."), messages.ERROR)
            return HttpResponseRedirect(self._changelist_url(request).split("?")[0])
        queryset = self.export_queryset(changelist.queryset)
        limit = EXPORT_MAX_ROWS[kind]
        rows = list(queryset[: limit + 1])
        if len(rows) > limit:
            self.message_user(
                request,
                gettext("The list has more than %(limit)s rows; narrow it with the filters before exporting.")
                % {"limit": number_format(limit, force_grouping=True)},
                messages.ERROR,
            )
            return HttpResponseRedirect(self._changelist_url(request))
        headers = [str(label) for _key, label in self.export_fields]
        keys = [key for key, _label in self.export_fields]
        values = ([row.get(key) for key in keys] for row in map(self.export_row, rows))
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        name = f"{self.opts.model_name}-{stamp}"
        if kind == "csv":
            response = HttpResponse(csv_bytes(headers, values), content_type="text/csv; charset=utf-8")
        else:
            title = str(self.opts.verbose_name_plural)
            response = HttpResponse(xlsx_bytes(headers, values, title=title), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
        return response

    def _changelist_url(self, request) -> str:
        url = reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        query = request.GET.urlencode()
        return f"{url}?{query}" if query else url

    def list_totals_of(self, request, queryset) -> list[dict]:
        """The sums of ``get_list_totals`` over the filtered rows, per currency, in one query."""
        scope, totals = self.get_list_totals(request)
        if not totals:
            return []
        numbered = {f"total_{index}": total for index, total in enumerate(totals)}
        sums = {key: Sum(field, filter=condition) for key, (field, _label, condition) in numbered.items()}
        if scope is not None:
            queryset = queryset.filter(scope)
        rows = (
            queryset.order_by().values(self.list_totals_currency).annotate(**sums).order_by(self.list_totals_currency)
        )
        labels = {key: label for key, (_field, label, _condition) in numbered.items()}
        return [
            {
                "currency": row[self.list_totals_currency],
                "sums": [
                    {
                        "label": labels[key],
                        "amount": money_text(row[key] or Decimal("0"), row[self.list_totals_currency]),
                    }
                    for key in sums
                ],
            }
            for row in rows
        ]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        suffix = f"?{query}" if query else ""
        links = [
            (
                reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_export", args=[kind])
                + suffix,
                label,
            )
            for kind, label in (("csv", gettext("Export CSV")), ("xlsx", gettext("Export Excel")))
        ]
        response = super().changelist_view(request, {"export_links": links, **(extra_context or {})})
        context = getattr(response, "context_data", None)
        changelist = context.get("cl") if context is not None else None
        if changelist is not None and (
            not self.list_totals_when_filtered or changelist.has_active_filters or changelist.query
        ):
            context["list_totals"] = self.list_totals_of(request, changelist.queryset)
        return response
