"""The open-items index finds exactly what a search through every open invoice and customer finds.

Generated ledgers and lines (hypothesis) are ranked by ``line_candidates`` and by the oracle in
``test_bank_matching_oracle.py`` (the brute-force search matching did before the index) and must
give the same candidates, signals and explanations: in memory, from the database, and line after
line of a statement run in which earlier lines pay invoices. The query count of a run does not
depend on the size of the ledger.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from customers.models import BankAccount, Customer
from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.bank.matching import decisions, line_candidates, statement_match
from payments.bank.matching.index import CUSTOMER_FIELDS, INVOICE_FIELDS, CurrencyIndex
from payments.bank.matching.scoring import NAME_SIMILAR
from payments.bank.matching.text import name_similarity
from payments.models import BankStatementLine

from .factories import make_invoice, make_payment, skonto_terms
from .test_bank_matching import make_statement
from .test_bank_matching_oracle import (
    IBANS,
    LINE_FIELDS,
    described,
    in_memory,
    ledgers,
    oracle_candidates,
    oracle_from_db,
    statement_lines,
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_index_finds_what_a_search_through_everything_finds(data):
    ledger = data.draw(ledgers())
    items, invoices, accounts = in_memory(ledger)
    for _ in range(3):
        line = data.draw(statement_lines(ledger))
        note(repr({field: getattr(line, field) for field in LINE_FIELDS}))
        got = line_candidates(line=line, as_of=T0, items=items)
        assert described(got) == described(oracle_candidates(line, T0, invoices, accounts))


def test_numbers_found_at_the_same_place_keep_the_order_of_the_search_through_everything():
    """RE-2026-000012 and 2026/0012 are both written as "2026-12": the older invoice (then the
    smaller id) comes first, as in the search through everything, and receives the money first.
    "2026-13" names RE-2026-000013 and, with one typo, R202613: the number found as written first."""
    customers = [(1, "10001", "Anna Becker")]
    rows = [
        (pk, number, 1, "EUR", "invoice", Decimal("50.00"), Decimal("50.00"), Decimal("0"), [], date(2026, 2, 1),
         date(2026, 1, 1))
        for pk, number in [(7, "2026/0012"), (3, "RE-2026-000012"), (9, "R202613"), (8, "RE-2026-000013")]
    ]  # fmt: skip
    items, invoices, accounts = in_memory((customers, rows, []))
    for written, first, second in [("2026-12", 3, 7), ("2026-13", 8, 9)]:
        line = BankStatementLine(amount=Decimal("60.00"), currency="EUR", credit=True,
                                 booking_date=date(2026, 2, 1), remittance=f"Zahlung {written}")  # fmt: skip
        (candidate,) = line_candidates(line=line, as_of=T0, items=items)
        assert described([candidate]) == described(oracle_candidates(line, T0, invoices, accounts))
        assert [(invoice.pk, amount) for invoice, amount in candidate.targets] == [
            (first, Decimal("50.00")),
            (second, Decimal("10.00")),
        ]


def test_at_the_same_place_a_look_alike_reading_comes_before_a_typo_reading():
    """Found by hypothesis: "RE-2025-0000O1" reads as RE-2025-000001 (O for 0) and, cut before the
    O, as SO-2025-B00001 with one digit missing. Both start at the same place; the closer reading
    is named, and paid, first, in the index as in the search through everything."""
    customers = [(100, "10001", "Müller Maschinenbau")]
    rows = [
        (pk, number, 100, "EUR", "invoice", Decimal("119.00"), Decimal("119.00"), Decimal("0"), [],
         date(2026, 1, 15), date(2026, 1, 1))
        for pk, number in enumerate(["RE-2026-000001", "SO-2025-B00001", "RE-2025-000001"], start=1)
    ]  # fmt: skip
    items, invoices, accounts = in_memory((customers, rows, []))
    line = BankStatementLine(amount=Decimal("119.00"), currency="EUR", credit=True, booking_date=date(2026, 2, 20),
                             structured_reference="RE-2026-000001", additional_info="RE-2025-0000O1")  # fmt: skip
    (candidate,) = line_candidates(line=line, as_of=T0, items=items)
    assert described([candidate]) == described(oracle_candidates(line, T0, invoices, accounts))
    assert [signal.code for signal in candidate.signals][:3] == ["number_exact", "number_lookalike", "number_typo"]


def test_a_refreshed_index_drops_paid_invoices_and_sees_new_open_amounts():
    customers = [(1, "10001", "Anna Becker")]
    rows = [(pk, number, 1, "EUR", "invoice", Decimal("119.00"), Decimal("119.00"), Decimal("0"), [],
             date(2026, 2, 1), date(2026, 1, 1)) for pk, number in [(1, "RE-2026-000001"), (2, "RE-2026-000002"),
                                                                    (3, "RE-2026-900000")]]  # fmt: skip
    index = CurrencyIndex("EUR", invoices=rows, customers=customers)
    assert index.numbers_in(["RE-2026-000001"]) == {1} and index.near("2026000003") == [1, 2]
    assert index.near("2026900010") == [3]
    index.refresh({1: None, 2: (*rows[1][:5], Decimal("19.00"), *rows[1][6:]), 3: None})
    assert index.numbers_in(["RE-2026-000001"]) == set() and index.near("2026000003") == [2]
    assert index.near("2026900010") == [] and index.numbers_in(["RE-2026-900000"]) == set()
    assert [invoice.open_amount for invoice in index.invoices_of(1)] == [Decimal("19.00")]
    index.refresh({2: None})
    assert not index.has_open(1) and index.invoices_of(1) == [] and index.near("2026000003") == []
    index.refresh({3: rows[2]})  # reopened (a payment was reversed)
    assert index.near("2026900010") == [3] and index.has_open(1)


def test_the_name_prefilter_can_miss_only_a_suggestion_resting_on_the_name():
    """The documented limit of ``NameIndex.similar``: difflib finds these names similar, but they
    share too few trigrams to be compared. A customer another signal points at (IBAN, customer
    number, invoice number) is compared in full, exactly as the search through everything does."""
    wolf, druck = "Mia Wolf", "Alpen Druck UG (haftungsbeschränkt) 2757"
    assert name_similarity("MIlA WOkF", wolf) >= NAME_SIMILAR
    assert name_similarity("Hanse Druck GmbH 4277", druck) >= NAME_SIMILAR
    ledger = (
        [(1, "10001", wolf), (2, "10002", druck)],
        [(pk, f"RE-2026-00000{pk}", pk, "EUR", "invoice", Decimal("9.00"), Decimal("9.00"), Decimal("0"), [],
          date(2026, 2, 1), date(2026, 1, 1)) for pk in (1, 2)],
        [(1, IBANS[0])],
    )  # fmt: skip
    items, invoices, accounts = in_memory(ledger)
    index = items.currency("EUR")
    assert index.similar_names("MIlA WOkF") == {} and index.similar_names("Hanse Druck GmbH 4277") == {}
    assert index.similar_names("MIA WOLF GMBH") == {1: 1.0}

    def ranked(**fields) -> list[list[str]]:
        line = BankStatementLine(amount=Decimal("1.00"), currency="EUR", credit=True, booking_date=date(2026, 2, 1),
                                 **fields)  # fmt: skip
        got = line_candidates(line=line, as_of=T0, items=items)
        assert described(got) == described(oracle_candidates(line, T0, invoices, accounts))
        return [[signal.code for signal in candidate.signals] for candidate in got]

    assert ranked(counterparty_name="MIlA WOkF", counterparty_iban=IBANS[0]) == [
        ["iban", "name_similar", "customer_only"]
    ]
    hanse = "Hanse Druck GmbH 4277"
    assert ranked(counterparty_name=hanse, remittance="Kd 10002") == [
        ["name_similar", "customer_number", "customer_only"]
    ]
    assert ranked(counterparty_name=hanse, remittance="RE-2026-000002") == [
        ["number_exact", "amount_partial", "name_similar"]
    ]
    # The name alone: the search through everything suggests customer 10002, the index does not.
    line = BankStatementLine(amount=Decimal("1.00"), currency="EUR", credit=True, booking_date=date(2026, 2, 1),
                             counterparty_name=hanse)  # fmt: skip
    assert line_candidates(line=line, as_of=T0, items=items) == []
    assert [c.customer.number for c in oracle_candidates(line, T0, invoices, accounts)] == ["10002"]


# --- the same from the database -----------------------------------------------------------------

_seq = count(1)


def db_ledger() -> tuple:
    """Customers with bank accounts and open invoices made through the services: Skonto terms,
    partly paid invoices, two customers sharing an IBAN, numbers from the invoice series."""
    people = [
        make_customer(legal_name="Müller Maschinenbau GmbH", bank_accounts=[{"iban": IBANS[0]}]),
        make_customer(legal_name="Anna Becker", bank_accounts=[{"iban": IBANS[1]}]),
        make_customer(legal_name="Alpen Logistik AG", bank_accounts=[{"iban": IBANS[1]}]),
        make_customer(legal_name="Nord Software KG"),
    ]
    for n in range(12):
        customer = people[n % len(people)]
        invoice = make_invoice(customer=customer, gross=["119.00", "238.00", "59.50"][n % 3],
                               terms=skonto_terms() if n % 4 == 0 else None)  # fmt: skip
        if n % 5 == 0:
            make_payment(customer=customer, amount="9.50", allocate=True, remittance=invoice.number)
    rows = list(
        Invoice.objects.filter(status="issued", document_type="invoice", open_amount__gt=0).values_list(*INVOICE_FIELDS)
    )
    customers = list(Customer.objects.values_list(*CUSTOMER_FIELDS))
    accounts = list(BankAccount.objects.values_list("customer_id", "iban"))
    return customers, rows, accounts


_made: dict[str, tuple] = {}


def db_ledger_once() -> tuple:
    """The database ledger, made on a test's first example (hypothesis runs all examples of a
    test inside its one transaction, so the next test starts without it)."""
    if not Invoice.objects.exists():
        _made["ledger"] = db_ledger()
    return _made["ledger"]


@pytest.mark.usefixtures("invoicing_setup")
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_candidates_from_the_database_equal_the_search_through_everything(data):
    ledger = db_ledger_once()
    line = data.draw(statement_lines(ledger))
    assert described(line_candidates(line=line, as_of=T0)) == described(oracle_from_db(line, T0))


@pytest.mark.usefixtures("invoicing_setup")
@hypothesis_settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_line_of_a_statement_run_sees_what_a_search_through_everything_sees(data, monkeypatch):
    """Line after line, while earlier lines pay invoices, the index (refreshed after each applied
    line) ranks exactly like the oracle on the database as it is at that moment."""
    ledger = db_ledger_once()
    statement = make_statement()
    for position in range(12):
        line = data.draw(statement_lines(ledger))
        line.statement, line.position = statement, position
        line.content_hash = hashlib.sha256(f"statement run line {next(_seq)}".encode()).hexdigest()
        line.save()
    compared = []

    def both(*, line, as_of, items):
        got = original(line=line, as_of=as_of, items=items)
        assert described(got) == described(oracle_from_db(line, as_of))
        compared.append(line.pk)
        return got

    original = decisions.line_candidates
    monkeypatch.setattr(decisions, "line_candidates", both)
    counts = statement_match(statement=statement, as_of=T0)
    assert len(compared) == counts["lines"] == statement.lines.filter(credit=True).count()


# --- query counts -------------------------------------------------------------------------------


def _statement_of_three(customer) -> object:
    """An exact number with the amount (applied), a mangled number (review), an unknown payer."""
    first = make_invoice(customer=customer)
    second = make_invoice(customer=customer, gross="238.00")
    statement = make_statement()
    shapes = [
        {"amount": Decimal("119.00"), "remittance": first.number, "counterparty_iban": IBANS[2]},
        {"amount": Decimal("238.00"), "remittance": second.number.replace("-", "")},
        {"amount": Decimal("5.00"), "remittance": "Spende", "counterparty_name": "Unbekannt"},
    ]
    for position, shape in enumerate(shapes):
        BankStatementLine.objects.create(
            statement=statement, position=position, currency="EUR", credit=True, booking_date=date(2026, 2, 20),
            content_hash=hashlib.sha256(f"query count line {next(_seq)}".encode()).hexdigest(), **shape,
        )  # fmt: skip
    return statement


# Per run: the lines, the payer IBANs' accounts, then (on the first line) the open invoices of the
# currency and their customers: 4. Per line: savepoint, lock, earlier rejections, old suggestions
# deleted, status, release: 6, and 1 insert when there are suggestions. An applied line adds 21:
# the payment recorded (5) and allocated (13: the customer is locked first, core.locks, in a
# savepoint in case the payment moved to another customer meanwhile, lock_payment), the
# suggestion accepted, the follow-up task looked up, and the paid invoice re-read for the index;
# plus 3 event-log entries (core.Event: payment recorded, allocated, invoice settlement changed),
# one INSERT each; and 2 for casework's promise listener (is the invoice under an open promise?,
# once for the allocation and once for the settlement change), and 1 for tasks closing themselves
# when the invoice is paid (open tasks about it?), and 1 for dunning's final interest item (has the
# paid invoice interest items?).
STATEMENT_QUERIES = 4 + (6 + 1 + 21 + 3 + 2 + 1 + 1) + (6 + 1) + 6


@pytest.mark.usefixtures("invoicing_setup")
def test_matching_a_statement_needs_the_same_queries_for_5_and_for_50_open_invoices(django_assert_num_queries):
    ContentType.objects.get_for_model(BankStatementLine)  # cached for the rest of the process
    small = _statement_of_three(make_customer(legal_name="Klein GmbH", bank_accounts=[{"iban": IBANS[2]}]))
    for _ in range(3):
        make_invoice(customer=make_customer())
    with CaptureQueriesContext(connection) as five:
        assert statement_match(statement=small, as_of=T0) == {"matched": 1, "review": 2, "lines": 3}
    assert Invoice.objects.filter(open_amount__gt=0).count() == 4  # + the one just paid

    for n in range(45):
        make_invoice(customer=make_customer() if n % 5 == 0 else Customer.objects.order_by("-pk").first())
    large = _statement_of_three(make_customer(legal_name="Groß AG", bank_accounts=[{"iban": IBANS[3]}]))
    BankStatementLine.objects.filter(statement=large, position=0).update(counterparty_iban=IBANS[3])
    with django_assert_num_queries(len(five.captured_queries)):
        assert statement_match(statement=large, as_of=T0) == {"matched": 1, "review": 2, "lines": 3}
    assert Invoice.objects.filter(open_amount__gt=0).count() >= 50
    assert len(five.captured_queries) == STATEMENT_QUERIES
