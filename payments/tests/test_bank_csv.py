import dataclasses
import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from payments.bank.csv_import import CSV_PRESETS, CsvMapping, parse_csv
from payments.bank.parse import detect_format, parse_statement_file
from payments.bank.types import StatementFormatError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"
ACCOUNT = "DE89370400440532013000"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def preset(name: str, **changes) -> CsvMapping:
    return dataclasses.replace(CSV_PRESETS[name], account_iban=ACCOUNT, **changes)


def test_a_sparkasse_style_export_with_signed_amounts_is_read():
    data = fixture("sparkasse_camt.csv")

    (statement,) = parse_csv(data, mapping=preset("sparkasse_camt"))

    assert (statement.format, statement.kind, statement.account_iban, statement.currency) == (
        "csv",
        "statement",
        ACCOUNT,
        "EUR",
    )
    assert statement.statement_id == hashlib.sha256(data).hexdigest()
    assert (statement.opening_balance, statement.closing_balance, statement.balance_difference()) == (None, None, None)
    assert (statement.from_date, statement.to_date) == (date(2026, 1, 12), date(2026, 1, 14))
    credit, debit, charge = statement.lines  # the blank row is skipped
    assert (credit.credit, credit.amount, credit.booking_date) == (True, Decimal("1190.00"), date(2026, 1, 12))
    assert credit.counterparty_name == "Müller & Söhne Gärtnerei GmbH"  # cp1252
    assert (credit.counterparty_iban, credit.counterparty_bic) == ("DE02120300000000202051", "COBADEFFXXX")
    assert (credit.end_to_end_id, credit.remittance) == ("RE-2026-000123", "RE-2026-000123 Kd 10042")
    assert (debit.credit, debit.amount, debit.mandate_id, debit.creditor_id) == (
        False,
        Decimal("59.50"),
        "M-2024-0042",
        "DE98ZZZ09999999999",
    )
    assert (charge.amount, charge.end_to_end_id, charge.counterparty_name) == (Decimal("2.50"), "", "")
    assert charge.source_location == "line 5"


def test_a_deutsche_bank_style_export_with_preamble_rows_and_an_s_h_indicator_is_read():
    (statement,) = parse_csv(fixture("deutsche_bank.csv"), mapping=preset("deutsche_bank"))

    credit, debit = statement.lines
    assert (credit.credit, credit.amount) == (True, Decimal("2380.00"))  # thousands separator "2.380,00"
    assert (debit.credit, debit.amount) == (False, Decimal("1234.56"))
    assert credit.counterparty_name == "Jörg Weiß"
    assert credit.remittance == "RE-2026-000130 und RE-2026-000131"
    assert debit.counterparty_name == "Stadtwerke Köln GmbH"
    assert credit.source_location == "line 6"


def test_columns_by_index_with_utf8_bom_decimal_point_and_iso_dates_are_read():
    mapping = CsvMapping(
        account_iban="GB33BUKB20201555555555",
        has_header=False,
        delimiter=",",
        decimal_separator=".",
        thousands_separator=",",
        date_format="%Y-%m-%d",
        encoding="utf-8",
        booking_date=0,
        value_date=1,
        amount=2,
        remittance=(3,),
        counterparty_iban=4,
        currency="GBP",
    )

    (statement,) = parse_csv(fixture("plain_utf8.csv"), mapping=mapping)

    fee, payment = statement.lines
    assert (fee.credit, fee.amount, fee.currency) == (False, Decimal("12.50"), "GBP")
    assert (payment.credit, payment.amount, payment.value_date) == (True, Decimal("1000.00"), date(2026, 1, 21))
    assert payment.remittance == "Zoë Ltd, invoice RE-2026-000140"


def test_several_remittance_columns_are_joined():
    data = "Datum;Betrag;Zweck 1;Zweck 2\n01.02.2026;10,00;RE-2026-;000150\n".encode("cp1252")
    mapping = CsvMapping(account_iban=ACCOUNT, booking_date="Datum", amount="Betrag", remittance=("Zweck 1", "Zweck 2"))

    (statement,) = parse_csv(data, mapping=mapping)

    assert statement.lines[0].remittance == "RE-2026- 000150"


@pytest.mark.parametrize(
    ("row", "location", "message"),
    [
        ("32.01.2026;10,00;H", "line 3, column 'Datum'", "does not match the format %d.%m.%Y"),
        ("01.02.2026;zehn;H", "line 3, column 'Betrag'", "is not a number"),
        ("01.02.2026;10,00;X", "line 3, column 'S/H'", "Credit/debit indicator 'X'"),
        ("01.02.2026;0,00;H", "line 3, column 'Betrag'", "amount is zero"),
        ("01.02.2026", "line 3", "row has no column Betrag"),
    ],
)
def test_a_bad_row_is_refused_naming_line_and_column(row, location, message):
    data = f"Datum;Betrag;S/H\n01.02.2026;5,00;S\n{row}\n".encode("cp1252")
    mapping = CsvMapping(account_iban=ACCOUNT, booking_date="Datum", amount="Betrag", credit_debit_column="S/H")

    with pytest.raises(StatementFormatError) as error:
        parse_csv(data, mapping=mapping)

    assert error.value.location == location
    assert message in error.value.message


def test_a_missing_column_is_refused_naming_it():
    with pytest.raises(StatementFormatError, match="Column 'Valuta' \\(value_date\\) is missing"):
        parse_csv(
            b"Datum;Betrag\n01.02.2026;1,00\n",
            mapping=CsvMapping(account_iban=ACCOUNT, booking_date="Datum", amount="Betrag", value_date="Valuta"),
        )


def test_a_file_without_data_rows_is_refused():
    with pytest.raises(StatementFormatError, match="no data rows"):
        parse_csv(b"Datum;Betrag\n\n", mapping=CsvMapping(account_iban=ACCOUNT, booking_date="Datum", amount="Betrag"))


def test_a_file_in_another_encoding_than_mapped_is_refused():
    mapping = CsvMapping(account_iban=ACCOUNT, booking_date="Datum", amount="Betrag", encoding="utf-8")

    with pytest.raises(StatementFormatError, match="not encoded as utf-8"):
        parse_csv("Datum;Betrag;Name\n01.02.2026;1,00;Jörg\n".encode("cp1252"), mapping=mapping)


def test_csv_is_parsed_through_the_entry_point_only_with_a_mapping():
    mapping = preset("sparkasse_camt")

    assert detect_format(fixture("sparkasse_camt.csv"), csv_mapping=mapping) == "csv"
    assert len(parse_statement_file(fixture("sparkasse_camt.csv"), csv_mapping=mapping)[0].lines) == 3
