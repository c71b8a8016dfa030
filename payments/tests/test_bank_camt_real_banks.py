"""CAMT as real banks send it (issue 13): every xs:date / xs:dateTime form, which party is us,
the bank's own references and the creditor identifier. Files are built here; IBANs are made up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from payments.bank.camt import parse_camt
from payments.bank.types import StatementFormatError

OURS = IBAN.generate("DE", bank_code="10020030", account_code="1234567890").compact
CUSTOMER = IBAN.generate("DE", bank_code="50010517", account_code="0648489890").compact
SUPPLIER = IBAN.generate("DE", bank_code="20041133", account_code="0987654321").compact
OUR_CI = "DE98ZZZ09999999999"
SUPPLIER_CI = "DE12ZZZ00000012345"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def document(*entries: str, account: str = f"<IBAN>{OURS}</IBAN>", head: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr><MsgId>T</MsgId><CreDtTm>2026-03-03T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-1</Id>{head}<Acct><Id>{account}</Id><Ccy>EUR</Ccy></Acct>
{"".join(entries)}</Stmt></BkToCstmrStmt></Document>""".encode()


def entry(
    *txs: str,
    indicator: str = "CRDT",
    amount: str = "100.00",
    reversal: bool = False,
    code: str = "PMNT/RCDT/ESCT",
    booked: str = "<Dt>2026-03-02</Dt>",
    value: str = "<Dt>2026-03-02</Dt>",
    reference: str = "",
) -> str:
    domain, family, sub = code.split("/")
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>
{"<RvslInd>true</RvslInd>" if reversal else ""}<Sts>BOOK</Sts>
<BookgDt>{booked}</BookgDt><ValDt>{value}</ValDt>{f"<AcctSvcrRef>{reference}</AcctSvcrRef>" if reference else ""}
<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>
{f"<NtryDtls>{''.join(txs)}</NtryDtls>" if txs else ""}</Ntry>"""


def party(role: str, name: str, iban: str = "", creditor_id: str = "") -> str:
    identification = (
        f"<Id><PrvtId><Othr><Id>{creditor_id}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id>"
        if creditor_id
        else ""
    )
    account = f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>" if iban else ""
    return f"<{role}><Nm>{name}</Nm>{identification}</{role}>{account}"


def tx(*parties: str, amount: str = "", refs: str = "", returned: str = "") -> str:
    amounts = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    reason = f"<RtrInf><Rsn><Cd>{returned}</Cd></Rsn></RtrInf>" if returned else ""
    return f"<TxDtls><Refs>{refs}</Refs>{amounts}<RltdPties>{''.join(parties)}</RltdPties>{reason}</TxDtls>"


def only_line(data: bytes):
    (statement,) = parse_camt(data)
    (line,) = statement.lines
    return line


# -- 1. dates in every lexical form XML Schema allows ----------------------------------------------


@pytest.mark.parametrize("offset", ["+02:00", "-05:00", "Z", "+14:00", "-14:00", ""])
def test_a_booking_date_with_any_time_zone_keeps_its_calendar_date(offset):
    line = only_line(document(entry(booked=f"<Dt>2017-04-01{offset}</Dt>", value=f"<Dt> 2017-04-03{offset}\n</Dt>")))

    assert (line.booking_date, line.value_date) == (date(2017, 4, 1), date(2017, 4, 3))


def test_a_date_time_with_an_offset_becomes_an_aware_datetime_with_that_offset():
    head = (
        "<CreDtTm>2017-04-01T23:30:00.123456789-05:00</CreDtTm>"
        "<FrToDt><FrDtTm>2017-04-01T00:00:00Z</FrDtTm><ToDtTm>2017-04-01T24:00:00+02:00</ToDtTm></FrToDt>"
    )
    (statement,) = parse_camt(document(entry(booked="<DtTm>2017-04-01T23:30:00-05:00</DtTm>"), head=head))

    assert statement.created_at == datetime(2017, 4, 1, 23, 30, 0, 123456, tzinfo=timezone(-timedelta(hours=5)))
    assert statement.created_at.astimezone(UTC) == datetime(2017, 4, 2, 4, 30, 0, 123456, tzinfo=UTC)
    assert statement.from_date == date(2017, 4, 1)
    assert statement.to_date == date(2017, 4, 2)  # 24:00:00 is the first instant of the next day
    assert statement.lines[0].booking_date == date(2017, 4, 1)  # the bank's day, not converted to ours


def test_a_date_time_without_an_offset_is_read_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    (statement,) = parse_camt(document(entry(), head="<CreDtTm>2017-07-01T08:00:00</CreDtTm>"))

    assert statement.created_at == datetime(2017, 7, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert statement.created_at.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("booked", "location"),
    [
        ("<Dt>2017-02-30</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>2017-04-01+15:00</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>2017-04-01+02</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>17-04-01</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>02017-04-01</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>2017-04-01T10:00:00</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
        ("<Dt>2017-0\u0664-01</Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),  # an Arabic-Indic digit
        ("<DtTm>2017-04-01T24:00:01</DtTm>", "Stmt[1]/Ntry[1]/BookgDt/DtTm"),
        ("<DtTm>2017-04-01T10:00</DtTm>", "Stmt[1]/Ntry[1]/BookgDt/DtTm"),
        ("<DtTm>2017-04-01 10:00:00</DtTm>", "Stmt[1]/Ntry[1]/BookgDt/DtTm"),
        ("<Dt></Dt>", "Stmt[1]/Ntry[1]/BookgDt/Dt"),
    ],
)
def test_a_date_that_xml_schema_forbids_is_refused_naming_the_element(booked, location):
    with pytest.raises(StatementFormatError) as error:
        parse_camt(document(entry(booked=booked)))

    assert error.value.location == location


offsets = st.one_of(
    st.just(""),
    st.just("Z"),
    st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 13),
        st.integers(0, 59),
    ),
    st.sampled_from(["+14:00", "-14:00"]),
)
blanks = st.text(alphabet=" \t\r\n", max_size=3)


@given(
    day=st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 30)),
    offset=offsets,
    before=blanks,
    after=blanks,
)
def test_every_lexical_form_of_an_xs_date_gives_its_calendar_date(day, offset, before, after):
    line = only_line(document(entry(booked=f"<Dt>{before}{day.isoformat()}{offset}{after}</Dt>")))

    assert line.booking_date == day


@given(
    moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)),  # noqa: DTZ001 (naive bounds: hypothesis adds the zone)
    fraction=st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=12).map(lambda f: "." + f)),
    offset=offsets,
    before=blanks,
    after=blanks,
)
def test_every_lexical_form_of_an_xs_datetime_gives_an_aware_moment(moment, fraction, offset, before, after):
    written = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + fraction + offset
    (statement,) = parse_camt(
        document(entry(booked=f"<DtTm>{before}{written}{after}</DtTm>"), head=f"<CreDtTm>{written}</CreDtTm>")
    )

    created = statement.created_at
    assert created.tzinfo is not None and created.utcoffset() is not None
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    assert created.replace(tzinfo=None) == moment.replace(microsecond=micro)
    if offset:
        assert created.utcoffset() == (
            timedelta(0)
            if offset == "Z"
            else (-1 if offset[0] == "-" else 1) * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        )
    assert statement.lines[0].booking_date == moment.date()


# -- 2. which party is us ---------------------------------------------------------------------------


def test_a_credit_transfer_in_names_the_payer():
    line = only_line(document(entry(tx(party("Dbtr", "Kunde GmbH", CUSTOMER), party("Cdtr", "Wir GmbH", OURS)))))
    assert (line.counterparty_name, line.counterparty_iban) == ("Kunde GmbH", CUSTOMER)


def test_a_credit_transfer_out_names_the_payee():
    line = only_line(
        document(entry(tx(party("Dbtr", "Wir GmbH", OURS), party("Cdtr", "Lieferant AG", SUPPLIER)), indicator="DBIT"))
    )
    assert (line.counterparty_name, line.counterparty_iban) == ("Lieferant AG", SUPPLIER)


def test_our_direct_debit_collection_names_the_customer():
    line = only_line(
        document(
            entry(
                tx(party("Dbtr", "Kunde GmbH", CUSTOMER), party("Cdtr", "Wir GmbH", creditor_id=OUR_CI)),
                code="PMNT/IDDT/ESDD",
            )
        )
    )
    assert (line.counterparty_name, line.counterparty_iban, line.creditor_id) == ("Kunde GmbH", CUSTOMER, OUR_CI)


@pytest.mark.parametrize(
    ("reversal", "reason", "code"),
    [
        (True, "", "PMNT/IDDT/UPDD"),  # RvslInd only
        (False, "MD06", "PMNT/IDDT/UPDD"),  # RtrInf without RvslInd, as German banks book a return
        (True, "AM04", "PMNT/IDDT/ESDD"),
        (False, "AC04", "PMNT/IDDT/ESDD"),
    ],
)
def test_a_returned_direct_debit_of_ours_names_the_customer_not_us(reversal, reason, code):
    # Our creditor side carries only a name and our creditor id, no account: the bank left it out.
    line = only_line(
        document(
            entry(
                tx(
                    party("Cdtr", "Wir GmbH", creditor_id=OUR_CI),
                    party("Dbtr", "Kunde GmbH", CUSTOMER),
                    returned=reason,
                ),
                indicator="DBIT",
                reversal=reversal,
                code=code,
            )
        )
    )
    assert (line.counterparty_name, line.counterparty_iban) == ("Kunde GmbH", CUSTOMER)
    assert line.credit is False and line.creditor_id == OUR_CI


def test_a_returned_collection_is_ours_by_the_creditor_id_the_statement_shows_on_our_collections():
    # The bank books the return under a proprietary code: no RvslInd, no RtrInf, no ISO return code.
    collection = entry(
        tx(party("Dbtr", "Andere KG", SUPPLIER), party("Cdtr", "Wir GmbH", creditor_id=OUR_CI)),
        code="PMNT/IDDT/ESDD",
    )
    returned = entry(
        tx(party("Cdtr", "Wir GmbH", creditor_id=OUR_CI), party("Dbtr", "Kunde GmbH", CUSTOMER)),
        indicator="DBIT",
        code="PMNT/IDDT/OTHR",
    )
    (statement,) = parse_camt(document(collection, returned))

    assert statement.lines[1].counterparty_name == "Kunde GmbH"
    assert statement.lines[1].counterparty_iban == CUSTOMER


def test_a_direct_debit_a_supplier_collects_from_us_names_the_supplier_and_its_return_too():
    debit = tx(party("Cdtr", "Lieferant AG", SUPPLIER, SUPPLIER_CI), party("Dbtr", "Wir GmbH", OURS))
    collected = only_line(document(entry(debit, indicator="DBIT", code="PMNT/IDDT/ESDD")))
    refunded = only_line(document(entry(debit, indicator="CRDT", reversal=True, code="PMNT/IDDT/UPDD")))

    assert collected.counterparty_name == refunded.counterparty_name == "Lieferant AG"
    assert collected.counterparty_iban == refunded.counterparty_iban == SUPPLIER


def test_our_account_written_as_a_national_number_is_still_recognised_as_ours():
    line = only_line(
        document(
            entry(
                tx(party("Dbtr", "Wir GmbH", OURS), party("Cdtr", "Kunde GmbH", CUSTOMER), returned="AC04"),
                indicator="CRDT",
                reversal=True,
                code="PMNT/ICDT/RRTN",
            ),
            account="<Othr><Id>1234567890</Id></Othr>",
        )
    )
    assert (line.counterparty_name, line.counterparty_iban) == ("Kunde GmbH", CUSTOMER)


def test_each_line_of_a_batch_names_its_own_counterparty():
    batch = entry(
        tx(party("Dbtr", "Kunde GmbH", CUSTOMER), party("Cdtr", "Wir GmbH", OURS), amount="60.00", returned="MD06"),
        tx(party("Dbtr", "Andere KG", SUPPLIER), party("Cdtr", "Wir GmbH", creditor_id=OUR_CI), amount="40.00"),
        indicator="DBIT",
        reversal=True,
        code="PMNT/IDDT/UPDD",
    )
    (statement,) = parse_camt(document(batch))

    assert [(line.counterparty_name, line.counterparty_iban) for line in statement.lines] == [
        ("Kunde GmbH", CUSTOMER),
        ("Andere KG", SUPPLIER),
    ]


# -- 3. the bank's references and the creditor identifier -----------------------------------------


def test_the_banks_proprietary_reference_is_kept_when_there_is_no_account_servicer_reference():
    refs = "<EndToEndId>E2E-1</EndToEndId><Prtry><Tp>BANK</Tp><Ref>PRTRY-4711</Ref></Prtry>"
    line = only_line(document(entry(tx(party("Dbtr", "Kunde GmbH", CUSTOMER), refs=refs))))

    assert line.account_servicer_reference == "PRTRY-4711"


def test_the_transactions_own_reference_wins_over_the_entrys():
    refs = "<AcctSvcrRef>TX-REF-1</AcctSvcrRef><Prtry><Tp>BANK</Tp><Ref>PRTRY-4711</Ref></Prtry>"
    with_tx = only_line(document(entry(tx(party("Dbtr", "K", CUSTOMER), refs=refs), reference="ENTRY-REF")))
    entry_only = only_line(document(entry(tx(party("Dbtr", "K", CUSTOMER)), reference="ENTRY-REF")))
    without_details = only_line(document(entry(reference="ENTRY-REF")))

    assert with_tx.account_servicer_reference == "TX-REF-1"
    assert entry_only.account_servicer_reference == without_details.account_servicer_reference == "ENTRY-REF"


@pytest.mark.parametrize(
    "creditor",
    [
        f"<Cdtr><Nm>Wir</Nm><Id><PrvtId><Othr><Id>{OUR_CI}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></Cdtr>",
        f"<Cdtr><Nm>Wir</Nm></Cdtr><UltmtCdtr><Nm>Wir</Nm><Id><PrvtId><Othr><Id>{OUR_CI}</Id>"
        "<SchmeNm><Cd>SEPA</Cd></SchmeNm></Othr></PrvtId></Id></UltmtCdtr>",
        f"<CdtrSchmeId><Id><PrvtId><Othr><Id>{OUR_CI}</Id></Othr></PrvtId></Id></CdtrSchmeId>",
    ],
)
def test_the_creditor_identifier_is_read_wherever_the_bank_puts_it(creditor):
    line = only_line(document(entry(tx(party("Dbtr", "Kunde GmbH", CUSTOMER), creditor), code="PMNT/IDDT/ESDD")))

    assert line.creditor_id == OUR_CI
