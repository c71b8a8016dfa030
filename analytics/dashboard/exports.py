"""The dashboard's tables: shown as HTML and downloaded as CSV or XLSX from the same rows.

A page builds its ``Table``s from the KPI results (raw values: ``Decimal``, ``date``, ``int``,
text); the template words each cell by its column's kind (``core.formatting``), the export writes
the raw value (numbers and dates machine-readable, headers in the reader's language) through
``core.admin_exports`` — which defuses formula injection (``=HYPERLINK(…)`` in a name stays text).
``?export=csv|xlsx&table=<name>`` on the page's URL, with its filters, downloads one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils.translation import gettext

from core.admin_exports import XLSX_TYPE, csv_bytes, xlsx_bytes
from core.formatting import EMPTY, date_text, money_text, number_text

EXPORT_KINDS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, money, number, days, percent, date, count
    currency: str = ""  # for money: the column's currency (the reporting one)
    currency_column: int | None = None  # for money in each row's own currency: where the row names it

    @property
    def numeric(self) -> bool:
        return self.kind not in ("text", "date")


@dataclass
class Table:
    name: str  # the export's ?table=
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row: where its first cell leads
    note: str = ""
    sort_links: list[str | None] = field(default_factory=list)  # per column: the URL sorting by it

    def heads(self):
        """(column, sort link or None) per column, for the template."""
        for index, column in enumerate(self.columns):
            yield column, self.sort_links[index] if index < len(self.sort_links) else None

    def cells(self):
        """Rows of (text, numeric, link) for the template."""
        for index, row in enumerate(self.rows):
            link = self.links[index] if index < len(self.links) else None
            yield [
                (cell_text(value, column, row), column.numeric, link if position == 0 else None)
                for position, (value, column) in enumerate(zip(row, self.columns, strict=True))
            ]


def cell_text(value, column: Column, row: list | None = None) -> str:
    if value is None or value == "":
        return EMPTY
    if column.kind == "money":
        own = row[column.currency_column] if row is not None and column.currency_column is not None else None
        return money_text(value, own or column.currency or "EUR")
    if column.kind == "date" and isinstance(value, date):
        return date_text(value)
    if column.kind in ("days", "percent"):
        text = number_text(value, places=1)
        return text + " %" if column.kind == "percent" else text
    if column.kind in ("number", "count") and isinstance(value, Decimal | int):
        return number_text(value)
    return str(value)


def export_response(tables: list[Table], params) -> HttpResponse | None:
    """The download ``params`` asks for (``export`` and ``table``), or None when it asks for none."""
    kind = params.get("export")
    if not kind:
        return None
    wanted = params.get("table", "")
    table = next((t for t in tables if t.name == wanted), None)
    if kind not in EXPORT_KINDS or table is None:
        raise Http404(gettext("No such table to export."))
    headers = [column.label + (f" ({column.currency})" if column.currency else "") for column in table.columns]
    filename = f"{table.name}.{kind}"
    if kind == "csv":
        response = HttpResponse(csv_bytes(headers, table.rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(headers, table.rows, title=table.title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
