"""Bank lines carry the batch of ours they book: the payment information id (PmtInfId) and message
id of a SEPA file we submitted, in every shape the standards allow — CAMT.052/053/054 in versions
.02/.04/.08 with ``NtryDtls/Btch`` (with or without ``TxDtls``) or ``TxDtls/Refs/PmtInfId``, and
German MT940 Sammler bookings (DFÜ-Abkommen Anlage 3: the PmtInfId as customer reference, KREF+)
and Dutch ones (``/PREF/``). Files written here, not copied."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.bank.camt import parse_camt
from payments.bank.mt940 import parse_mt940

ACCOUNT = "DE89370400440532013000"
ROOTS = {
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "053": ("BkToCstmrStmt", "Stmt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


def camt(entry: str, *, message: str, version: str) -> bytes:
    root, element = ROOTS[message]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version}">
  <{root}><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-03T06:00:00+01:00</CreDtTm></GrpHdr>
    <{element}><Id>S1</Id><Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>{entry}</{element}>
  </{root}>
</Document>""".encode()


def status(version: str) -> str:
    return "<Sts><Cd>BOOK</Cd></Sts>" if version == "08" else "<Sts>BOOK</Sts>"


def tx(e2e: str, amount: str, *, pmtinf: str = "") -> str:
    refs_pmtinf = f"<PmtInfId>{pmtinf}</PmtInfId>" if pmtinf else ""
    return (
        f"<TxDtls><Refs>{refs_pmtinf}<EndToEndId>{e2e}</EndToEndId><MndtId>M-{e2e}</MndtId></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls></TxDtls>'
    )


def entry(amount: str, details: str, *, version: str) -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{status(version)}'
        f"<BookgDt><Dt>2026-12-02</Dt></BookgDt><ValDt><Dt>2026-12-02</Dt></ValDt>"
        f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )


VERSIONS = [(message, version) for message in ("052", "053", "054") for version in ("02", "04", "08")]


@pytest.mark.parametrize(("message", "version"), VERSIONS)
def test_a_batch_booked_as_one_entry_without_its_transactions_names_the_batch_and_its_count(message, version):
    btch = "<Btch><MsgId>MSG-7</MsgId><PmtInfId>PMTINF-7</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>"
    (statement,) = parse_camt(camt(entry("300.00", btch, version=version), message=message, version=version))
    (line,) = statement.lines
    assert (line.payment_info_id, line.batch_message_id, line.batch_size) == ("PMTINF-7", "MSG-7", 3)
    assert line.amount == Decimal("300.00") and line.end_to_end_id == ""


@pytest.mark.parametrize(("message", "version"), VERSIONS)
def test_a_batch_booked_with_its_transactions_gives_each_line_the_batch(message, version):
    btch = "<Btch><PmtInfId>PMTINF-8</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>"
    data = camt(
        entry("150.00", btch + tx("E2E-1", "100.00") + tx("E2E-2", "50.00"), version=version),
        message=message,
        version=version,
    )
    (statement,) = parse_camt(data)
    assert [(line.end_to_end_id, line.payment_info_id, line.amount) for line in statement.lines] == [
        ("E2E-1", "PMTINF-8", Decimal("100.00")),
        ("E2E-2", "PMTINF-8", Decimal("50.00")),
    ]
    assert [line.batch_index for line in statement.lines] == [1, 2]


def test_the_transactions_own_payment_information_id_wins_over_the_batchs():
    details = "<Btch><PmtInfId>OUTER</PmtInfId></Btch>" + tx("E2E-1", "10.00", pmtinf="INNER") + tx("E2E-2", "5.00")
    (statement,) = parse_camt(camt(entry("15.00", details, version="04"), message="053", version="04"))
    assert [line.payment_info_id for line in statement.lines] == ["INNER", "OUTER"]


def test_a_single_entry_booking_carries_its_end_to_end_id_and_refs_payment_information_id():
    (statement,) = parse_camt(
        camt(entry("42.00", tx("E2E-9", "42.00", pmtinf="PMTINF-9"), version="08"), message="054", version="08")
    )
    (line,) = statement.lines
    assert (line.end_to_end_id, line.payment_info_id, line.batch_size) == ("E2E-9", "PMTINF-9", 1)


def test_notprovided_and_a_count_that_is_no_number_are_left_out():
    btch = "<Btch><PmtInfId>NOTPROVIDED</PmtInfId><NbOfTxs>x</NbOfTxs></Btch>"
    (statement,) = parse_camt(camt(entry("9.00", btch, version="02"), message="053", version="02"))
    (line,) = statement.lines
    assert (line.payment_info_id, line.batch_size) == ("", 1)


def test_several_entry_details_each_name_their_own_batch():
    details = (
        "<Btch><PmtInfId>A</PmtInfId></Btch>" + tx("E2E-A", "1.00") + "</NtryDtls><NtryDtls>"
        "<Btch><PmtInfId>B</PmtInfId></Btch>" + tx("E2E-B", "2.00")
    )
    (statement,) = parse_camt(camt(entry("3.00", details, version="02"), message="053", version="02"))
    assert [(line.end_to_end_id, line.payment_info_id) for line in statement.lines] == [("E2E-A", "A"), ("E2E-B", "B")]


def mt940(*blocks: str) -> bytes:
    body = "\n".join(blocks)
    return (
        f":20:STARTUMS\n:25:{ACCOUNT}EUR\n:28C:00001/001\n:60F:C261201EUR0,00\n{body}\n:62F:C261210EUR0,00\n-\n"
    ).encode("cp1252")


def test_a_german_sammler_names_the_batch_by_kref():
    data = mt940(
        ":61:2612021202CR300,00N192PMTINF-DD-LONG-R//B1\n"
        ":86:192?00SEPA-LS SAMMLER?100001?20KREF+PMTINF-DD-LONG-REFERE?21NCE-1SVWZ+SAMMLER 3 POSTEN"
    )
    (statement,) = parse_mt940(data)
    (line,) = statement.lines
    assert line.payment_info_id == "PMTINF-DD-LONG-REFERENCE-1"
    assert line.bank_transaction_code == "192"


def test_a_german_sammler_without_kref_names_the_batch_by_its_cut_customer_reference():
    data = mt940(":61:2612021202CR300,00N192PMTINF-DD-LONG-R//B1\n:86:192?00SEPA-LS SAMMLER?100001?20SVWZ+SAMMLER")
    (statement,) = parse_mt940(data)
    assert statement.lines[0].payment_info_id == "PMTINF-DD-LONG-R"


def test_a_single_collection_is_no_batch_even_with_a_kref():
    data = mt940(
        ":61:2612021202CR42,00N171NONREF//E1\n:86:171?00SEPA-LS?100001?20EREF+E2E-1KREF+INSTR-1MREF+M-1SVWZ+Rechnung"
    )
    (statement,) = parse_mt940(data)
    (line,) = statement.lines
    assert (line.end_to_end_id, line.payment_info_id, line.customer_reference) == ("E2E-1", "", "INSTR-1")


def test_a_dutch_batch_booking_names_the_batch_in_pref():
    data = mt940(":61:2612021202C300,00NTRFNONREF//B1\n:86:/TRTP/SEPA Incasso batch/PREF/PMTINF-NL-1/NRTX/3/")
    (statement,) = parse_mt940(data)
    assert statement.lines[0].payment_info_id == "PMTINF-NL-1"
