"""CAMT.052/053/054 parsing: the project's own fixtures, malformed files, and a real bank file."""

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from payments.bank.camt import is_camt, parse_camt
from payments.bank.types import StatementFormatError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"


def shared_bank_data() -> Path:
    configured = os.environ.get("DEBITOR_SHARED_DATA")
    base = Path(configured) if configured else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return (base / "bank").resolve()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_with(name: str, old: str, new: str) -> bytes:
    text = fixture(name).decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def test_every_camt_fixture_is_recognised_as_camt():
    for path in FIXTURES.glob("camt*.xml"):
        assert is_camt(path.read_bytes()), path.name


def test_other_files_are_not_recognised_as_camt():
    assert not is_camt(b":20:STARTUMSE\r\n:25:10020030/1234567\r\n")
    assert not is_camt(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    assert not is_camt(b"")


def test_two_statements_in_one_file_are_both_returned_in_order():
    statements = parse_camt(fixture("camt053_v02.xml"))

    assert [s.statement_id for s in statements] == ["2026-03-02-0012", "2026-03-02-USD"]
    first, second = statements
    assert first.format == "camt.053.001.02" and first.kind == "statement"
    assert first.account_iban == "DE89370400440532013000"
    assert first.currency == "EUR"
    assert first.sequence == "12"  # the electronic sequence number wins over the legal one
    assert first.created_at == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    assert (first.from_date, first.to_date) == (date(2026, 3, 2), date(2026, 3, 2))
    assert first.opening_balance == Decimal("1000.00")
    assert first.closing_balance == Decimal("1401.60")  # CLAV (available) is not the closing balance
    assert first.balance_difference() == Decimal("0")
    assert len(first.lines) == 6


def test_the_second_statement_takes_its_currency_from_the_balances_and_a_previous_closing_as_opening():
    second = parse_camt(fixture("camt053_v02.xml"))[1]

    assert second.account_iban == "0532013001"  # Acct/Id/Othr/Id, no IBAN
    assert second.currency == "USD"
    assert second.sequence == "3"
    assert second.from_date is None and second.to_date is None
    assert second.opening_balance == Decimal("-20.00")  # PRCD, debit balance
    assert second.closing_balance == Decimal("15.00")
    assert second.balance_difference() == Decimal("0")


def test_a_single_credit_transfer_carries_references_remittance_and_the_paying_debtor():
    line = parse_camt(fixture("camt053_v02.xml"))[0].lines[0]

    assert line.amount == Decimal("119.00") and line.credit and line.currency == "EUR"
    assert (line.booking_date, line.value_date) == (date(2026, 3, 2), date(2026, 3, 3))
    assert line.status == "BOOK" and not line.reversal
    assert line.account_servicer_reference == "ASR-0001"
    assert line.entry_reference == "NREF-1"
    assert (line.batch_index, line.batch_size) == (0, 1)
    assert line.end_to_end_id == "E2E-RE-2026-000123"
    assert line.customer_reference == ""  # InstrId NOTPROVIDED is SEPA's placeholder, not a reference
    assert line.remittance == "RE-2026-000123 Kundennr. 10042"
    assert line.counterparty_name == "Jürgen Müller"
    assert line.counterparty_iban == "DE02120300000000202051"
    assert line.counterparty_bic == "BYLADEM1001"
    assert line.bank_transaction_code == "PMNT/RCDT/ESCT"
    assert line.additional_info == "SEPA-GUTSCHRIFT"
    assert line.source_location == "Stmt[1]/Ntry[1]/TxDtls[1]"


def test_a_batch_booking_becomes_one_line_per_transaction_with_its_own_amount():
    batch = parse_camt(fixture("camt053_v02.xml"))[0].lines[1:4]

    assert [line.amount for line in batch] == [Decimal("100.00"), Decimal("200.00"), Decimal("50.00")]
    assert [line.batch_index for line in batch] == [1, 2, 3]
    assert {line.batch_size for line in batch} == {3}
    assert {line.entry_reference for line in batch} == {"NREF-2"}
    assert [line.account_servicer_reference for line in batch] == ["ASR-0002-1", "ASR-0002-2", "ASR-0002"]
    assert [line.counterparty_name for line in batch] == ["Élodie Dupont", "Bäckerei Groß & Söhne", ""]
    assert batch[1].structured_reference == "RF18539007547034"
    assert [line.source_location for line in batch] == [
        "Stmt[1]/Ntry[2]/TxDtls[1]",
        "Stmt[1]/Ntry[2]/TxDtls[2]",
        "Stmt[1]/Ntry[2]/TxDtls[3]",
    ]


def test_a_returned_direct_debit_keeps_the_reason_the_charges_and_the_customer_as_counterparty():
    line = parse_camt(fixture("camt053_v02.xml"))[0].lines[4]

    assert not line.credit and line.reversal
    assert line.amount == Decimal("62.50")  # the booked amount: 59.50 returned plus 3.00 fees
    assert line.charges == Decimal("3.00")
    assert line.return_reason == "MD06"
    assert line.mandate_id == "MANDATE-10042-1"
    assert line.creditor_id == "DE98ZZZ09999999999"
    assert line.end_to_end_id == "E2E-SDD-0815"
    assert line.counterparty_name == "François Lefèvre"
    assert line.counterparty_iban == "BE68539007547034"
    assert line.counterparty_bic == "GEBABEBB"
    assert line.bank_transaction_code == "PMNT/IDDT/UPDD"


def test_a_bank_fee_without_transaction_details_is_the_line_itself():
    line = parse_camt(fixture("camt053_v02.xml"))[0].lines[5]

    assert line.amount == Decimal("4.90") and not line.credit
    assert line.bank_transaction_code == "NCHG+805"  # proprietary code when there is no ISO domain
    assert line.additional_info == "Kontoführungsgebühr März"
    assert line.value_date is None
    assert line.source_location == "Stmt[1]/Ntry[4]"


def test_entries_with_only_the_required_elements_parse_with_empty_optional_fields():
    minimal, returned = parse_camt(fixture("camt053_v02.xml"))[1].lines

    assert minimal.amount == Decimal("80.00") and minimal.credit
    assert minimal.account_servicer_reference == minimal.entry_reference == minimal.remittance == ""
    assert minimal.counterparty_name == minimal.bank_transaction_code == ""
    assert minimal.charges is None
    assert returned.return_reason == "AC04" and returned.reversal and not returned.credit
    assert returned.counterparty_name == "Ødegaard AS"


def test_version_08_reads_status_codes_party_wrappers_bicfi_and_date_times():
    (statement,) = parse_camt(fixture("camt053_v08.xml"))

    assert statement.format == "camt.053.001.08"
    assert statement.currency == "CHF" and statement.account_iban == "CH9300762011623852957"
    assert statement.balance_difference() == Decimal("0")
    credit, debit = statement.lines
    assert credit.status == "BOOK"
    assert credit.booking_date == date(2026, 3, 2)  # from BookgDt/DtTm
    assert credit.counterparty_name == "Zoë Weiß"
    assert credit.counterparty_bic == "UBSWCHZH80A"
    assert credit.customer_reference == "INSTR-77"
    assert credit.structured_reference == "210000000003139471430009017"
    assert debit.counterparty_name == "Hôtel du Lac SA"  # for a debit the creditor is the counterparty
    assert debit.counterparty_iban == "CH4431999123000889012"
    assert debit.counterparty_bic == "POFICHBEXXX"
    assert debit.end_to_end_id == ""
    assert debit.amount == Decimal("80.00") and debit.charges == Decimal("1.50")


def test_an_account_report_keeps_pending_entries_apart_from_the_balance():
    (report,) = parse_camt(fixture("camt052_v06.xml"))

    assert report.format == "camt.052.001.06" and report.kind == "report"
    assert [line.status for line in report.lines] == ["BOOK", "PDNG"]
    assert report.lines[1].booking_date is None and report.lines[1].value_date == date(2026, 3, 3)
    assert report.lines[1].source_location == "Rpt[1]/Ntry[2]"
    assert report.balance_difference() == Decimal("0")  # the pending 500.00 is not yet on the balance


def test_a_notification_without_balances_and_account_currency_uses_the_entry_currency():
    (notification,) = parse_camt(fixture("camt054_v04.xml"))

    assert notification.kind == "notification" and notification.format == "camt.054.001.04"
    assert notification.account_iban == "532013000"
    assert notification.currency == "EUR"
    assert notification.opening_balance is None and notification.balance_difference() is None
    (line,) = notification.lines
    assert line.counterparty_name == "Çelik Yapı A.Ş."
    assert line.counterparty_bic == "ISBKTRISXXX"
    assert line.source_location == "Ntfctn[1]/Ntry[1]/TxDtls[1]"


def test_an_entry_without_amount_is_refused_naming_the_element():
    data = fixture_with("camt053_v02.xml", '<Amt Ccy="EUR">4.90</Amt>', "")

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Stmt[1]/Ntry[4]/Amt"


def test_an_entry_without_credit_debit_indicator_is_refused():
    data = fixture_with("camt052_v06.xml", "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>PDNG</Sts>", "<Sts>PDNG</Sts>")

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Rpt[1]/Ntry[2]/CdtDbtInd"


@pytest.mark.parametrize("amount", ["1,190.00", "1190,00", "-1190.00", "NaN", "", "0.00"])
def test_an_unreadable_amount_is_refused(amount):
    data = fixture_with("camt054_v04.xml", '<Amt Ccy="EUR">1190.00</Amt>', f'<Amt Ccy="EUR">{amount}</Amt>')

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Ntfctn[1]/Ntry[1]/Amt"


@pytest.mark.parametrize("value", ["2026-02-30", "02.03.2026", "20260302"])
def test_a_bad_booking_date_is_refused_with_its_path(value):
    booked = "<BookgDt><Dt>2026-03-02</Dt></BookgDt>"
    data = fixture_with("camt053_v02.xml", booked, booked.replace("2026-03-02", value))

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Stmt[1]/Ntry[1]/BookgDt/Dt"
    assert value in str(error.value)


def test_a_bad_date_time_in_version_08_is_refused():
    data = fixture_with("camt053_v08.xml", "2026-03-02T10:15:00+01:00", "yesterday")

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Stmt[1]/Ntry[1]/BookgDt/DtTm"


def test_batch_transactions_that_do_not_add_up_to_the_entry_are_refused():
    data = fixture_with("camt053_v02.xml", '<TxAmt><Amt Ccy="EUR">50.00</Amt>', '<TxAmt><Amt Ccy="EUR">49.00</Amt>')

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Stmt[1]/Ntry[2]/NtryDtls"


def test_a_balance_without_indicator_is_refused():
    closing = '<Amt Ccy="CHF">670.00</Amt>'
    data = fixture_with("camt053_v08.xml", f"{closing}\n        <CdtDbtInd>CRDT</CdtDbtInd>", closing)

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Stmt[1]/Bal[2]/CdtDbtInd"


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.01",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.09",
        "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
        "http://example.com/statement",
    ],
)
def test_an_unknown_namespace_is_refused_naming_it(namespace):
    data = fixture_with("camt053_v02.xml", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace)

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert namespace in str(error.value)
    assert error.value.location == "Document"


def test_an_unknown_root_element_is_refused_naming_it():
    with pytest.raises(StatementFormatError) as error:
        parse_camt(b'<Statement xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>')
    assert "Statement" in str(error.value)


def test_a_message_body_that_does_not_fit_the_namespace_is_refused():
    data = fixture_with("camt054_v04.xml", "camt.054.001.04", "camt.053.001.04")

    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location == "Document/BkToCstmrStmt"


def test_a_file_without_any_statement_is_refused():
    empty = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>'

    with pytest.raises(StatementFormatError) as error:
        parse_camt(empty)
    assert error.value.location == "BkToCstmrStmt/Stmt"


def test_a_doctype_with_an_external_entity_is_refused_before_anything_is_read():
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&x;</Id>'
        b"</Stmt></BkToCstmrStmt></Document>"
    )

    with pytest.raises(StatementFormatError) as error:
        parse_camt(xxe)
    assert error.value.location == "DOCTYPE"
    assert "root" not in str(error.value)


def test_a_billion_laughs_doctype_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'

    with pytest.raises(StatementFormatError) as error:
        parse_camt(bomb)
    assert error.value.location == "DOCTYPE"


@pytest.mark.parametrize("data", [b"not xml at all", b"", b"<Document><BkToCstmrStmt></Document>"])
def test_a_file_that_is_not_xml_is_refused_with_the_line(data):
    with pytest.raises(StatementFormatError) as error:
        parse_camt(data)
    assert error.value.location.startswith("line ")


def test_the_real_deutsche_bank_belgium_month_statement_adds_up():
    folder = shared_bank_data()
    if not folder.is_dir():
        pytest.skip("needs ../shared/data/bank (CI has it)")
    statements = parse_camt((folder / "camt053_v02_deutschebank_be_month_subite.xml").read_bytes())

    # Counted from the file without this parser (grep/awk over the text, summed with bc):
    # 1 <Stmt>, 268 <Ntry>, each with exactly one <TxDtls> (no batches), all <Sts>BOOK</Sts>, all EUR;
    # 4 CRDT entries of 50000 + 50000 + 50000 + 30000 = 180000.00;
    # 264 DBIT entries summing to 151831.25;
    # OPBD 59370.37 CRDT, CLBD 87539.12 CRDT; 59370.37 + 180000.00 - 151831.25 = 87539.12, so it adds up.
    (statement,) = statements
    assert statement.statement_id == "MSG56562708-QMXIUR"
    assert statement.account_iban == "BE68793230773034"
    assert statement.currency == "EUR"
    assert (statement.from_date, statement.to_date) == (date(2024, 11, 1), date(2024, 11, 30))
    assert statement.opening_balance == Decimal("59370.37")
    assert statement.closing_balance == Decimal("87539.12")
    assert len(statement.lines) == 268
    credits = [line.amount for line in statement.lines if line.credit]
    debits = [line.amount for line in statement.lines if not line.credit]
    assert len(credits) == 4 and sum(credits) == Decimal("180000.00")
    assert len(debits) == 264 and sum(debits) == Decimal("151831.25")
    assert {line.status for line in statement.lines} == {"BOOK"}
    assert statement.balance_difference() == Decimal("0")
    first = statement.lines[0]  # the first entry, read by eye
    assert first.counterparty_name == "Stellar Ltd" and first.counterparty_iban == "BE91516952884376"
    assert first.remittance == "Transfer ref HBAVHC9717"
    assert first.end_to_end_id == "E2ESEKOZLQO41354223"


# --- Date-times without an offset are the bank's local time ------------------------------------------
def test_a_creation_time_without_offset_is_read_as_berlin_time():
    second = parse_camt(fixture("camt053_v02.xml"))[1]  # <CreDtTm>2026-03-03T06:00:00</CreDtTm>

    assert second.created_at.tzinfo is not None
    assert second.created_at == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # CET is UTC+1 in March


def test_a_creation_time_without_offset_in_summer_is_read_with_daylight_saving_time():
    data = fixture_with(
        "camt053_v02.xml", "<CreDtTm>2026-03-03T06:00:00</CreDtTm>", "<CreDtTm>2026-07-01T06:00:00</CreDtTm>"
    )

    assert parse_camt(data)[1].created_at == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # CEST, UTC+2


def test_a_creation_time_with_an_offset_keeps_it():
    data = fixture_with(
        "camt053_v02.xml", "<CreDtTm>2026-03-03T06:00:00</CreDtTm>", "<CreDtTm>2026-03-03T06:00:00-05:00</CreDtTm>"
    )

    assert parse_camt(data)[1].created_at == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


def test_the_site_time_zone_decides_how_a_time_without_offset_is_read(settings):
    settings.TIME_ZONE = "UTC"

    assert parse_camt(fixture("camt053_v02.xml"))[1].created_at == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "booked"),
    [
        ("2026-03-02T23:30:00", date(2026, 3, 2)),  # local time, no offset
        ("2026-03-02T23:30:00.250", date(2026, 3, 2)),  # with fractions of a second
        ("2026-03-02T23:30:00+01:00", date(2026, 3, 2)),
        ("2026-03-02T23:30:00Z", date(2026, 3, 2)),  # the day as the bank wrote it, not converted
        ("2026-03-29T02:30:00", date(2026, 3, 29)),  # a local time skipped by the change to summer time
    ],
)
def test_a_booking_date_time_with_or_without_offset_gives_the_booking_day(written, booked):
    data = fixture_with("camt053_v08.xml", "2026-03-02T10:15:00+01:00", written)

    credit = parse_camt(data)[0].lines[0]

    assert credit.booking_date == booked


def test_a_statement_period_without_offsets_is_read_in_local_time():
    data = fixture_with(
        "camt053_v08.xml", "<FrDtTm>2026-03-02T00:00:00Z</FrDtTm>", "<FrDtTm>2026-03-02T00:00:00</FrDtTm>"
    )
    data = data.replace(b"<ToDtTm>2026-03-02T23:59:59Z</ToDtTm>", b"<ToDtTm>2026-03-02T23:59:59</ToDtTm>")

    (statement,) = parse_camt(data)

    assert (statement.from_date, statement.to_date) == (date(2026, 3, 2), date(2026, 3, 2))


@pytest.mark.django_db
def test_a_statement_with_a_creation_time_without_offset_is_stored_aware():
    from payments.bank.importing import statement_import_create, statement_import_run
    from payments.models import BankStatement

    data = fixture("camt053_v02.xml")
    statement_import = statement_import_create(
        data=data, filename="camt053_v02.xml", as_of=datetime(2026, 3, 4, tzinfo=UTC)
    )

    done = statement_import_run(import_id=statement_import.pk, as_of=datetime(2026, 3, 4, tzinfo=UTC))

    assert done.status == "done", done.error
    stored = BankStatement.objects.get(statement_id="2026-03-02-USD")
    assert stored.created_at_bank == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
