"""Every statement parser, fed arbitrary or mutated input, returns statements or raises a clean
``StatementFormatError`` — never any other exception (issue 13). And its errors are stored as a
code with parameters, worded in the reader's language."""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.bank.camt import parse_camt
from payments.bank.csv_import import CSV_PRESETS, CsvMapping, parse_csv
from payments.bank.mt940 import parse_mt940
from payments.bank.parse import parse_statement_file
from payments.bank.types import ParsedStatement, StatementFormatError
from payments.tests.test_bank_camt_real_banks import CUSTOMER, OUR_CI, OURS, document, entry, party, tx

# FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps each test to a few seconds.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

CAMT = document(
    entry(tx(party("Dbtr", "Kunde GmbH", CUSTOMER), party("Cdtr", "Wir GmbH", OURS)), reference="A-1"),
    entry(
        tx(party("Cdtr", "Wir", creditor_id=OUR_CI), party("Dbtr", "Kunde", CUSTOMER), amount="60.00", returned="MD06"),
        tx(party("Dbtr", "Kunde", CUSTOMER), amount="40.00"),
        indicator="DBIT",
        reversal=True,
        code="PMNT/IDDT/UPDD",
    ),
    head="<CreDtTm>2026-03-03T06:00:00+01:00</CreDtTm><FrToDt><FrDtTm>2026-03-02T00:00:00Z</FrDtTm>"
    "<ToDtTm>2026-03-02T23:59:59Z</ToDtTm></FrToDt>"
    '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
    "<Dt><Dt>2026-03-01</Dt></Dt></Bal>",
).replace(b"><", b">\n<")

MT940 = (
    "{1:F01COBADEFFAXXX0000000000}{2:O9400000260302COBADEFFXXXX00000000002603020000N}{4:\r\n"
    f":20:STARTUMSE\r\n:25:{OURS}\r\n:28C:00000\r\n:60F:C260301EUR500,00\r\n"
    ":61:2603020302C100,00NTRFNONREF//BANK-1\r\n"
    f":86:166?00GUTSCHRIFT?20EREF+RE-2026-000035?21SVWZ+RE-2026-0000?2235?31{CUSTOMER}?32Kunde GmbH?34000\r\n"
    ":61:2603020302RD59,50NRTINONREF//BANK-2\r\n"
    f":86:109?00RUECKLASTSCHRIFT?20SVWZ+RTRN MD06?31{CUSTOMER}?34901\r\n"
    ":61:2603020302D2,50NCHGNONREF//BANK-3\r\n/CHGS/EUR2,50/\r\n:86:805?00ENTGELT\r\n"
    ":61:2603020302C100,00NTRFEREF\r\n//00000000001\r\nNL02ABNA0123456789 J. DE VRIES\r\n"
    ":86:/CNTP/NL02ABNA0123456789/ABNANL2A/J. de Vries/AMSTERDAM//REMI/USTD//Factuur/\r\n"
    ":62F:C260302EUR757,00\r\n-}\r\n"
).encode("cp1252")

CSV_MAPPING = replace(CSV_PRESETS["sparkasse_camt"], account_iban=OURS)
CSV = (
    '"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Glaeubiger ID";"Mandatsreferenz";'
    '"Kundenreferenz (End-to-End)";"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"BIC (SWIFT-Code)";'
    '"Betrag";"Waehrung"\n'
    f'"02.03.26";"02.03.26";"GUTSCHRIFT";"RE-2026-000035";"";"";"E2E-1";"Kunde GmbH";"{CUSTOMER}";"";"1.190,00";"EUR"\n'
    f'"02.03.26";"03.03.26";"LASTSCHRIFT";"Abo";"{OUR_CI}";"M-1";"";"Lieferant";"";"";"-59,50";"EUR"\n'
).encode("cp1252")


def parses_cleanly(parse, data: bytes, **kwargs) -> None:
    try:
        statements = parse(data, **kwargs)
    except StatementFormatError as error:
        assert error.message, "an error without a message"
        str(error)  # worded with its location
        return
    assert all(isinstance(statement, ParsedStatement) for statement in statements)
    for statement in statements:
        for line in statement.lines:
            assert isinstance(line.amount, Decimal) and line.amount.is_finite()


def test_the_fuzzing_seeds_are_valid_files():
    assert len(parse_camt(CAMT)[0].lines) == 3
    assert len(parse_mt940(MT940)[0].lines) == 4
    assert len(parse_csv(CSV, mapping=CSV_MAPPING)[0].lines) == 2
    assert parse_mt940(MT940)[0].balance_difference() == 0


def mutated(seed: bytes):
    """A valid file with lines dropped, duplicated, swapped, cut, or with bytes altered or inserted."""
    lines = seed.split(b"\n")
    index = st.integers(0, len(lines) - 1)
    noise = st.binary(max_size=12) | st.sampled_from(
        [b"<", b">", b"</Ntry>", b"&amp;", b"&#0;", b":61:", b":86:?34", b"?", b"\xff\xfe", b'"', b";", b"-", b""]
    )

    def apply(operations):
        result = list(lines)
        for kind, position, extra in operations:
            position %= max(len(result), 1)
            if not result:
                break
            if kind == "drop":
                del result[position]
            elif kind == "duplicate":
                result.insert(position, result[position])
            elif kind == "swap":
                result[position], result[-1] = result[-1], result[position]
            elif kind == "cut":
                result[position] = result[position][: len(extra)]
            elif kind == "alter":
                line = result[position]
                at = len(extra) % (len(line) + 1)
                result[position] = line[:at] + extra + line[at + 1 :]
            else:
                result.insert(position, extra)
        return b"\n".join(result)

    operation = st.tuples(st.sampled_from(["drop", "duplicate", "swap", "cut", "alter", "insert"]), index, noise)
    return st.lists(operation, min_size=1, max_size=4).map(apply)


@FUZZ
@given(data=mutated(CAMT))
def test_camt_mutated_gives_statements_or_a_clean_error(data):
    parses_cleanly(parse_camt, data)


@FUZZ
@given(data=mutated(MT940))
def test_mt940_mutated_gives_statements_or_a_clean_error(data):
    parses_cleanly(parse_mt940, data)


def test_a_csv_with_a_byte_order_mark_but_invalid_utf8_is_refused_cleanly():
    with pytest.raises(StatementFormatError) as error:
        parse_csv(b"\xef\xbb\xbf" + CSV.replace(b"Buchungstag", b"\x80uchungstag"), mapping=CSV_MAPPING)

    assert error.value.stored["code"] == "bank.csv.bad_encoding"


@FUZZ
@given(data=mutated(CSV))
def test_csv_mutated_gives_statements_or_a_clean_error(data):
    parses_cleanly(parse_csv, data, mapping=CSV_MAPPING)


@FUZZ
@given(
    data=st.binary(max_size=400) | mutated(CAMT) | mutated(MT940) | mutated(CSV),
    mapping=st.sampled_from(
        [None, CSV_MAPPING, CsvMapping(account_iban=OURS, booking_date=0, amount=1, has_header=False)]
    ),
)
def test_any_file_through_detection_gives_statements_or_a_clean_error(data, mapping):
    parses_cleanly(parse_statement_file, data, filename="upload.bin", csv_mapping=mapping)


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_as_mt940_or_csv_gives_statements_or_a_clean_error(text):
    data = text.encode("utf-8")
    parses_cleanly(parse_mt940, data)
    parses_cleanly(parse_csv, data, mapping=CSV_MAPPING)
    parses_cleanly(parse_statement_file, b":20:X\n:25:1/2\n:28C:1\n" + data)


@FUZZ
@given(
    element=st.sampled_from(["Amt", "CdtDbtInd", "Dt", "DtTm", "IBAN", "Id", "Ccy", "RvslInd", "CreDtTm", "Cd"]),
    value=st.text(max_size=30).filter(lambda text: "<" not in text and "&" not in text),
)
def test_camt_with_any_text_in_an_element_gives_statements_or_a_clean_error(element, value):
    text = CAMT.decode()
    start = text.find(f"<{element}")
    opening_end = text.find(">", start) + 1
    closing = text.find("</", opening_end)
    parses_cleanly(parse_camt, (text[:opening_end] + value + text[closing:]).encode())


# -- 8. errors in the reader's language -------------------------------------------------------------


def test_a_parser_error_is_stored_as_a_code_and_read_in_german_and_in_english():
    data = CAMT.replace(b'<Amt Ccy="EUR">40.00</Amt>', b'<Amt Ccy="EUR">41.00</Amt>')
    with translation.override("en"), pytest.raises(StatementFormatError) as error:
        parse_camt(data)

    assert error.value.stored == {
        "code": "bank.camt.batch_sum",
        "params": {
            "sum": {"$": "money", "amount": "101.00", "currency": "EUR"},
            "amount": {"$": "money", "amount": "100.00", "currency": "EUR"},
        },
    }
    assert error.value.location == "Stmt[1]/Ntry[2]/NtryDtls"
    with translation.override("en"):
        assert error.value.message == "The batch transactions add up to €101.00, but the entry amount is €100.00."
    with translation.override("de"):
        assert (
            error.value.message
            == "Die Einzelumsätze der Sammelbuchung ergeben 101,00\xa0€, der Buchungsbetrag beträgt jedoch 100,00\xa0€."
        )


def test_an_mt940_error_reads_in_german_and_in_english():
    with pytest.raises(StatementFormatError) as error:
        parse_mt940(b":20:X\n:25:1/2\n:60F:C260101EUR0,\n:61:261302C5,NTRFNONREF\n:62F:C260102EUR5,\n")

    assert error.value.stored["code"] == "bank.mt940.malformed"
    with translation.override("en"):
        assert error.value.message == "Malformed :61: field '261302C5,NTRFNONREF'."
    with translation.override("de"):
        assert error.value.message == "Fehlerhaftes Feld :61: '261302C5,NTRFNONREF'."


def test_an_undefined_message_code_is_a_programming_error_not_a_stored_sentence():
    with pytest.raises(KeyError):
        StatementFormatError("Some sentence worded when raised.")
