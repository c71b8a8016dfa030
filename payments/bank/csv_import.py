"""Bank statement exports as CSV, read through a per-bank column mapping (``CsvMapping``).

A CSV export has no balances and no statement id of its own: the statement id is a content hash
of the file, so the same export imported twice is recognised, and per-line idempotency rests on
the bank reference or a hash of the line (``payments.bank`` import service).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_noop

from core.messages import message_define
from payments.bank.types import ParsedLine, ParsedStatement, StatementFormatError, line_location, quoted

NO_HEADER = message_define("bank.csv.no_header", gettext_noop("The file has no header row."))
MISSING_COLUMN = message_define(
    "bank.csv.missing_column", gettext_noop("Column %(column)s (%(field)s) is missing from the header.")
)
NO_ROWS = message_define("bank.csv.no_rows", gettext_noop("The file has no data rows."))
MIXED_CURRENCIES = message_define(
    "bank.csv.mixed_currencies", gettext_noop("The file mixes currencies (%(currencies)s).")
)
BAD_ENCODING = message_define(
    "bank.csv.bad_encoding", gettext_noop("The file is not encoded as %(encoding)s: %(error)s")
)
SHORT_ROW = message_define(
    "bank.csv.short_row", gettext_noop("The row has no column %(column)s (only %(count)s columns).")
)
BAD_AMOUNT = message_define("bank.csv.bad_amount", gettext_noop("Amount %(value)s is not a number."))
BAD_DATE = message_define("bank.csv.bad_date", gettext_noop("Date %(value)s does not match the format %(format)s."))
BAD_INDICATOR = message_define(
    "bank.csv.bad_indicator", gettext_noop("Credit/debit indicator %(value)s is none of %(allowed)s.")
)
ZERO_AMOUNT = message_define("bank.csv.zero_amount", gettext_noop("The amount is zero."))
BAD_CURRENCY = message_define("bank.csv.bad_currency", gettext_noop("Currency %(currency)s is not an ISO 4217 code."))

__all__ = ["CSV_PRESETS", "CsvMapping", "parse_csv"]

Column = str | int  # a header name, or a 0-based index when the file has no header row


@dataclass(frozen=True)
class CsvMapping:
    """How one bank's CSV export maps onto a statement line.

    Columns are header names (matched after stripping blanks, case-insensitively) or 0-based
    indexes. ``amount`` is signed unless ``credit_debit_column`` is given; then the amount is
    unsigned and the indicator column says ``credit_values`` (e.g. "H", "CRDT") or
    ``debit_values`` (e.g. "S", "DBIT").
    """

    account_iban: str
    booking_date: Column
    amount: Column
    value_date: Column | None = None
    delimiter: str = ";"
    decimal_separator: str = ","
    thousands_separator: str = "."
    date_format: str = "%d.%m.%Y"
    encoding: str = "cp1252"
    skip_rows: int = 0  # preamble rows before the header row (or before the data without a header)
    has_header: bool = True
    credit_debit_column: Column | None = None
    credit_values: tuple[str, ...] = ("H", "C", "CRDT", "HABEN", "CR")
    debit_values: tuple[str, ...] = ("S", "D", "DBIT", "SOLL", "DR")
    currency_column: Column | None = None
    currency: str = "EUR"  # when the export has no currency column
    counterparty_name: Column | None = None
    counterparty_iban: Column | None = None
    counterparty_bic: Column | None = None
    remittance: tuple[Column, ...] = ()
    end_to_end_id: Column | None = None
    mandate_id: Column | None = None
    creditor_id: Column | None = None
    bank_reference: Column | None = None
    bank_transaction_code: Column | None = None


#: Two layouts as German banks export them. They are assumptions modelled on what such exports look
#: like (column names of the Sparkasse "CSV-CAMT" export and the Deutsche Bank online-banking export);
#: check them against a real file of your bank and copy one with ``dataclasses.replace``.
CSV_PRESETS: dict[str, CsvMapping] = {
    "sparkasse_camt": CsvMapping(
        account_iban="",
        booking_date="Buchungstag",
        value_date="Valutadatum",
        amount="Betrag",
        date_format="%d.%m.%y",
        currency_column="Waehrung",
        counterparty_name="Beguenstigter/Zahlungspflichtiger",
        counterparty_iban="Kontonummer/IBAN",
        counterparty_bic="BIC (SWIFT-Code)",
        remittance=("Verwendungszweck",),
        end_to_end_id="Kundenreferenz (End-to-End)",
        mandate_id="Mandatsreferenz",
        creditor_id="Glaeubiger ID",
        bank_transaction_code="Buchungstext",
    ),
    "deutsche_bank": CsvMapping(
        account_iban="",
        skip_rows=4,
        booking_date="Buchungstag",
        value_date="Wert",
        amount="Betrag",
        credit_debit_column="Soll/Haben",
        currency_column="Währung",
        counterparty_name="Begünstigter / Auftraggeber",
        counterparty_iban="IBAN",
        counterparty_bic="BIC",
        remittance=("Verwendungszweck",),
        end_to_end_id="Kundenreferenz",
        mandate_id="Mandatsreferenz",
        creditor_id="Gläubiger ID",
        bank_transaction_code="Umsatzart",
    ),
}


def parse_csv(data: bytes, *, mapping: CsvMapping) -> list[ParsedStatement]:
    """Parse a CSV export into one statement (without balances), all or nothing.

    Raises ``StatementFormatError`` naming the file line and the column for a row that cannot be
    read, a missing column, or a file without data rows. Blank rows are skipped.
    """
    text = _decode(data, mapping.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter))
    # csv rows can span lines (quoted newlines); count physical lines for messages.
    line_numbers = _line_numbers(text, mapping.delimiter)
    index = mapping.skip_rows
    header: dict[str, int] = {}
    if mapping.has_header:
        if index >= len(rows):
            raise StatementFormatError(NO_HEADER, location=_at(index + 1))
        header = {name.strip().lstrip("\ufeff").casefold(): pos for pos, name in enumerate(rows[index])}
        index += 1

    def position(column: Column | None, *, label: str) -> int | None:
        if column is None:
            return None
        if isinstance(column, int):
            return column
        try:
            return header[column.strip().casefold()]
        except KeyError:
            raise StatementFormatError(
                MISSING_COLUMN, location=_at(mapping.skip_rows + 1), column=repr(column), field=label
            ) from None

    columns = {
        name: position(getattr(mapping, name), label=name)
        for name in (
            "booking_date",
            "value_date",
            "amount",
            "credit_debit_column",
            "currency_column",
            "counterparty_name",
            "counterparty_iban",
            "counterparty_bic",
            "end_to_end_id",
            "mandate_id",
            "creditor_id",
            "bank_reference",
            "bank_transaction_code",
        )
    }
    remittance_columns = [position(column, label="remittance") for column in mapping.remittance]

    lines: list[ParsedLine] = []
    for row_index in range(index, len(rows)):
        row = rows[row_index]
        if not any(cell.strip() for cell in row):
            continue
        number = line_numbers[row_index] if row_index < len(line_numbers) else row_index + 1
        lines.append(_line(row, number=number, mapping=mapping, columns=columns, remittance=remittance_columns))
    if not lines:
        raise StatementFormatError(NO_ROWS, location=_at(index + 1))
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise StatementFormatError(MIXED_CURRENCIES, currencies=", ".join(sorted(currencies)))
    booking_dates = [line.booking_date for line in lines if line.booking_date]
    return [
        ParsedStatement(
            format="csv",
            kind="statement",
            statement_id=hashlib.sha256(data).hexdigest(),
            account_iban=re.sub(r"\s", "", mapping.account_iban).upper(),
            currency=lines[0].currency,
            from_date=min(booking_dates, default=None),
            to_date=max(booking_dates, default=None),
            lines=tuple(lines),
        )
    ]


def _decode(data: bytes, encoding: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark says UTF-8, whatever the mapping says
        data, encoding = data[3:], "utf-8"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise StatementFormatError(BAD_ENCODING, encoding=encoding, error=str(exc)) from exc


def _line_numbers(text: str, delimiter: str) -> list[int]:
    """The physical line on which each csv row starts."""
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for _row in reader:
        numbers.append(start)
        start = reader.line_num + 1
    return numbers


def _at(number: int) -> str:
    return line_location(number)


def _cell(row: list[str], pos: int | None, *, number: int, label: str) -> str:
    if pos is None:
        return ""
    if pos >= len(row):
        raise StatementFormatError(SHORT_ROW, location=_at(number), column=label, count=len(row))
    return row[pos].strip()


def _amount(value: str, mapping: CsvMapping, *, location: str) -> Decimal:
    cleaned = value.replace("\u00a0", "").replace(" ", "")
    if mapping.thousands_separator:
        cleaned = cleaned.replace(mapping.thousands_separator, "")
    cleaned = cleaned.replace(mapping.decimal_separator, ".")
    if cleaned.endswith("-"):  # "12,50-" as some banks write a debit
        cleaned = "-" + cleaned[:-1]
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise StatementFormatError(BAD_AMOUNT, location=location, value=quoted(value)) from None
    if not amount.is_finite():
        raise StatementFormatError(BAD_AMOUNT, location=location, value=quoted(value))
    return amount


def _date(value: str, mapping: CsvMapping, *, location: str) -> date:
    try:
        return datetime.strptime(value, mapping.date_format).date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        raise StatementFormatError(
            BAD_DATE, location=location, value=quoted(value), format=mapping.date_format
        ) from None


def _line(
    row: list[str], *, number: int, mapping: CsvMapping, columns: dict[str, int | None], remittance: list[int | None]
) -> ParsedLine:
    def cell(name: str) -> str:
        return _cell(row, columns[name], number=number, label=str(getattr(mapping, name)))

    def where(name: str) -> str:
        return line_location(number, repr(getattr(mapping, name)))

    booking_date = _date(cell("booking_date"), mapping, location=where("booking_date"))
    value_text = cell("value_date")
    value_date = _date(value_text, mapping, location=where("value_date")) if value_text else booking_date
    amount = _amount(cell("amount"), mapping, location=where("amount"))
    if columns["credit_debit_column"] is not None:
        indicator = cell("credit_debit_column").upper()
        if indicator in {value.upper() for value in mapping.credit_values}:
            credit = True
        elif indicator in {value.upper() for value in mapping.debit_values}:
            credit = False
        else:
            raise StatementFormatError(
                BAD_INDICATOR,
                location=where("credit_debit_column"),
                value=quoted(indicator),
                allowed=", ".join(mapping.credit_values + mapping.debit_values),
            )
        amount = abs(amount)
    else:
        credit = amount > 0
    if amount == 0:
        raise StatementFormatError(ZERO_AMOUNT, location=where("amount"))
    currency = (cell("currency_column") or mapping.currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementFormatError(BAD_CURRENCY, location=where("currency_column"), currency=quoted(currency))
    texts = [_cell(row, pos, number=number, label="remittance") for pos in remittance]
    return ParsedLine(
        amount=abs(amount),
        currency=currency,
        credit=credit,
        booking_date=booking_date,
        value_date=value_date,
        account_servicer_reference=cell("bank_reference"),
        end_to_end_id=_reference(cell("end_to_end_id")),
        mandate_id=cell("mandate_id"),
        creditor_id=cell("creditor_id"),
        remittance=re.sub(r"\s+", " ", " ".join(text for text in texts if text)).strip(),
        counterparty_name=cell("counterparty_name"),
        counterparty_iban=re.sub(r"\s", "", cell("counterparty_iban")).upper(),
        counterparty_bic=cell("counterparty_bic").upper(),
        bank_transaction_code=cell("bank_transaction_code"),
        source_location=line_location(number),
    )


def _reference(value: str) -> str:
    return "" if value.upper() in {"NOTPROVIDED", "NONREF"} else value
