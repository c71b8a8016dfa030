"""One entry point for every statement format: detect it, refuse what is too big or unknown, parse."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext_noop

from core.messages import message_define
from payments.bank.csv_import import CsvMapping, parse_csv
from payments.bank.mt940 import decode_statement_text, parse_mt940
from payments.bank.types import ParsedStatement, StatementFormatError

TOO_LARGE = message_define(
    "bank.file_too_large", gettext_noop("The file is too large (%(size)s bytes; the limit is %(limit)s bytes).")
)
EMPTY = message_define("bank.file_empty", gettext_noop("The file is empty."))
UNKNOWN_FORMAT = message_define(
    "bank.unknown_format",
    gettext_noop(
        "Unknown file format %(name)s: expected CAMT.052/053/054 XML or MT940, or CSV with a saved column mapping."
    ),
)

__all__ = ["DEFAULT_MAX_BYTES", "detect_format", "parse_statement_file"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# MT940 is recognised by its tags, not by what comes before them: banks put a SWIFT envelope
# ({1:…}{2:…}{4:), header lines of any length (the bank's BIC, "940", a 24-character file name),
# blank lines or "-" separators before the first :20:. A statement block is :20: followed by
# :25: (account), :28C: (statement number) and :60F:/:60M: (opening balance); with a CSV mapping
# chosen, a file is taken for MT940 only when the :20: is followed by at least two of them.
_HEAD_BYTES = 64 * 1024
_MT940_TRANSACTION_REFERENCE = re.compile(r"^[ \t]*(?:\{[^\n]*?)?:20:", re.MULTILINE)
_MT940_BLOCK_TAGS = (
    re.compile(r"^[ \t]*:25P?:", re.MULTILINE),
    re.compile(r"^[ \t]*:28C?:", re.MULTILINE),
    re.compile(r"^[ \t]*:60[FM]:", re.MULTILINE),
    re.compile(r"^[ \t]*:6[12]F?M?:", re.MULTILINE),
)


def detect_format(data: bytes, *, filename: str = "", csv_mapping: CsvMapping | None = None) -> str:
    """``"camt"``, ``"mt940"`` or ``"csv"`` (only with a mapping), or ``""`` for an unknown file.

    CSV is never guessed: without a saved column mapping a CSV file cannot be read correctly."""
    try:
        from payments.bank.camt import is_camt  # imported late: this module must load without it
    except ImportError:  # pragma: no cover (only while the CAMT parser is not installed)
        is_camt = None
    if is_camt is not None and is_camt(data):
        return "camt"
    head = decode_statement_text(data[:_HEAD_BYTES]).lstrip("\ufeff")
    tags = _mt940_tags(head)
    if tags >= 2:
        return "mt940"
    if csv_mapping is not None:
        return "csv"
    # A lone :20: block (a truncated file) is still MT940, so that the parser can say what is missing.
    return "mt940" if tags >= 0 else ""


def _mt940_tags(head: str) -> int:
    """-1 without a :20: at the start of a line, else how many of the other block tags follow it."""
    start = _MT940_TRANSACTION_REFERENCE.search(head)
    if start is None:
        return -1
    block = head[start.start() :]
    return sum(1 for tag in _MT940_BLOCK_TAGS if tag.search(block))


def parse_statement_file(
    data: bytes, *, filename: str = "", csv_mapping: CsvMapping | None = None
) -> list[ParsedStatement]:
    """Parse an uploaded statement file of any supported format, all or nothing.

    Raises ``StatementFormatError`` when the file is larger than ``DEBITOR_STATEMENT_MAX_BYTES``
    (20 MB unless configured), empty, of an unknown format, or malformed.
    """
    limit = getattr(settings, "DEBITOR_STATEMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if len(data) > limit:
        raise StatementFormatError(TOO_LARGE, size=len(data), limit=limit)
    if not data.strip():
        raise StatementFormatError(EMPTY)
    detected = detect_format(data, filename=filename, csv_mapping=csv_mapping)
    if detected == "camt":
        from payments.bank.camt import parse_camt

        return parse_camt(data)
    if detected == "mt940":
        return parse_mt940(data)
    if detected == "csv" and csv_mapping is not None:
        return parse_csv(data, mapping=csv_mapping)
    raise StatementFormatError(UNKNOWN_FORMAT, name=repr(filename[:100]) if filename else "-")
