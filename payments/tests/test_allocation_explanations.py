"""Explanations stored as messages and worded when read: per allocation by law, which criterion
of § 367 (1) / § 366 (2) BGB decided its step; matching signals with their parameters, in the
reader's language (admin, API); the data migration of rows stored as worded text."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.messages import message_text
from customers.tests.factories import make_customer
from invoicing.tests.factories import D0, T0, at, invoicing_setup  # noqa: F401
from payments.bank.matching import line_match
from payments.models import Allocation, BankLineMatch
from payments.services import payment_allocate_by_law
from tests.conftest import client_for

from .factories import make_invoice, make_payment, net_terms
from .test_bank_matching import IBAN_A, bank_line

pytestmark = pytest.mark.usefixtures("invoicing_setup")


def texts(allocations) -> dict:
    with translation.override("en"):
        return {a.invoice_id: a.explanation_text for a in allocations}


def test_each_allocation_by_law_names_the_criterion_that_decided_it():
    customer = make_customer()
    later = make_invoice(customer=customer, terms=net_terms(30))  # not due on D0 + 5
    due = make_invoice(customer=customer, terms=net_terms(3))  # due on D0 + 5
    payment = make_payment(customer=customer, amount="150.00", value_date=D0 + timedelta(days=5))

    allocations = payment_allocate_by_law(payment=payment, as_of=at(D0 + timedelta(days=5)))

    assert texts(allocations) == {
        due.pk: "§ 366 (2) BGB: due before not yet due",
        later.pk: "§ 366 (2) BGB: not yet due, after the debts that are due",
    }
    # Stored as codes with parameters, not as a sentence in the writer's language.
    assert [m["code"] for a in allocations for m in a.explanation_messages] == [
        "payments.law.due",
        "payments.law.not_due",
    ]


def test_the_older_debt_first_names_its_due_date_and_equal_age_names_the_others():
    customer = make_customer()
    younger = make_invoice(customer=customer, terms=net_terms(5))
    older = make_invoice(customer=customer, terms=net_terms(2))
    payment = make_payment(customer=customer, amount="150.00", value_date=D0 + timedelta(days=40))
    allocations = payment_allocate_by_law(payment=payment, as_of=at(D0 + timedelta(days=40)))
    due = D0 + timedelta(days=2)
    assert texts(allocations)[older.pk] == f"§ 366 (2) BGB: the older debt first (due {due:%-d %b %Y})"
    assert older.pk in {a.invoice_id for a in allocations}
    with translation.override("de"):  # the date in the reader's form
        assert f"{due:%d.%m.%Y}" in next(a for a in allocations if a.invoice_id == older.pk).explanation_text
    assert texts(allocations)[younger.pk].startswith("§ 366 (2) BGB: the younger debt, after the older ones")

    other = make_customer()
    a = make_invoice(customer=other, gross="119.00", terms=net_terms(10))
    b = make_invoice(customer=other, gross="238.00", terms=net_terms(10))
    shared = payment_allocate_by_law(payment=make_payment(customer=other, amount="100.00"), as_of=T0)
    assert texts(shared) == {
        a.pk: f"§ 366 (2) BGB: of equal age, pro rata with {b.number}",
        b.pk: f"§ 366 (2) BGB: of equal age, pro rata with {a.number}",
    }


def test_the_api_words_an_allocations_explanation_in_the_requests_language(accountant):
    customer = make_customer()
    make_invoice(customer=customer, terms=net_terms(30))
    due = make_invoice(customer=customer, terms=net_terms(0))
    payment = make_payment(customer=customer, amount="119.00")
    payment_allocate_by_law(payment=payment, as_of=T0)
    client = client_for(accountant)

    english = client.get(f"/api/v1/payments/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["allocations"]
    german = client.get(f"/api/v1/payments/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="de").json()["allocations"]

    assert [(a["invoice"]["id"], a["explanation"]) for a in english] == [
        (due.pk, "§ 366 (2) BGB: due before not yet due")
    ]
    assert german[0]["explanation"].startswith("§ 366 (2) BGB")  # German wording: once the catalogue is compiled


def test_matching_signals_store_parameters_and_are_worded_in_the_readers_language(accountant):
    customer = make_customer(legal_name="Müller Maschinenbau GmbH", bank_accounts=[{"iban": IBAN_A}])
    invoice = make_invoice(customer=customer)
    line = bank_line(amount="50.00", remittance=f"Rechnung {invoice.number}", counterparty_iban=IBAN_A)

    line_match(line=line, as_of=T0)

    match = line.matches.get()
    partial = next(s for s in match.signals if s["code"] == "amount_partial")
    assert partial == {
        "code": "amount_partial",
        "weight": 5,
        "message": "bank.match.amount_partial",
        "params": {"open": {"$": "money", "amount": "119.00", "currency": "EUR"}},
    }
    assert "detail" not in partial
    with translation.override("en"):
        english = match.explanation_text
    with translation.override("de"):
        german = match.explanation_text
    assert "found in remittance" in english and "€119.00" in english
    assert "found in remittance" not in german and "119,00\xa0€" in german
    body = client_for(accountant).get(f"/api/v1/bank-statement-lines/{line.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    (shown,) = body["matches"]
    assert shown["explanation"] == english
    assert [s["code"] for s in shown["signals"]] == ["number_exact", "amount_partial", "iban"]


def test_the_migration_wraps_old_explanations_and_converts_old_signals_it_can_read():
    migration = importlib.import_module("payments.migrations.0010_allocation_explanation_messages")
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    allocation = payment.allocations.get()
    Allocation.objects.filter(pk=allocation.pk).update(explanation="Von Hand zugeordnet", explanation_messages=[])
    line = bank_line(amount="119.00")
    old = BankLineMatch.objects.create(
        line=line, customer=customer, amount=D("119.00"), confidence=25, rank=1, created_at=T0,
        explanation="RE-1 in Verwendungszweck gefunden; Betrag entspricht dem offenen Betrag",
        signals=[{"code": "number_exact", "weight": 70, "detail": "RE-1 in Verwendungszweck gefunden"},
                 {"code": "amount_exact", "weight": 25, "detail": "Betrag entspricht dem offenen Betrag"}],
    )  # fmt: skip

    migration.forwards(apps, None)

    allocation.refresh_from_db()
    assert (allocation.explanation, allocation.explanation_messages) == (
        "",
        [{"code": "payments.text", "params": {"text": "Von Hand zugeordnet"}}],
    )
    assert allocation.explanation_text == "Von Hand zugeordnet"
    old.refresh_from_db()
    assert old.signals[0] == {"code": "number_exact", "weight": 70, "detail": "RE-1 in Verwendungszweck gefunden"}
    assert old.signals[1]["message"] == "bank.match.amount_exact"
    with translation.override("en"):
        assert old.explanation_text == "RE-1 in Verwendungszweck gefunden; amount equals the open amount"


@st.composite
def open_debts(draw):
    """Unsaved invoices and open items (what ``law_order`` reads), and a value date."""
    from invoicing.models import Invoice
    from payments.models import OpenItem

    day = date(2026, 3, 1)
    targets = []
    for pk in range(1, draw(st.integers(1, 6)) + 1):
        due = day + timedelta(days=draw(st.sampled_from([-30, -10, -10, 0, 5, 20])))
        amount = D(draw(st.sampled_from(["10.00", "50.00", "119.00"])))
        if draw(st.integers(0, 3)) == 0:
            kind = draw(st.sampled_from(["dunning_fee", "default_interest", "other_cost"]))
            item = OpenItem(pk=pk, kind=kind, amount=amount, open_amount=amount, currency="EUR", due_date=due)
            item.created_at = T0
            targets.append(item)
        else:
            targets.append(
                Invoice(
                    pk=pk, number=f"RE-{pk}", open_amount=amount, due_date=due, invoice_date=due - timedelta(days=14)
                )
            )
    return targets, day, D(draw(st.sampled_from(["5.00", "60.00", "119.00", "500.00"])))


@given(debts=open_debts())
def test_every_allocation_by_law_is_explained_by_the_criterion_that_ordered_it(debts):
    from payments.services.allocation import _by_law_plan, _target_key, by_law_explanation, law_order

    targets, day, money = debts
    groups = law_order(targets, day)
    plan = _by_law_plan(groups, money, "EUR")
    reasons = by_law_explanation(groups, plan, money)

    assert set(reasons) == {_target_key(target) for target, _share in plan}
    everything = money >= sum((t.open_amount for t in targets), D("0"))
    for target, _share in plan:
        codes = [item["code"] for item in reasons[_target_key(target)]]
        group = next(group for group in groups if target in group)
        assert codes, "every allocation says why"
        assert ("payments.law.pro_rata" in codes) == (len(group) > 1)
        assert ("payments.law.all" in codes) == (everything and len(groups) > 1)
        if len(groups) > 1 and not everything:
            # The group before names what it was preferred for; the last the group it came after.
            (decisive,) = [code for code in codes if code != "payments.law.pro_rata"]
            assert decisive in {f"payments.law.{name}" for name in
                                ("costs", "interest", "principal", "due", "not_due", "older", "younger")}  # fmt: skip
        with translation.override("en"):
            assert all(message_text(item).startswith("§ 36") for item in reasons[_target_key(target)])


def test_pro_rata_names_the_other_open_items_in_the_readers_language():
    """The open items a pro rata share names are stored as kind and number, worded when read
    (issue 13): a German reader reads "Mahngebühr #…", an English one "dunning fee #…"."""
    from payments.tests.factories import make_open_item

    customer = make_customer()
    first = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")
    second = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")

    allocations = payment_allocate_by_law(payment=make_payment(customer=customer, amount="4.00"), as_of=T0)

    stored = Allocation.objects.get(pk=next(a.pk for a in allocations if a.item_id == first.pk))
    with translation.override("en"):
        assert f"pro rata with dunning fee #{second.pk}" in stored.explanation_text
    with translation.override("de"):
        assert f"Mahngebühr #{second.pk}" in stored.explanation_text
        assert "dunning fee" not in stored.explanation_text
