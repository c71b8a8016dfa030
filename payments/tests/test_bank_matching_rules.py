"""Matching rules beyond the single signals: how loosely an invoice number may be written, credits
the bank marks as reversals, direct-debit collections, what a statement run sees after a line
was applied, and which decisions close a line's follow-up task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import BankAccount
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.bank.followup import UNMATCHED_LINE_TASK_KIND, unmatched_line_tasks_open
from payments.bank.matching import (
    KEPT,
    OpenItems,
    line_assign_to_customer,
    line_candidates,
    line_match,
    statement_match,
)
from payments.bank.matching.text import number_pattern
from payments.models import BankLineMatch, Payment
from tasks.models import FollowUpTask

from .factories import make_invoice
from .test_bank_matching import IBAN_A, bank_line, codes, make_statement

pytestmark = pytest.mark.usefixtures("invoicing_setup")


# --- how an invoice number may be written -----------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "RE-2026-000123",
        "re-2026-000123",
        "RE2026000123",
        "RE 2026 000123",
        "2026-000123",
        "2026 000123",
        "2026000123",
        "2026/000123",
        "RE-2026-123",
        "2026-123",
        "2026/123",
        "2026.123",
        "2026-0123",
        "Rechnung 2026-123, danke",
    ],
)
def test_a_number_with_its_full_last_group_or_a_joined_short_one_is_found(written):
    assert number_pattern("RE-2026-000123").search(written)


@pytest.mark.parametrize(
    "written",
    [
        "2026 123",
        "2026123",
        "RE 2026 123",
        "RE2026123",
        "2026 - 123",
        "12026-000123",
        "2026-0001234",
        "RE-2026-000124",
        "X2026-000123",
    ],
)
def test_a_short_last_group_needs_a_dash_slash_or_dot(written):
    assert not number_pattern("RE-2026-000123").search(written)


@pytest.mark.parametrize("text", ["Zahlung 2026 1", "Jahresbeitrag 2026 1 Stück", "20261", "Januar 2026, Pos. 1"])
def test_the_year_and_a_small_number_no_longer_name_an_invoice(text):
    assert not number_pattern("RE-2026-000001").search(text)
    assert number_pattern("RE-2026-000001").search("Zahlung 2026-1")


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("RE000123", True),
        ("RE 000123", True),
        ("000123", True),
        ("RE-123", True),
        ("RE/0123", True),
        ("123", False),
        ("RE 123", False),
        ("RE123", False),
    ],
)
def test_a_number_of_one_group_follows_the_same_rule_after_its_prefix(written, found):
    assert bool(number_pattern("RE000123").search(f"Zahlung {written}")) is found


def test_a_year_and_the_sequence_with_a_space_do_not_name_the_invoice():
    invoice = make_invoice(customer=make_customer())
    _prefix, year, sequence = invoice.number.split("-")
    assert line_candidates(line=bank_line(amount="1.00", remittance=f"Beitrag {year} {int(sequence)}"), as_of=T0) == []
    (best,) = line_candidates(line=bank_line(amount="1.00", remittance=f"Beitrag {year}-{int(sequence)}"), as_of=T0)
    assert best.targets[0][0] == invoice and codes(best)[0] == "number_mangled"


# --- reversals --------------------------------------------------------------------------------


def test_a_credit_marked_as_reversal_is_ranked_but_never_applied_automatically(customer):
    invoice = make_invoice(customer=customer)
    bank = bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A, reversal=True)

    (best,) = line_candidates(line=bank, as_of=T0)
    assert best.targets == [(invoice, Decimal("119.00"))] and best.confidence == 100
    assert codes(best)[-1] == "reversal"
    assert best.explanation.endswith(
        "the bank marks this credit as the reversal of an earlier debit (for example a refund that came back): "
        "check before applying"
    )

    (suggestion,) = line_match(line=bank, as_of=T0)
    bank.refresh_from_db()
    assert bank.match_status == "review" and suggestion.decision == "" and not Payment.objects.exists()
    assert suggestion.signals[-1]["code"] == "reversal"


def test_a_credit_with_a_return_reason_is_our_money_coming_back_and_never_applied_automatically(customer):
    invoice = make_invoice(customer=customer)
    bank = bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A, return_reason="AC04")

    (suggestion,) = line_match(line=bank, as_of=T0)

    bank.refresh_from_db()
    assert bank.match_status == "review" and suggestion.decision == "" and not Payment.objects.exists()
    assert suggestion.signals[-1]["code"] == "reversal" and "reason AC04" in suggestion.explanation_text


def test_an_intraday_line_confirmed_by_the_statement_is_neither_matched_nor_decided(customer):
    invoice = make_invoice(customer=customer)
    successor = bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A)
    earlier = bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A)
    earlier.superseded_by = successor
    earlier.save(update_fields=["superseded_by"])

    assert line_match(line=earlier, as_of=T0) == []
    earlier.refresh_from_db()
    assert earlier.match_status == "new" and not Payment.objects.exists()
    with pytest.raises(ValidationError, match="confirmed by a line of the end-of-day statement"):
        line_assign_to_customer(line=earlier, customer=customer, as_of=T0, by=None)


def test_a_debit_line_cannot_be_accepted_as_a_payment(customer):
    from payments.bank.matching import line_accept

    invoice = make_invoice(customer=customer)
    debit = bank_line(amount="119.00", remittance=invoice.number, credit=False)
    suggestion = BankLineMatch.objects.create(
        line=debit, invoice=invoice, customer=customer, amount=Decimal("119.00"), confidence=90, rank=1, created_at=T0
    )

    with pytest.raises(ValidationError, match="Only credit lines"):
        line_accept(match=suggestion, as_of=T0, by=None)
    assert not Payment.objects.exists()


# --- channel ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"mandate_id": "MANDATE-0042"}, "direct_debit"),
        ({"bank_transaction_code": "PMNT/IDDT/ESDD"}, "direct_debit"),
        ({"bank_transaction_code": "PMNT/IDDT/BBDD"}, "direct_debit"),
        ({"bank_transaction_code": "171"}, "direct_debit"),
        ({"bank_transaction_code": "105"}, "direct_debit"),
        ({"bank_transaction_code": "NDDT+174"}, "direct_debit"),
        ({"bank_transaction_code": "NDDT"}, "direct_debit"),
        ({"bank_transaction_code": "PMNT/RCDT/ESCT"}, "bank_transfer"),
        ({"bank_transaction_code": "166"}, "bank_transfer"),
        ({"bank_transaction_code": "NTRF+166"}, "bank_transfer"),
        ({}, "bank_transfer"),
    ],
)
def test_a_collection_of_our_direct_debit_is_recorded_as_a_direct_debit(customer, fields, channel):
    invoice = make_invoice(customer=customer)
    bank = bank_line(amount="119.00", remittance=invoice.number, **fields)
    (accepted,) = line_match(line=bank, as_of=T0)
    assert accepted.decision == "accepted" and accepted.payment.channel == channel


def test_assigning_a_collection_by_hand_records_a_direct_debit_too(customer, person):
    bank = bank_line(amount="80.00", mandate_id="MANDATE-0042")
    decision = line_assign_to_customer(line=bank, customer=customer, as_of=T0, by=person)
    assert decision.payment.channel == "direct_debit"


# --- a statement run --------------------------------------------------------------------------


def test_the_next_line_of_a_statement_sees_what_the_previous_one_paid(customer):
    invoice = make_invoice(customer=customer)
    statement = make_statement()
    first = bank_line(amount="50.00", statement=statement, remittance=invoice.number, counterparty_iban=IBAN_A)
    second = bank_line(amount="69.00", statement=statement, remittance=invoice.number, counterparty_iban=IBAN_A)
    third = bank_line(amount="10.00", statement=statement, remittance=invoice.number, counterparty_iban=IBAN_A)

    assert statement_match(statement=statement, as_of=T0) == {"matched": 2, "review": 1, "lines": 3}
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert "amount is less than the open amount €119.00" in first.matches.get().explanation_text
    assert "amount equals the open amount" in second.matches.get().explanation_text
    # Paid in full by then: the third line names no open invoice; the customer is known by IBAN.
    (suggestion,) = third.matches.all()
    assert suggestion.invoice is None and suggestion.customer == customer


def test_lines_matched_one_by_one_with_one_index_see_what_the_previous_one_paid(customer, django_assert_num_queries):
    invoice = make_invoice(customer=customer)
    first = bank_line(amount="119.00", remittance=invoice.number)
    second = bank_line(amount="119.00", remittance=invoice.number, counterparty_iban=IBAN_A)
    items = OpenItems()
    (accepted,) = line_match(line=first, as_of=T0, items=items)
    assert accepted.decision == "accepted"
    # The open invoices are not loaded again: savepoint, lock, the IBAN's accounts, rejections,
    # old suggestions, new ones, status, release.
    with django_assert_num_queries(8):
        (suggestion,) = line_match(line=second, as_of=T0, items=items)
    assert suggestion.invoice is None and suggestion.customer == customer  # paid: only the customer is left


def test_only_the_best_suggestions_are_stored():
    many = [make_customer(legal_name=f"Stern Logistik {n}") for n in range(KEPT + 2)]
    for payer in many:
        make_invoice(customer=payer)
    bank = bank_line(amount="7.00", counterparty_name="Stern Logistik")
    assert len(line_candidates(line=bank, as_of=T0)) == KEPT + 2
    rows = line_match(line=bank, as_of=T0)
    assert [row.rank for row in rows] == list(range(1, KEPT + 1))


def test_a_refused_line_goes_to_review_and_other_errors_propagate(customer, monkeypatch):
    invoice = make_invoice(customer=customer)
    statement = make_statement()
    dateless = bank_line(amount="119.00", statement=statement, remittance=invoice.number, booking_date=None,
                         value_date=None)  # fmt: skip
    assert statement_match(statement=statement, as_of=T0) == {"matched": 0, "review": 1, "lines": 1}
    dateless.refresh_from_db()
    assert dateless.match_status == "review" and not Payment.objects.exists()

    second = make_statement()
    paid = bank_line(amount="119.00", statement=second, remittance=invoice.number)
    broken = bank_line(amount="5.00", statement=second, remittance="kaputt")

    def explode(*args, **kwargs):
        if kwargs["line"].pk == broken.pk:
            raise RuntimeError("database gone")
        return original(*args, **kwargs)

    from payments.bank.matching import decisions

    original = decisions.line_candidates
    monkeypatch.setattr(decisions, "line_candidates", explode)
    with pytest.raises(RuntimeError, match="database gone"):
        statement_match(statement=second, as_of=T0)
    paid.refresh_from_db()
    broken.refresh_from_db()
    assert (paid.match_status, broken.match_status) == ("matched", "new")
    monkeypatch.setattr(decisions, "line_candidates", original)
    assert statement_match(statement=second, as_of=T0) == {"matched": 0, "review": 1, "lines": 1}


def test_a_line_whose_payment_is_refused_leaves_the_invoice_as_it_was(customer, monkeypatch):
    invoice = make_invoice(customer=customer)
    statement = make_statement()
    bank_line(amount="119.00", statement=statement, remittance=invoice.number)

    from payments.bank.matching import decisions

    def refuse(**kwargs):
        raise ValidationError({"targets": ["refused"]})

    monkeypatch.setattr(decisions, "payment_allocate", refuse)
    assert statement_match(statement=statement, as_of=T0) == {"matched": 0, "review": 1, "lines": 1}
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("119.00") and not Payment.objects.exists()
    assert not BankLineMatch.objects.exists()  # the line's transaction was rolled back as a whole


# --- follow-up tasks --------------------------------------------------------------------------


def test_automatic_matching_and_assigning_close_the_lines_follow_up_task(customer, person):
    invoice = make_invoice(customer=customer)
    waiting = bank_line(amount="119.00", remittance=invoice.number.replace("-", ""))
    unknown = bank_line(amount="80.00", counterparty_name="Unbekannt")
    line_match(line=waiting, as_of=T0)
    line_match(line=unknown, as_of=T0)
    assert unmatched_line_tasks_open(as_of=T0, days=0) == 2
    tasks = FollowUpTask.objects.filter(kind=UNMATCHED_LINE_TASK_KIND)
    assert tasks.filter(status__in=FollowUpTask.OPEN_STATUSES).count() == 2

    BankAccount.objects.create(customer=customer, iban="DE02500105170137075030")
    waiting.counterparty_iban = "DE02500105170137075030"
    waiting.save(update_fields=["counterparty_iban"])
    (accepted,) = line_match(line=waiting, as_of=T0)  # now 85 + 35: applied automatically
    assert accepted.decision == "accepted"
    line_assign_to_customer(line=unknown, customer=customer, as_of=T0, by=person)

    assert not tasks.filter(status__in=FollowUpTask.OPEN_STATUSES).exists()
    assert tasks.filter(status="done").count() == 2


@pytest.fixture
def customer():
    return make_customer(legal_name="Müller Maschinenbau GmbH", bank_accounts=[{"iban": IBAN_A}])


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(username="anna")
