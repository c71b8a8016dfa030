import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from payments.bank.mt940 import parse_mt940
from payments.bank.parse import detect_format, parse_statement_file
from payments.bank.types import StatementFormatError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"


def shared_bank_data() -> Path:
    # DEBITOR_SHARED_DATA names the shared data folder (…/shared/data) or its bank folder itself.
    root = os.environ.get("DEBITOR_SHARED_DATA")
    if root:
        folder = Path(root) / "bank" if (Path(root) / "bank").is_dir() else Path(root)
    else:
        folder = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "bank"
    folder = folder.resolve()
    if not folder.is_dir():
        pytest.skip("needs ../shared/data/bank (CI has it)")
    return folder


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- our own fixtures --------------------------------------------------------------------------------


def test_a_german_file_with_two_statements_gives_two_statements_that_add_up():
    first, second = parse_mt940(fixture("mt940_sepa_de.sta"))

    assert (first.format, first.kind, first.statement_id, first.sequence) == (
        "mt940",
        "statement",
        "STARTUMS/00012/001",
        "00012/001",
    )
    assert first.account_iban == "37040044/0532013000"  # BLZ/Konto stays as the bank wrote it
    assert second.account_iban == "DE89370400440532013000"  # IBAN with the currency appended
    assert (first.currency, first.opening_balance, first.closing_balance) == (
        "EUR",
        Decimal("1000.00"),
        Decimal("2187.50"),
    )
    assert (first.from_date, first.to_date) == (date(2026, 1, 5), date(2026, 1, 8))
    assert len(first.lines) == 4 and len(second.lines) == 2
    assert first.balance_difference() == 0 and second.balance_difference() == 0
    assert second.closing_balance == Decimal("1247.50")  # from :62M:


def test_a_sepa_credit_transfer_is_read_from_the_structured_86_subfields():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[0].lines[0]

    assert line.credit is True and line.reversal is False
    assert line.amount == Decimal("1190.00")
    assert (line.booking_date, line.value_date) == (date(2026, 1, 6), date(2026, 1, 6))
    assert line.account_servicer_reference == "BANKREF000001"
    assert line.bank_transaction_code == "166"
    assert line.end_to_end_id == "RE-2026-000123"
    # SVWZ+ continues from ?21 into ?22 mid-word: the pieces join without a space.
    assert line.remittance == "Rechnung RE-2026-000123 Müller Kundennr 10042"
    assert line.counterparty_bic == "COBADEFFXXX"
    assert line.counterparty_iban == "DE02120300000000202051"
    # ?32 and ?33 carry one name; here ?33 sits on an extra physical line.
    assert line.counterparty_name == "Müller & Söhne Gärtnerei GmbH"
    assert line.source_location == "line 6"


def test_a_direct_debit_carries_mandate_creditor_id_and_end_to_end_reference():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[0].lines[1]

    assert line.credit is False
    assert (line.end_to_end_id, line.mandate_id, line.creditor_id) == ("ABO-7781", "M-2024-0042", "DE98ZZZ09999999999")
    assert line.remittance == "Software-Abo Januar"
    assert line.counterparty_name == "Softwarehaus Öko GmbH"  # cp1252 umlaut decoded


def test_a_reversal_of_a_debit_is_money_in_with_its_return_reason():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[0].lines[2]

    assert (line.credit, line.reversal, line.return_reason) == (True, True, "MD06")


def test_a_reversal_of_a_credit_is_money_out_with_its_return_reason():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[1].lines[0]

    assert (line.credit, line.reversal, line.return_reason) == (False, True, "AC04")
    assert line.end_to_end_id == "RE-2026-000123"


def test_bank_charges_are_recorded_from_the_supplementary_details():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[0].lines[3]

    assert (line.credit, line.amount, line.charges) == (False, Decimal("2.50"), Decimal("2.50"))
    assert line.remittance == "Kontoführung Januar"


def test_a_line_without_counterparty_details_leaves_them_empty():
    line = parse_mt940(fixture("mt940_sepa_de.sta"))[1].lines[1]

    assert (line.counterparty_name, line.counterparty_iban, line.customer_reference) == ("", "", "")
    assert line.remittance == "Teilzahlung RE-2026-000124"


def test_slash_keyed_details_as_dutch_banks_write_them_are_read():
    statement = parse_mt940(fixture("mt940_slash_nl.sta"))[0]
    credit, debit = statement.lines

    assert statement.account_iban == "NL91ABNA0417164300"
    assert credit.booking_date == date(2026, 1, 10)  # no entry date in :61: → the value date
    assert (credit.counterparty_name, credit.counterparty_iban, credit.counterparty_bic) == (
        "J. de Vries",
        "NL02ABNA0123456789",
        "ABNANL2A",
    )
    assert (credit.remittance, credit.end_to_end_id, credit.customer_reference) == ("Factuur RE-2026-000125", "", "")
    assert (debit.mandate_id, debit.creditor_id, debit.end_to_end_id) == ("POLIS-123", "NL00ZZZ123456780000", "INC-55")
    # The counterparty account on the :61: supplementary line.
    assert debit.counterparty_iban == "NL02ABNA0123456789"
    assert statement.balance_difference() == 0


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    data = (
        "\ufeff:20:X\n:25:DE89370400440532013000\n:28C:1\n:60F:C260101EUR0,\n"
        ":61:260102C5,NTRFNONREF\n:86:Zoë\n:62F:C260102EUR5,\n"
    )

    (statement,) = parse_mt940(data.encode("utf-8"))

    assert statement.lines[0].remittance == "Zoë"


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        (":20:X\n:25:1/2\n:60F:C260101EUR0,\n:61:260102C12a,00NTRFNONREF\n:62F:C260102EUR5,\n", "line 4", ":61:"),
        (":20:X\n:25:1/2\n:60F:C260101EUR0,\n:61:261302C5,NTRFNONREF\n:62F:C260102EUR5,\n", "line 4", ":61:"),
        (":20:X\n:25:1/2\n:60F:C260101EUR0,\n:61:260102C5,NTRFNONREF\n", "line 1", "closing balance"),
        (":20:X\n:25:1/2\n:61:260102C5,NTRFNONREF\n:62F:C260102EUR5,\n", "line 1", "opening balance"),
        (":20:X\n:60F:C260101EUR0,\n:62F:C260102EUR0,\n", "line 1", ":25:"),
        (":20:X\n:25:1/2\n:60F:X260101EUR0,\n:62F:C260102EUR0,\n", "line 3", ":60F:"),
        (":20:X\n:25:1/2\n:99X:foo\n:60F:C260101EUR0,\n:62F:C260102EUR0,\n", "line 3", "Unknown tag"),
        ("this is not a statement\n", "line 1", "No MT940 statement"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(text, location, message):
    with pytest.raises(StatementFormatError) as error:
        parse_mt940(text.encode("ascii"))

    assert error.value.location == location
    assert message in error.value.message


def test_one_malformed_statement_refuses_the_whole_file():
    good = fixture("mt940_slash_nl.sta")
    bad = b":20:Y\n:25:1/2\n:60F:C260101EUR0,\n:61:260102C5,NTRFNONREF\n-\n"

    with pytest.raises(StatementFormatError, match="line 14"):
        parse_mt940(good + bad)


# -- format detection ------------------------------------------------------------------------------


def test_mt940_is_detected_behind_a_swift_envelope_and_header_lines():
    assert detect_format(fixture("mt940_sepa_de.sta")) == "mt940"
    assert detect_format(b"ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n") == "mt940"
    assert detect_format(b"\n\n:20:X\n") == "mt940"


def test_camt_is_detected_before_mt940():
    assert detect_format(fixture("camt053_v02.xml")) == "camt"


def test_parse_statement_file_parses_mt940():
    assert len(parse_statement_file(fixture("mt940_sepa_de.sta"), filename="umsatz.sta")) == 2


def test_an_unknown_format_is_refused():
    with pytest.raises(StatementFormatError, match="Unknown file format 'notes.txt'"):
        parse_statement_file(b"Dear bank, hello.\n", filename="notes.txt")


def test_an_empty_file_is_refused():
    with pytest.raises(StatementFormatError, match="empty"):
        parse_statement_file(b"  \n")


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.DEBITOR_STATEMENT_MAX_BYTES = 100

    with pytest.raises(StatementFormatError, match="too large"):
        parse_statement_file(fixture("mt940_sepa_de.sta"))


def test_a_csv_file_without_a_mapping_is_an_unknown_format():
    with pytest.raises(StatementFormatError, match="Unknown file format"):
        parse_statement_file(fixture("sparkasse_camt.csv"), filename="umsatz.csv")


# -- real files from public projects ---------------------------------------------------------------


def test_the_betterplace_sepa_sample_imports_with_hand_counted_totals():
    statements = parse_mt940((shared_bank_data() / "mt940_sepa_de_betterplace.sta").read_bytes())
    lines = [line for statement in statements for line in statement.lines]

    # Counted in the file: 26 ":20:" blocks and 97 ":61:" lines, of which 41 "C" summing to
    # 5,188,474.94, 54 "D" summing to 14,457,201.08 and 2 "RC" (reversal of a credit: money out)
    # of 204.88 and 204.88, together 409.76.
    assert len(statements) == 26
    assert len(lines) == 97
    credits = [line.amount for line in lines if line.credit]
    debits = [line.amount for line in lines if not line.credit]
    assert (len(credits), sum(credits)) == (41, Decimal("5188474.94"))
    assert (len(debits), sum(debits)) == (56, Decimal("14457201.08") + Decimal("409.76"))
    assert sum(line.reversal for line in lines) == 2
    # First block: :60F:D070903EUR1234718,36, :62F:D070904EUR1237628,23; by hand
    # -1,234,718.36 + (300 + 335.33 + 15,000 + 66,295.08 + 915,311.55) - (204.88 + 999,946.95)
    # = -1,237,628.23, so the RC line must count as a debit for the block to add up.
    first = statements[0]
    assert (first.statement_id, first.account_iban) == ("T089413946000001/00004/00001", "50880050/0194774600888")
    assert (first.opening_balance, first.closing_balance) == (Decimal("-1234718.36"), Decimal("-1237628.23"))
    assert first.balance_difference() == 0
    # Last block: :60F:C070822EUR0, and :62F:C070904EUR50,05 with one credit of 50,05.
    last = statements[-1]
    assert (last.opening_balance, last.closing_balance, len(last.lines)) == (Decimal("0"), Decimal("50.05"), 1)
    # The bank's own sample adds up in every block.
    assert all(statement.balance_difference() == 0 for statement in statements)
    # Second block, first line: ?31 IBAN, ?30 BIC, ?32/?33 name, EREF+ and SVWZ+ from ?20-?29.
    line = statements[1].lines[0]
    assert (line.counterparty_iban, line.counterparty_bic) == ("DE42100100100043921105", "PBNKDEFF100")
    assert line.counterparty_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    assert line.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert line.remittance.startswith("TO 13 TFNr 20004 Eingangskanal Mint")


def test_the_abn_amro_sample_imports_with_hand_counted_totals_and_a_balance_warning():
    first, second = parse_mt940((shared_bank_data() / "mt940_abnamro_nl_jejik.sta").read_bytes())

    # Counted in the file: 8 debits in the first statement (9 + 11.59 + 11.63 + 11.80 + 13.45
    # + 15.49 + 107 + 141.48 = 321.44) and 2 in the second (9.49 + 15 = 24.49); no credits.
    assert (len(first.lines), len(second.lines)) == (8, 2)
    assert not any(line.credit for line in first.lines + second.lines)
    assert sum(line.amount for line in first.lines) == Decimal("321.44")
    assert sum(line.amount for line in second.lines) == Decimal("24.49")
    assert (first.account_iban, first.statement_id) == ("517852257", "ABN AMRO BANK NV/19321/1")
    assert (first.opening_balance, first.closing_balance) == (Decimal("3236.28"), Decimal("876.84"))
    assert (second.opening_balance, second.closing_balance) == (Decimal("2876.84"), Decimal("1849.75"))  # :60M:/:62M:
    # The sample was anonymised and does not add up: 3236.28 - 321.44 - 876.84 = 2038.00 and
    # 2876.84 - 24.49 - 1849.75 = 1002.60. That is a warning on the statement, not a refusal.
    assert first.balance_difference() == Decimal("2038.00")
    assert second.balance_difference() == Decimal("1002.60")
    assert first.lines[0].remittance.startswith("GIRO 428428 KPN - DIGITENNE")
    assert first.lines[0].bank_transaction_code == "N192"
