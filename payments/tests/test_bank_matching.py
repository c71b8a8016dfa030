"""Matching bank statement credit lines to invoices: one test per signal, the cases that must not
be applied automatically, and the decisions people take (English wording: see conftest)."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError

from customers.tests.factories import make_customer
from invoicing.tests.factories import D0, T0, invoicing_setup, line  # noqa: F401
from payments.bank.matching import (
    line_accept,
    line_assign_to_customer,
    line_candidates,
    line_ignore,
    line_match,
    name_similarity,
    statement_match,
)
from payments.models import BankLineMatch, BankStatement, BankStatementImport, BankStatementLine, Payment
from payments.services import skonto_amount_to_pay

from .factories import make_invoice, skonto_terms

pytestmark = pytest.mark.usefixtures("invoicing_setup")

IBAN_A = "DE02120300000000202051"
IBAN_B = "DE02500105170137075030"
_seq = count(1)


def make_statement() -> BankStatement:
    n = next(_seq)
    statement_import = BankStatementImport.objects.create(
        file=f"statements/{n}.xml",
        sha256=hashlib.sha256(f"test_bank_matching file {n}".encode()).hexdigest(),
        size=1,
        filename=f"{n}.xml",
        created_at=T0,
    )
    return BankStatement.objects.create(
        statement_import=statement_import,
        account_iban="DE89370400440532013000",
        statement_id=f"S{n}",
        kind="statement",
        format="camt.053.001.02",
        currency="EUR",
    )


def bank_line(*, amount: str, statement: BankStatement | None = None, **fields) -> BankStatementLine:
    n = next(_seq)
    data = {"currency": "EUR", "credit": True, "booking_date": D0, "value_date": D0, **fields}
    return BankStatementLine.objects.create(
        statement=statement or make_statement(),
        position=n,
        content_hash=hashlib.sha256(f"test_bank_matching line {n}".encode()).hexdigest(),
        amount=Decimal(amount),
        **data,
    )


def codes(candidate) -> list[str]:
    return [signal.code for signal in candidate.signals if signal.weight or signal.code != "numbers_several"]


@pytest.fixture
def customer():
    return make_customer(legal_name="Müller Maschinenbau GmbH", bank_accounts=[{"iban": IBAN_A}])


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(username="anna")


# --- signals ----------------------------------------------------------------------------------


def test_an_exact_invoice_number_and_amount_rank_first_with_high_confidence(customer):
    invoice = make_invoice(customer=customer)
    make_invoice(customer=customer, gross="238.00")
    best, *rest = line_candidates(line=bank_line(amount="119.00", remittance=f"Rechnung {invoice.number}"), as_of=T0)
    assert best.targets == [(invoice, Decimal("119.00"))]
    assert best.confidence == 95
    assert best.explanation == f"{invoice.number} found in remittance; amount equals the open amount"
    assert all(other.confidence < best.confidence for other in rest)


def _variants(number: str) -> dict[str, str]:
    prefix, year, seq = number.split("-")
    return {
        "without dashes": number.replace("-", ""),
        "with spaces": f"{prefix} {year} {seq}",
        "without prefix": f"{year}-{seq}",
        "without leading zeros": f"{prefix}-{year}-{int(seq)}",
    }


@pytest.mark.parametrize("variant", ["without dashes", "with spaces", "without prefix", "without leading zeros"])
def test_a_mangled_invoice_number_is_recognised_with_lower_confidence(variant):
    payer = make_customer()
    invoice = make_invoice(customer=payer)
    written = _variants(invoice.number)[variant]
    (best,) = line_candidates(line=bank_line(amount="119.00", remittance=f"Zahlung {written} danke"), as_of=T0)
    assert best.targets[0][0] == invoice
    assert best.confidence == 85
    assert f"{invoice.number} found as “{written}” in remittance" in best.explanation


def test_a_number_with_one_typo_is_recognised_among_the_open_invoices():
    payer = make_customer()
    invoice = make_invoice(customer=payer)
    typo = invoice.number[:-1] + ("7" if invoice.number[-1] != "7" else "8")
    (best,) = line_candidates(line=bank_line(amount="119.00", end_to_end_id=typo), as_of=T0)
    assert best.targets[0][0] == invoice
    assert best.confidence == 65
    assert f"“{typo}” in end-to-end id differs from {invoice.number} by one character" in best.explanation


def test_several_numbers_in_one_transfer_split_the_amount_by_open_amounts(customer):
    first = make_invoice(customer=customer)
    second = make_invoice(customer=customer, gross="238.00")
    text = f"{first.number} und {second.number}"
    best = line_candidates(line=bank_line(amount="357.00", remittance=text), as_of=T0)[0]
    assert best.targets == [(first, Decimal("119.00")), (second, Decimal("238.00"))]
    assert best.confidence == 95
    assert "several invoice numbers named" in best.explanation
    assert "amount equals the sum of the open amounts" in best.explanation


def test_a_known_payer_iban_points_at_the_customer(customer):
    invoice = make_invoice(customer=customer)
    spaced = " ".join(re.findall(".{1,4}", IBAN_A))
    (best,) = line_candidates(line=bank_line(amount="119.00", counterparty_iban=spaced), as_of=T0)
    assert best.targets == [(invoice, Decimal("119.00"))]
    assert codes(best) == ["amount_exact", "iban"]
    assert best.confidence == 60
    assert f"payer IBAN belongs to customer {customer.number}" in best.explanation


def test_a_similar_payer_name_points_at_the_customer(customer):
    invoice = make_invoice(customer=customer)
    assert name_similarity("MUELLER MASCHINENBAU AG", "Müller Maschinenbau GmbH") >= 0.9
    (best,) = line_candidates(line=bank_line(amount="119.00", counterparty_name="MUELLER MASCHINENBAU AG"), as_of=T0)
    assert best.targets[0][0] == invoice
    assert best.confidence == 45
    assert "payer name “MUELLER MASCHINENBAU AG” resembles Müller Maschinenbau GmbH" in best.explanation


def test_the_skonto_amount_within_the_discount_period_counts_as_a_full_match(customer):
    invoice = make_invoice(customer=customer, terms=skonto_terms())
    to_pay = skonto_amount_to_pay(invoice, D0)
    assert to_pay < invoice.open_amount
    (best,) = line_candidates(line=bank_line(amount=str(to_pay), remittance=invoice.number), as_of=T0)
    assert best.confidence == 95
    assert "amount equals the amount to pay with early payment discount" in best.explanation

    matched = line_match(line=bank_line(amount=str(to_pay), remittance=invoice.number), as_of=T0)
    invoice.refresh_from_db()
    assert matched[0].decision == "accepted" and invoice.open_amount == 0


def test_a_smaller_amount_is_a_partial_payment_for_review(customer):
    invoice = make_invoice(customer=customer)
    (best,) = line_candidates(line=bank_line(amount="50.00", remittance=invoice.number), as_of=T0)
    assert best.targets == [(invoice, Decimal("50.00"))]
    assert best.confidence == 75
    assert "amount is less than the open amount €119.00 (partial payment)" in best.explanation


def test_the_customer_number_in_the_text_points_at_the_customer():
    payer = make_customer()
    invoice = make_invoice(customer=payer)
    (best,) = line_candidates(line=bank_line(amount="119.00", remittance=f"Kd-Nr. {payer.number}"), as_of=T0)
    assert best.targets[0][0] == invoice
    assert best.confidence == 50
    assert f"customer number {payer.number} found in remittance" in best.explanation


def test_debit_lines_are_not_matched(customer):
    invoice = make_invoice(customer=customer)
    assert line_candidates(line=bank_line(amount="119.00", credit=False, remittance=invoice.number), as_of=T0) == []


# --- what must not be applied automatically ---------------------------------------------------


def test_an_amount_that_fits_two_invoices_without_a_number_is_not_applied(customer):
    make_invoice(customer=customer)
    make_invoice(customer=customer)
    bank = bank_line(amount="119.00", counterparty_iban=IBAN_A, counterparty_name="Müller Maschinenbau GmbH")
    candidates = line_candidates(line=bank, as_of=T0)
    assert len(candidates) == 2 and all(c.confidence <= 60 for c in candidates)
    assert "amount fits 2 open invoices of the customer and none is named" in candidates[0].explanation
    line_match(line=bank, as_of=T0, threshold=50)
    bank.refresh_from_db()
    assert bank.match_status == "review" and not Payment.objects.exists()


def test_a_number_of_another_customer_than_the_ibans_lowers_confidence(customer):
    other = make_customer()
    invoice = make_invoice(customer=other)
    alone = line_candidates(line=bank_line(amount="119.00", remittance=invoice.number), as_of=T0)[0]
    mixed = line_candidates(
        line=bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A), as_of=T0
    )
    named = next(c for c in mixed if c.customer == other)
    assert named.confidence == alone.confidence - 40 < 90
    assert (
        f"the invoice number belongs to customer {other.number}, the payer IBAN to customer {customer.number}"
        in named.explanation
    )
    assert all(c.confidence < 90 for c in mixed)


# --- line_match, statement_match --------------------------------------------------------------


def test_auto_apply_records_one_payment_settles_the_invoice_and_a_rerun_adds_nothing(customer):
    invoice = make_invoice(customer=customer)
    statement = make_statement()
    bank = bank_line(amount="119.00", statement=statement, remittance=invoice.number, counterparty_iban=IBAN_A)
    make_invoice(customer=customer, gross="238.00")

    assert statement_match(statement=statement, as_of=T0) == {"matched": 1, "review": 0, "lines": 1}
    payment = Payment.objects.get()
    invoice.refresh_from_db()
    bank.refresh_from_db()
    assert invoice.open_amount == 0 and invoice.settlement_state == "paid"
    assert payment.source == "bank_statement" and payment.external_id == f"line:{bank.content_hash[:40]}"
    assert payment.allocations.get().rule == "matching"
    accepted = bank.matches.get(decision="accepted")
    assert accepted.decided_by is None and accepted.payment == payment and accepted.rank == 1
    assert bank.match_status == "matched"

    line_match(line=bank, as_of=T0)
    assert statement_match(statement=statement, as_of=T0) == {"matched": 0, "review": 0, "lines": 0}
    assert Payment.objects.count() == 1 and payment.allocations.count() == 1


def test_matching_again_replaces_the_undecided_suggestions(customer):
    invoice = make_invoice(customer=customer)
    bank = bank_line(amount="50.00", remittance=invoice.number)
    line_match(line=bank, as_of=T0)
    line_match(line=bank, as_of=T0)
    assert list(bank.matches.values_list("rank", flat=True)) == [1]
    bank.refresh_from_db()
    assert bank.match_status == "review"


# --- decisions --------------------------------------------------------------------------------


def test_a_person_accepts_a_suggestion_split_over_two_invoices(customer, person):
    first = make_invoice(customer=customer)
    second = make_invoice(customer=customer, gross="238.00")
    bank = bank_line(amount="300.00", counterparty_iban=IBAN_A)
    (suggestion,) = line_match(line=bank, as_of=T0)
    assert suggestion.invoice is None and suggestion.customer == customer

    accepted = line_accept(
        match=suggestion,
        as_of=T0,
        by=person,
        amounts=[{"invoice": first, "amount": Decimal("119.00")}, {"invoice": second, "amount": Decimal("181.00")}],
    )
    assert [(row.invoice, row.amount, row.decision, row.decided_by) for row in accepted] == [
        (first, Decimal("119.00"), "accepted", person),
        (second, Decimal("181.00"), "accepted", person),
    ]
    second.refresh_from_db()
    payment = Payment.objects.get()
    assert second.open_amount == Decimal("57.00") and payment.allocated_amount == Decimal("300.00")
    assert bank.matches.get(pk=suggestion.pk).decision == "rejected"
    bank.refresh_from_db()
    assert bank.match_status == "matched"
    with pytest.raises(ValidationError, match="already decided"):
        line_ignore(line=bank, as_of=T0, by=person, reason="zu spät")


def test_a_person_assigns_a_line_to_a_customer_and_it_stays_unapplied(customer, person):
    make_invoice(customer=customer)
    bank = bank_line(amount="119.00", counterparty_name="Unbekannt")
    decision = line_assign_to_customer(line=bank, customer=customer, as_of=T0, by=person)
    payment = Payment.objects.get()
    assert payment.customer == customer and payment.unapplied_amount == Decimal("119.00")
    assert decision.decision == "accepted" and decision.decided_by == person and decision.payment == payment
    assert decision.explanation_text == f"assigned to customer {customer.number} by hand; left unapplied"


def test_ignoring_a_line_needs_a_reason_and_is_recorded(person):
    bank = bank_line(amount="10.00", counterparty_name="Finanzamt")
    with pytest.raises(ValidationError, match="Say why"):
        line_ignore(line=bank, as_of=T0, by=person, reason="  ")
    decision = line_ignore(line=bank, as_of=T0, by=person, reason="tax refund")
    bank.refresh_from_db()
    assert bank.match_status == "ignored"
    assert (decision.decision, decision.decided_by, decision.explanation_text) == (
        "rejected",
        person,
        "ignored: tax refund",
    )
    assert BankLineMatch.objects.filter(line=bank).count() == 1
