"""Invoice numbers written with look-alike characters (O for 0, I or l for 1, S for 5, B for 8, Z
for 2, either way) are found like a one-character typo, with an explanation of their own; two
real numbers that differ only in such a character are never confused with each other."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoicing.tests.factories import T0
from payments.bank.matching import WEIGHTS, line_candidates
from payments.bank.matching.text import lookalike_fold, lookalike_pairs
from payments.models import BankStatementLine

from .test_bank_matching_oracle import described, in_memory, oracle_candidates

CUSTOMERS = [(1, "10001", "Anna Becker"), (2, "10002", "Nord Software")]


def ledger(*numbers: tuple[int, str, int], amount: str = "119.00"):
    """(pk, number, customer pk) each open for ``amount``."""
    rows = [
        (pk, number, customer, "EUR", "invoice", Decimal(amount), Decimal(amount), Decimal("0"), [],
         date(2026, 2, 1), date(2026, 1, 1))
        for pk, number, customer in numbers
    ]  # fmt: skip
    return in_memory((CUSTOMERS, rows, []))


def credit(remittance: str, amount: str = "119.00") -> BankStatementLine:
    return BankStatementLine(
        amount=Decimal(amount), currency="EUR", credit=True, booking_date=date(2026, 2, 20), remittance=remittance
    )


def ranked(items, invoices, accounts, line):
    got = line_candidates(line=line, as_of=T0, items=items)
    assert described(got) == described(oracle_candidates(line, T0, invoices, accounts))
    return got


def test_a_letter_o_for_a_zero_with_the_exact_amount_is_suggested_with_its_own_explanation():
    items, invoices, accounts = ledger((35, "RE-2026-000035", 1))

    (candidate,) = ranked(items, invoices, accounts, credit("Rechnung RE-2O26-000035"))

    assert [invoice.pk for invoice, _amount in candidate.targets] == [35]
    assert [s.code for s in candidate.signals] == ["number_lookalike", "amount_exact"]
    assert candidate.confidence == WEIGHTS["number_lookalike"] + WEIGHTS["amount_exact"] == 75
    assert candidate.signals[0].detail == (
        "RE-2026-000035 found as “RE-2O26-000035” in remittance: invoice number with a look-alike character (O for 0)"
    )


def test_a_digit_for_a_letter_of_the_number_is_found_too():
    items, invoices, accounts = ledger((12, "SO-2026-B00012", 1))

    (candidate,) = ranked(items, invoices, accounts, credit("Zahlung 2026-800012 danke"))

    assert candidate.signals[0].code == "number_lookalike"
    assert candidate.signals[0].detail.endswith("(8 for B)")


def test_two_real_numbers_that_differ_in_a_look_alike_character_are_not_confused():
    # The same customer: a look-alike must not turn into a split over both invoices.
    items, invoices, accounts = ledger((1, "RE-2026-B00035", 1), (2, "RE-2026-800035", 1), (3, "RE-2026-O00077", 2))
    for written, meant in (("RE-2026-800035", 2), ("RE-2026-B00035", 1), ("re-2026-b00035", 1)):
        (candidate,) = ranked(items, invoices, accounts, credit(f"Rechnung {written}"))
        assert [invoice.pk for invoice, _amount in candidate.targets] == [meant]
        assert candidate.signals[0].code in ("number_exact", "number_mangled")
    # Another customer's number that differs in a look-alike only: the number written ranks first.
    items, invoices, accounts = ledger((3, "RE-2026-O00077", 2), (4, "RE-2026-000077", 1))
    first, *rest = ranked(items, invoices, accounts, credit("RE-2026-000077"))
    assert [invoice.pk for invoice, _amount in first.targets] == [4]
    assert all(c.confidence < first.confidence for c in rest)
    # Neither written as it is and both read into the same place: which one is meant cannot be told.
    items, invoices, accounts = ledger((1, "RE-2026-B00035", 1), (2, "RE-2026-800035", 1))
    assert not any(
        s.code == "number_lookalike"
        for c in ranked(items, invoices, accounts, credit("RE-2026-BO0035"))
        for s in c.signals
    )


def test_words_and_short_numbers_are_not_read_as_digits():
    assert lookalike_fold("SO Oslo Bilanz 2O26 lO-Z") == "SO Oslo Bilanz 2026 lO-Z"
    items, invoices, accounts = ledger((5, "RE-5", 1))
    assert ranked(items, invoices, accounts, credit("RE-S", amount="1.00")) == []


SWAPS = {"0": "Oo", "1": "Il", "5": "Ss", "8": "B", "2": "Zz"}


@given(
    seq=st.integers(1, 999_999),
    year=st.sampled_from([2025, 2026]),
    data=st.data(),
    prefix=st.sampled_from(["RE-", "", "re "]),
)
def test_any_number_with_look_alike_letters_for_its_digits_names_its_invoice(seq, year, data, prefix):
    number = f"RE-{year}-{seq:06d}"
    places = [i for i, char in enumerate(number) if char in SWAPS and i >= 3]
    chosen = data.draw(st.sets(st.sampled_from(places), min_size=1, max_size=3))
    written = list(number)
    for i in chosen:
        written[i] = data.draw(st.sampled_from(SWAPS[number[i]]))
    written = prefix + "".join(written)[3:]
    items, invoices, accounts = ledger((7, number, 1), (8, f"RE-{year}-{(seq + 1) % 10**6:06d}", 2))

    first, *_rest = ranked(items, invoices, accounts, credit(f"Zahlung {written}"))

    assert [invoice.pk for invoice, _amount in first.targets] == [7]
    assert first.signals[0].code == "number_lookalike"
    pairs = lookalike_pairs(written, number)
    assert pairs and all(meant in SWAPS and seen in SWAPS[meant] for seen, meant in pairs)
