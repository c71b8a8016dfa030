"""One entry point for every statement format: detect it, refuse what is too big or unknown, parse."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from payments.bank.csv_import import CsvMapping, parse_csv
from payments.bank.mt940 import decode_statement_text, parse_mt940
from payments.bank.types import ParsedStatement, StatementFormatError

__all__ = ["DEFAULT_MAX_BYTES", "detect_format", "parse_statement_file"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Before the first :20: an MT940 file may carry a SWIFT envelope ({1:…}{2:…}{4:) and, as ABN AMRO
# does, a few header lines (the bank's BIC, "940"); allow a handful of short lines.
_MT940_START_RE = re.compile(r"\A(?:[ \t]*(?:\{[^\n]*|[A-Z0-9 ]{0,20})?\r?\n){0,6}[ \t]*(?:\{[^\n]*?)?:20:")


def detect_format(data: bytes, *, filename: str = "", csv_mapping: CsvMapping | None = None) -> str:
    """``"camt"``, ``"mt940"`` or ``"csv"`` (only with a mapping), or ``""`` for an unknown file.

    CSV is never guessed: without a saved column mapping a CSV file cannot be read correctly."""
    try:
        from payments.bank.camt import is_camt  # imported late: this module must load without it
    except ImportError:  # pragma: no cover (only while the CAMT parser is not installed)
        is_camt = None
    if is_camt is not None and is_camt(data):
        return "camt"
    head = decode_statement_text(data[:4096]).lstrip("\ufeff")
    if _MT940_START_RE.match(head):
        return "mt940"
    if csv_mapping is not None:
        return "csv"
    return ""


def parse_statement_file(
    data: bytes, *, filename: str = "", csv_mapping: CsvMapping | None = None
) -> list[ParsedStatement]:
    """Parse an uploaded statement file of any supported format, all or nothing.

    Raises ``StatementFormatError`` when the file is larger than ``DEBITOR_STATEMENT_MAX_BYTES``
    (20 MB unless configured), empty, of an unknown format, or malformed.
    """
    limit = getattr(settings, "DEBITOR_STATEMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if len(data) > limit:
        raise StatementFormatError(
            _("The file is too large (%(size)s bytes; the limit is %(limit)s bytes).")
            % {"size": len(data), "limit": limit}
        )
    if not data.strip():
        raise StatementFormatError(_("The file is empty."))
    detected = detect_format(data, filename=filename, csv_mapping=csv_mapping)
    if detected == "camt":
        from payments.bank.camt import parse_camt

        return parse_camt(data)
    if detected == "mt940":
        return parse_mt940(data)
    if detected == "csv" and csv_mapping is not None:
        return parse_csv(data, mapping=csv_mapping)
    raise StatementFormatError(
        _("Unknown file format %(name)s: expected CAMT.052/053/054 XML or MT940, or CSV with a saved column mapping.")
        % {"name": repr(filename) if filename else "-"}
    )
