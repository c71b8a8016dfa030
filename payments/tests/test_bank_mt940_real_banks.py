"""MT940 as real banks send it (issue 13): what ?34 means per business transaction code (GVC),
header lines before the first :20:, :61: continued over several lines, Dutch structured :86:.
Files are built here; IBANs are made up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from payments.bank import gvc
from payments.bank.debits.codes import line_kind
from payments.bank.mt940 import parse_mt940
from payments.bank.parse import detect_format, parse_statement_file
from payments.models import BankStatementLine

OURS = IBAN.generate("DE", bank_code="10020030", account_code="1234567890").compact
CUSTOMER = IBAN.generate("DE", bank_code="50010517", account_code="0648489890").compact
DUTCH = IBAN.generate("NL", bank_code="ABNA", account_code="0417164300").compact
COUNTERPARTY = IBAN.generate("NL", bank_code="RABO", account_code="0123456789").compact
Kind = BankStatementLine.Kind


def statement(line61: str, line86: str = "", *, head: str = "", amount: str = "100,00", mark: str = "C") -> bytes:
    closing = Decimal("500.00") + (1 if mark in ("C", "RD") else -1) * Decimal(amount.replace(",", "."))
    closing_mark = "C" if closing >= 0 else "D"
    text = (
        f"{head}:20:STARTUMSE\r\n:25:{OURS}\r\n:28C:00000\r\n:60F:C260301EUR500,00\r\n"
        f"{line61}\r\n{(':86:' + line86 + chr(13) + chr(10)) if line86 else ''}"
        f":62F:{closing_mark}260302EUR{str(abs(closing)).replace('.', ',')}\r\n-\r\n"
    )
    return text.encode("cp1252")


def german_line(gvc_code: str, mark: str, subfields: str, amount: str = "100,00"):
    data = statement(f":61:2603020302{mark}{amount}NTRFNONREF//BANK-1", f"{gvc_code}{subfields}", mark=mark)
    (parsed,) = parse_mt940(data)
    assert parsed.balance_difference() == 0
    return parsed.lines[0]


def kind_of(parsed) -> str:
    return line_kind(
        BankStatementLine(
            amount=parsed.amount,
            credit=parsed.credit,
            reversal=parsed.reversal,
            bank_transaction_code=parsed.bank_transaction_code,
            return_reason=parsed.return_reason,
            charges=parsed.charges,
        )
    )


# -- 4. ?34 is a return reason only on returns ------------------------------------------------------


def test_an_ordinary_sepa_credit_with_a_text_key_supplement_is_a_payment_not_a_return():
    line = german_line(
        "152",
        "C",
        f"?00DAUERAUFTRAG?20EREF+RE-2026-000035?21SVWZ+RE-2026-000035?31{CUSTOMER}?32Kunde GmbH?34000",
    )

    assert line.return_reason == ""
    assert kind_of(line) == Kind.PAYMENT
    assert (line.counterparty_iban, line.end_to_end_id) == (CUSTOMER, "RE-2026-000035")


def test_an_iso_code_that_is_just_a_word_of_a_credits_purpose_is_no_return_reason():
    line = german_line("166", "C", "?00GUTSCHRIFT?20SVWZ+TECH Support Rechnung?21RE-2026-000035?34997")

    assert line.return_reason == ""
    assert kind_of(line) == Kind.PAYMENT


# One representative per family of business transaction codes (DFÜ-Abkommen Anlage 3): the mark of
# the :61: line, whether ?34 is the return reason, and the kind the line is classified as.
FAMILIES = [
    ("166", "C", gvc.TRANSFER, "", Kind.PAYMENT),  # SEPA credit transfer received
    ("152", "C", gvc.TRANSFER, "", Kind.PAYMENT),  # SEPA standing order received
    ("116", "D", gvc.TRANSFER, "", Kind.OUTGOING),  # SEPA credit transfer sent
    ("171", "C", gvc.DIRECT_DEBIT, "", Kind.PAYMENT),  # our SEPA core collection credited
    ("105", "D", gvc.DIRECT_DEBIT, "", Kind.OUTGOING),  # a supplier's SEPA core direct debit
    ("109", "D", gvc.RETURN, "901", Kind.RETURN),  # our collection returned (Rücklastschrift)
    ("184", "D", gvc.RETURN, "901", Kind.RETURN),  # our B2B collection returned
    ("159", "C", gvc.RETURN, "901", Kind.RETURN),  # our transfer returned (Retoure)
    ("805", "D", gvc.CHARGE, "", Kind.CHARGE),  # account closing, fees
    ("106", "D", gvc.CARD, "", Kind.OUTGOING),  # card payment
    ("070", "C", gvc.CHEQUE, "", Kind.PAYMENT),  # cheque paid in
    ("083", "D", gvc.CASH, "", Kind.OUTGOING),  # cash withdrawal
    ("079", "C", gvc.OTHER, "", Kind.PAYMENT),  # a Sammler without details
]


@pytest.mark.parametrize(("code", "mark", "family", "reason", "kind"), FAMILIES)
def test_each_family_of_business_transaction_codes_reads_34_as_its_specification_says(code, mark, family, reason, kind):
    line = german_line(code, mark, "?00TEXT?20Verwendungszweck?32Name?34901")

    assert gvc.family(code) == family
    assert line.return_reason == reason
    assert line.bank_transaction_code == code
    assert kind_of(line) == kind


def test_a_reversal_is_told_by_the_61_mark_and_keeps_a_reason_written_as_text():
    data = statement(
        ":61:2603020302RD59,50NRTINONREF//BANK-1", "Terugboeking incasso reden MD06", amount="59,50", mark="RD"
    )
    line = parse_mt940(data)[0].lines[0]

    assert (line.credit, line.reversal, line.return_reason) == (True, True, "MD06")


def test_a_reason_code_in_the_free_text_of_an_ordinary_credit_is_no_return_reason():
    line = parse_mt940(statement(":61:2603020302C100,00NTRFNONREF", "Invoice 35 CUST 1002 thank you"))[0].lines[0]

    assert line.return_reason == ""


# -- 5. detection by tag structure -----------------------------------------------------------------

BODY = statement(":61:2603020302C100,00NTRFNONREF//BANK-1", "166?00GUTSCHRIFT?20SVWZ+RE-2026-000035")


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"STATEMENT-FILE-20260302-X\r\n",  # a 24-character first line before :20:
        b"A header line far longer than twenty characters, 940 export of 2 March 2026\r\n",
        b"\r\n\r\n",  # leading blank lines
        b"-\r\n",  # a separator first
        b"{1:F01COBADEFFAXXX0000000000}{2:O9400000260302COBADEFFXXXX00000000002603020000N}{4:\r\n",
        b"\xef\xbb\xbfABNANL2A\r\n940\r\nABNANL2A\r\n",
        b"\r\n".join([b"header"] * 12) + b"\r\n",  # more header lines than a short allowance
    ],
)
def test_mt940_is_detected_and_parsed_whatever_comes_before_the_first_20(head):
    data = head + BODY

    assert detect_format(data) == "mt940"
    (parsed,) = parse_statement_file(data, filename="export.sta")
    assert parsed.lines[0].amount == Decimal("100.00")


header_lines = st.lists(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -./{}_", max_size=90), max_size=12
).map(lambda lines: "".join(f"{line}\r\n" for line in lines).encode("ascii"))


@given(head=header_lines, newline=st.sampled_from([b"\r\n", b"\n"]))
def test_any_header_before_the_first_20_is_skipped(head, newline):
    data = (head + BODY).replace(b"\r\n", newline)

    assert detect_format(data) == "mt940"
    (parsed,) = parse_statement_file(data)
    assert parsed.lines[0].amount == Decimal("100.00")


def test_mt940_with_envelope_and_tag_on_one_line_and_separators_between_statements():
    data = b"{1:F01X}{2:O940X}{4::20:STARTUMSE" + BODY[len(b":20:STARTUMSE") :] + b"-\r\n" + BODY

    assert detect_format(data) == "mt940"
    assert len(parse_statement_file(data)) == 2


def test_a_text_that_mentions_20_is_not_mt940():
    assert detect_format(b"Dear bank,\nplease see :20: below\n") == ""


# -- 6. :61: continued on further lines, Dutch :86: -------------------------------------------------


def test_a_dutch_61_with_the_reference_and_the_counterparty_on_the_next_lines_is_read():
    line61 = f":61:2603020302C100,00NTRFEREF\r\n//00000000001\r\n{COUNTERPARTY} J. DE VRIES"
    line = parse_mt940(statement(line61, "/REMI/Factuur RE-2026-000035"))[0].lines[0]

    assert line.account_servicer_reference == "00000000001"
    assert (line.counterparty_iban, line.counterparty_name) == (COUNTERPARTY, "J. DE VRIES")
    assert line.remittance == "Factuur RE-2026-000035"


def test_supplementary_details_over_two_lines_give_the_counterparty_account_and_name():
    line61 = f":61:2603020302C100,00NTRFEREF//00000000001\r\n{COUNTERPARTY}\r\nJ. DE VRIES"
    line = parse_mt940(statement(line61))[0].lines[0]

    assert (line.counterparty_iban, line.counterparty_name) == (COUNTERPARTY, "J. DE VRIES")


def test_supplementary_details_that_are_no_account_are_kept_as_information():
    line = parse_mt940(statement(":61:2603020302C100,00NTRFEREF//00000000001\r\n/TRCD/00100/"))[0].lines[0]

    assert line.counterparty_iban == ""
    assert "/TRCD/00100/" in line.additional_info


def test_the_dutch_structured_86_names_counterparty_remittance_and_reference():
    details = (
        f"/EREF/RE-2026-000035//CNTP/{COUNTERPARTY}/RABONL2U/J. de Vries/AMSTERDAM//REMI/USTD//Factuur RE-2026-000035/"
    )
    line = parse_mt940(statement(":61:2603020302C100,00NTRFNONREF", details))[0].lines[0]

    assert (line.counterparty_iban, line.counterparty_bic, line.counterparty_name) == (
        COUNTERPARTY,
        "RABONL2U",
        "J. de Vries",
    )
    assert line.remittance == "Factuur RE-2026-000035"
    assert line.end_to_end_id == "RE-2026-000035"


def test_a_structured_creditor_reference_in_the_dutch_86_is_kept_as_such():
    details = f"/CNTP/{COUNTERPARTY}/RABONL2U/J. de Vries/AMSTERDAM//REMI/STRD/CUR/RF18539007547034/"
    line = parse_mt940(statement(":61:2603020302C100,00NTRFNONREF", details))[0].lines[0]

    assert line.structured_reference == "RF18539007547034"
    assert line.remittance == ""
