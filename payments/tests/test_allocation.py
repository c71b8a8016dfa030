"""The allocation engine: recording, allocation by hand, by the payer and by law (§ 366, § 367
BGB), Skonto (§ 17 UStG), credit, credit notes, refunds, returns and write-offs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.tests.factories import make_customer
from invoicing.models import Invoice, InvoiceEvent
from invoicing.services import credit_note_create
from invoicing.tests.factories import D0, T0, at, invoicing_setup, line  # noqa: F401
from payments.models import (
    Allocation,
    AllocationRule,
    OpenItem,
    Payment,
    PaymentEvent,
    Refund,
    SettlementDiscount,
    WriteOff,
)
from payments.selectors import customer_balance, customer_open_items, recent_payment_events
from payments.services import (
    allocation_reverse,
    credit_apply,
    credit_note_apply,
    payment_allocate,
    payment_allocate_by_law,
    payment_keep_as_credit,
    payment_record,
    payment_refund,
    payment_return,
    write_off,
)
from tests.conftest import client_for

from .factories import make_invoice, make_open_item, make_payment, net_terms, skonto_terms

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal


def snapshot() -> tuple:
    """Everything the engine writes, to prove a refused call changed nothing."""
    return (
        list(Payment.objects.order_by("pk").values()),
        list(Allocation.objects.order_by("pk").values()),
        list(Invoice.objects.order_by("pk").values_list("pk", "open_amount", "settlement_state")),
        list(OpenItem.objects.order_by("pk").values_list("pk", "open_amount")),
        PaymentEvent.objects.count(),
        InvoiceEvent.objects.count(),
        SettlementDiscount.objects.count(),
        WriteOff.objects.count(),
        Refund.objects.count(),
    )


def refused(call, field: str):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.message_dict, exc.value.message_dict
    assert snapshot() == before
    return exc.value.message_dict[field]


def fresh(obj):
    obj.refresh_from_db()
    return obj


def parts(payment) -> dict:
    p = fresh(payment)
    return {
        "allocated": p.allocated_amount,
        "credit": p.credit_amount,
        "refunded": p.refunded_amount,
        "returned": p.returned_amount,
        "unapplied": p.unapplied_amount,
    }


# --- Recording ----------------------------------------------------------------------------------


def test_a_recorded_payment_starts_unapplied_with_a_recorded_event():
    customer = make_customer()
    payment = make_payment(customer=customer, amount="50.00")
    assert parts(payment)["unapplied"] == D("50.00")
    assert payment.events.get().kind == PaymentEvent.Kind.RECORDED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-5.00")}, "amount"),
        ({"amount": D("1.001")}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"channel": "pigeon"}, "channel"),
        ({"status": "lost"}, "status"),
        ({"currency": "USD"}, "currency"),
    ],
)
def test_bad_payment_data_is_refused_by_field_and_nothing_is_saved(overrides, field):
    customer = make_customer()
    data = {
        "customer": customer,
        "channel": "bank_transfer",
        "amount": D("10.00"),
        "currency": "EUR",
        "value_date": D0,
        "as_of": T0,
    }
    refused(lambda: payment_record(**{**data, **overrides}), field)


def test_the_same_external_id_with_the_same_data_returns_the_existing_payment():
    customer = make_customer()
    first = make_payment(customer=customer, amount="10.00", external_id="BANK-1")
    again = make_payment(customer=customer, amount="10.00", external_id="BANK-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1


def test_the_same_external_id_with_other_data_is_refused_naming_external_id():
    customer = make_customer()
    make_payment(customer=customer, amount="10.00", external_id="BANK-1")
    refused(lambda: make_payment(customer=customer, amount="11.00", external_id="BANK-1"), "external_id")


def test_a_pending_payment_is_not_allocated():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00", status="pending", allocate=True)
    assert parts(payment)["unapplied"] == D("119.00")
    assert fresh(invoice).open_amount == D("119.00")


# --- Manual allocation ----------------------------------------------------------------------------


def test_a_partial_payment_leaves_the_invoice_partially_paid_with_an_event():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="50.00")
    [allocation] = payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": D("50.00")}], as_of=T0)
    assert allocation.rule == AllocationRule.MANUAL
    invoice = fresh(invoice)
    assert (invoice.open_amount, invoice.settlement_state) == (D("69.00"), "partially_paid")
    assert invoice.events.filter(kind=InvoiceEvent.Kind.SETTLEMENT_CHANGED, to_state="partially_paid").exists()
    assert parts(payment) == {**parts(payment), "allocated": D("50.00"), "unapplied": D("0.00")}
    assert payment.events.filter(kind=PaymentEvent.Kind.ALLOCATED).count() == 1


def test_two_payments_pay_one_invoice_and_one_payment_pays_two_invoices():
    customer = make_customer()
    first, second = make_invoice(customer=customer), make_invoice(customer=customer, gross="238.00")
    p1, p2 = make_payment(customer=customer, amount="100.00"), make_payment(customer=customer, amount="257.00")
    payment_allocate(payment=p1, targets=[{"invoice": first, "amount": D("100.00")}], as_of=T0)
    payment_allocate(
        payment=p2,
        targets=[{"invoice": first, "amount": D("19.00")}, {"invoice": second, "amount": D("238.00")}],
        as_of=T0,
    )
    assert fresh(first).settlement_state == fresh(second).settlement_state == "paid"
    assert parts(p2)["unapplied"] == 0


@pytest.mark.parametrize(
    "case",
    ["over_payment", "over_open", "over_open_split", "zero", "negative", "draft", "credit_note", "other_customer",
     "currency", "pending", "cancelled_item"],
)  # fmt: skip
def test_refused_allocations_apply_nothing(case):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    other = make_invoice(customer=customer, gross="238.00")
    payment = make_payment(customer=customer, amount="100.00")
    targets = [{"invoice": invoice, "amount": D("50.00")}]
    field = "targets.0"
    if case == "over_payment":
        targets = [{"invoice": invoice, "amount": D("60.00")}, {"invoice": other, "amount": D("60.00")}]
        field = "amount"
    elif case == "over_open":
        payment = make_payment(customer=customer, amount="200.00")
        targets, field = [{"invoice": invoice, "amount": D("119.01")}], "targets.0.amount"
    elif case == "over_open_split":
        payment = make_payment(customer=customer, amount="200.00")
        targets = [{"invoice": other, "amount": D("1.00")}, {"invoice": invoice, "amount": D("60.00")},
                   {"invoice": invoice, "amount": D("60.00")}]  # fmt: skip
        field = "targets.2.amount"
    elif case in ("zero", "negative"):
        targets = [{"invoice": invoice, "amount": D("0.00") if case == "zero" else D("-1.00")}]
        field = "targets.0.amount"
    elif case == "draft":
        from invoicing.tests.factories import make_draft

        targets = [{"invoice": make_draft(customer=customer), "amount": D("1.00")}]
    elif case == "credit_note":
        note = credit_note_create(invoice=other, as_of=T0, lines=[line(quantity="1", unit_price="10.00")], issue=True)
        targets = [{"invoice": note, "amount": D("1.00")}]
    elif case == "other_customer":
        targets = [{"invoice": make_invoice(customer=make_customer()), "amount": D("1.00")}]
    elif case == "currency":
        payment = make_payment(customer=customer, amount="100.00", currency="CHF", allocate=False)
    elif case == "pending":
        payment = make_payment(customer=customer, amount="100.00", status="pending")
        field = "payment"
    elif case == "cancelled_item":
        item = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")
        item.cancelled_at = T0
        item.save()
        targets = [{"item": item, "amount": D("1.00")}]
    refused(lambda: payment_allocate(payment=payment, targets=targets, as_of=T0), field)


# --- By law ----------------------------------------------------------------------------------------


def test_by_law_costs_come_before_interest_before_principal():
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=net_terms(0))
    nine_days_ago = D0 - timedelta(days=9)
    interest = make_open_item(customer=customer, kind="default_interest", amount="3.00", due_date=nine_days_ago)
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00", due_date=D0)
    payment = make_payment(customer=customer, amount="10.00")
    allocations = payment_allocate_by_law(payment=payment, as_of=T0)
    got = [(a.item_id or a.invoice_id, a.amount) for a in allocations]
    assert got == [(fee.pk, D("5.00")), (interest.pk, D("3.00")), (invoice.pk, D("2.00"))]
    assert {a.rule for a in allocations} == {AllocationRule.BGB_366_367}
    # Per allocation, the criterion that decided its step (worded when read, here in English).
    with translation.override("en"):
        shown = [a.explanation_text for a in allocations]
    assert shown == [
        "§ 367 (1) BGB: costs first",
        "§ 367 (1) BGB: interest before the principal",
        "§ 367 (1) BGB: the principal, after costs and interest",
    ]


def test_by_law_due_invoices_come_before_invoices_not_yet_due():
    customer = make_customer()
    later = make_invoice(customer=customer, terms=net_terms(30))  # not due on D0 + 5
    due = make_invoice(customer=customer, terms=net_terms(3))  # due on D0 + 5
    payment = make_payment(customer=customer, amount="119.00", value_date=D0 + timedelta(days=5))
    payment_allocate_by_law(payment=payment, as_of=at(D0 + timedelta(days=5)))
    assert fresh(due).settlement_state == "paid"
    assert fresh(later).settlement_state == "open"


def test_by_law_the_older_due_invoice_comes_first():
    customer = make_customer()
    younger = make_invoice(customer=customer, terms=net_terms(5))
    older = make_invoice(customer=customer, terms=net_terms(2))
    payment = make_payment(customer=customer, amount="150.00", value_date=D0 + timedelta(days=40))
    payment_allocate_by_law(payment=payment, as_of=at(D0 + timedelta(days=40)))
    assert fresh(older).open_amount == 0
    assert fresh(younger).open_amount == D("88.00")


def test_by_law_invoices_of_equal_age_are_paid_pro_rata_to_the_cent():
    customer = make_customer()
    a = make_invoice(customer=customer, gross="119.00", terms=net_terms(10))
    b = make_invoice(customer=customer, gross="238.00", terms=net_terms(10))
    c = make_invoice(customer=customer, gross="357.00", terms=net_terms(10))
    payment = make_payment(customer=customer, amount="100.00")
    allocations = payment_allocate_by_law(payment=payment, as_of=T0)
    amounts = {x.invoice_id: x.amount for x in allocations}
    assert sum(amounts.values()) == D("100.00")
    # 100 × 1/6, 2/6, 3/6 = 16.666…, 33.333…, 50.00 → largest remainder takes the left cent.
    assert amounts == {a.pk: D("16.67"), b.pk: D("33.33"), c.pk: D("50.00")}


def test_by_law_leaves_what_no_item_needs_unapplied():
    customer = make_customer()
    make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="200.00")
    payment_allocate_by_law(payment=payment, as_of=T0)
    assert parts(payment)["unapplied"] == D("81.00")


def test_recording_applies_the_payers_designation_first_then_the_law():
    customer = make_customer()
    old = make_invoice(customer=customer, terms=net_terms(0))
    named = make_invoice(customer=customer, gross="238.00", terms=net_terms(30))
    remittance = f"Zahlung {named.number} danke"
    payment = make_payment(customer=customer, amount="300.00", remittance=remittance, allocate=True)
    rules = {a.invoice_id: a.rule for a in payment.allocations.all()}
    assert rules == {named.pk: AllocationRule.PAYER, old.pk: AllocationRule.BGB_366_367}
    assert fresh(named).open_amount == 0
    assert fresh(old).open_amount == D("57.00")


def test_the_payers_order_counts_when_the_money_is_short():
    customer = make_customer()
    first = make_invoice(customer=customer)
    second = make_invoice(customer=customer)
    payment = make_payment(
        customer=customer, amount="150.00", remittance=f"{second.number}, {first.number}", allocate=True
    )
    assert fresh(second).open_amount == 0
    assert fresh(first).open_amount == D("88.00")
    assert parts(payment)["unapplied"] == 0


# --- Skonto --------------------------------------------------------------------------------------


def test_skonto_within_the_deadline_settles_in_full_with_the_vat_split():
    customer = make_customer()
    lines = [line(quantity="1", unit_price="100.00"), line(quantity="1", unit_price="50.00", vat_rate="7")]
    invoice = make_invoice(customer=customer, terms=skonto_terms(percent="2.00"), lines=lines, gross="119.00")
    invoice = fresh(invoice)
    assert invoice.amount_due == D("172.50")  # 119.00 + 53.50
    offer = invoice.discount_offers[0]
    assert offer["amount_to_pay"] == "169.05"
    payment = make_payment(customer=customer, amount="169.05", value_date=D0 + timedelta(days=10), allocate=True)
    invoice = fresh(invoice)
    assert (invoice.open_amount, invoice.settlement_state) == (D("0.00"), "paid")
    discount = SettlementDiscount.objects.get(invoice=invoice)
    assert discount.amount == D("3.45")
    assert sum(D(r["gross"]) for r in discount.vat_split) == D("3.45")
    assert all(D(r["net"]) + D(r["vat"]) == D(r["gross"]) for r in discount.vat_split)
    by_rate = {r["vat_rate"]: r for r in discount.vat_split}
    assert by_rate["19.00"]["gross"] == "2.38" and by_rate["19.00"]["vat"] == "0.38"
    assert by_rate["7.00"]["gross"] == "1.07" and by_rate["7.00"]["vat"] == "0.07"
    assert parts(payment)["allocated"] == D("169.05")


def test_a_payment_of_the_discounted_totals_of_the_named_invoices_takes_each_skonto():
    customer = make_customer()
    first = make_invoice(customer=customer, terms=skonto_terms())  # 119.00 − 2.38
    second = make_invoice(customer=customer, gross="238.00", terms=skonto_terms())  # 238.00 − 4.76
    remittance = f"RE {first.number} und {second.number}"
    payment = make_payment(customer=customer, amount="349.86", remittance=remittance, allocate=True)
    assert fresh(first).settlement_state == fresh(second).settlement_state == "paid"
    assert sorted(SettlementDiscount.objects.values_list("amount", flat=True)) == [D("2.38"), D("4.76")]
    assert {a.rule for a in payment.allocations.all()} == {AllocationRule.PAYER}
    assert parts(payment)["unapplied"] == 0


def test_the_full_amount_within_the_discount_period_takes_no_skonto():
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=skonto_terms())
    make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    assert fresh(invoice).settlement_state == "paid"
    assert not SettlementDiscount.objects.exists()


def test_skonto_after_the_deadline_leaves_the_invoice_partially_paid():
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=skonto_terms())
    make_payment(customer=customer, amount="116.62", value_date=D0 + timedelta(days=11), allocate=True)
    invoice = fresh(invoice)
    assert (invoice.open_amount, invoice.settlement_state) == (D("2.38"), "partially_paid")
    assert not SettlementDiscount.objects.exists()


def test_skonto_after_a_partial_payment_takes_what_remains_of_the_discounted_amount():
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=skonto_terms())
    first = make_payment(customer=customer, amount="50.00", value_date=D0 + timedelta(days=2))
    payment_allocate(payment=first, targets=[{"invoice": invoice, "amount": D("50.00")}], as_of=T0)
    second = make_payment(customer=customer, amount="66.62", value_date=D0 + timedelta(days=9))
    payment_allocate(payment=second, targets=[{"invoice": invoice, "amount": D("66.62")}], as_of=T0)
    assert fresh(invoice).settlement_state == "paid"
    assert SettlementDiscount.objects.get().amount == D("2.38")


def test_reversing_a_skonto_allocation_reopens_the_full_amount():
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=skonto_terms())
    payment = make_payment(customer=customer, amount="116.62", allocate=True)
    allocation = payment.allocations.get()
    allocation_reverse(allocation=allocation, as_of=T0, reason="wrong customer")
    invoice = fresh(invoice)
    assert (invoice.open_amount, invoice.settlement_state) == (D("119.00"), "open")
    assert SettlementDiscount.objects.get().reversed_at is not None
    assert parts(payment)["unapplied"] == D("116.62")


# --- Credit, credit notes, refunds ------------------------------------------------------------------


def test_over_payment_becomes_credit_is_applied_elsewhere_and_the_rest_refunded():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="200.00", remittance=invoice.number, allocate=True)
    assert parts(payment)["unapplied"] == D("81.00")
    payment_keep_as_credit(payment=payment, as_of=T0)
    assert parts(payment)["credit"] == D("81.00")
    later = make_invoice(customer=customer, gross="59.50")
    [allocation] = credit_apply(payment=payment, targets=[{"invoice": later, "amount": D("59.50")}], as_of=T0)
    assert fresh(later).settlement_state == "paid"
    refund = payment_refund(payment=payment, amount=D("21.50"), channel="bank_transfer", as_of=T0, reference="R1")
    assert refund.amount == D("21.50")
    assert parts(payment) == {
        "allocated": D("178.50"), "credit": D("0.00"), "refunded": D("21.50"), "returned": D("0.00"),
        "unapplied": D("0.00"),
    }  # fmt: skip
    assert fresh(payment).status == "completed"
    # A credit allocation undone returns to credit, not to unapplied.
    allocation_reverse(allocation=allocation, as_of=T0, reason="booked twice")
    assert parts(payment)["credit"] == D("59.50")
    assert fresh(later).settlement_state == "open"


def test_refunds_come_from_credit_only_and_a_full_refund_marks_the_payment_refunded():
    customer = make_customer()
    payment = make_payment(customer=customer, amount="30.00")
    refused(lambda: payment_refund(payment=payment, amount=D("1.00"), channel="bank_transfer", as_of=T0), "amount")
    payment_keep_as_credit(payment=payment, as_of=T0, amount=D("30.00"))
    refused(lambda: payment_refund(payment=payment, amount=D("30.01"), channel="bank_transfer", as_of=T0), "amount")
    payment_refund(payment=payment, amount=D("30.00"), channel="bank_transfer", as_of=T0)
    assert fresh(payment).status == "refunded"


def test_keeping_more_than_unapplied_as_credit_is_refused():
    customer = make_customer()
    payment = make_payment(customer=customer, amount="30.00")
    refused(lambda: payment_keep_as_credit(payment=payment, as_of=T0, amount=D("30.01")), "amount")


def test_a_credit_notes_left_over_credit_pays_another_invoice():
    customer = make_customer()
    credited = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00")
    payment_allocate(payment=payment, targets=[{"invoice": credited, "amount": D("119.00")}], as_of=T0)
    note = credit_note_create(invoice=credited, as_of=T0, lines=[line(quantity="1", unit_price="50.00")], issue=True)
    note = fresh(note)
    assert note.open_amount == D("59.50")  # nothing open on the paid invoice: all of it is credit
    other = make_invoice(customer=customer, gross="238.00")
    refused(lambda: credit_note_apply(credit_note=note, invoice=other, amount=D("59.51"), as_of=T0), "amount")
    allocation = credit_note_apply(credit_note=note, invoice=other, amount=D("59.50"), as_of=T0)
    assert fresh(note).open_amount == 0
    assert fresh(other).open_amount == D("178.50")
    allocation_reverse(allocation=allocation, as_of=T0, reason="customer asked for a refund instead")
    assert fresh(note).open_amount == D("59.50")
    assert fresh(other).open_amount == D("238.00")


def test_a_credit_note_cannot_credit_another_customers_invoice():
    customer = make_customer()
    credited = make_invoice(customer=customer)
    payment_allocate(
        payment=make_payment(customer=customer, amount="119.00"),
        targets=[{"invoice": credited, "amount": D("119.00")}],
        as_of=T0,
    )
    note = credit_note_create(invoice=credited, as_of=T0, lines=[line(quantity="1", unit_price="50.00")], issue=True)
    stranger = make_invoice(customer=make_customer())
    refused(lambda: credit_note_apply(credit_note=note, invoice=stranger, amount=D("1.00"), as_of=T0), "invoice")


# --- Reversal and return ---------------------------------------------------------------------------


def test_reversing_twice_is_refused():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00", allocate=True)
    allocation = payment.allocations.get()
    allocation_reverse(allocation=allocation, as_of=T0, reason="mistake")
    assert fresh(invoice).settlement_state == "open"
    refused(lambda: allocation_reverse(allocation=allocation, as_of=T0, reason="again"), "allocation")
    refused(lambda: allocation_reverse(allocation=allocation, as_of=T0, reason=" "), "reason")


def test_a_returned_direct_debit_reopens_everything_it_paid():
    customer = make_customer()
    first = make_invoice(customer=customer, terms=net_terms(0))
    second = make_invoice(customer=customer, terms=net_terms(30))
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")
    payment = make_payment(customer=customer, amount="300.00", channel="direct_debit", allocate=True)
    payment_keep_as_credit(payment=payment, as_of=T0)
    assert fresh(first).settlement_state == fresh(second).settlement_state == "paid"
    payment_return(payment=payment, as_of=T0, reason="MD06 return", return_code="MD06")
    assert fresh(first).open_amount == fresh(second).open_amount == D("119.00")
    assert fresh(first).settlement_state == "open"
    assert fresh(fee).open_amount == D("5.00")
    assert parts(payment) == {
        "allocated": 0, "credit": 0, "refunded": 0, "returned": D("300.00"), "unapplied": 0,
    }  # fmt: skip
    payment = fresh(payment)
    assert payment.status == "returned"
    assert payment.events.filter(kind=PaymentEvent.Kind.RETURNED, data__return_code="MD06").exists()
    assert not payment.allocations.filter(reversed_at__isnull=True).exists()
    refused(lambda: payment_return(payment=payment, as_of=T0, reason="again"), "payment")


# --- Write-offs ----------------------------------------------------------------------------------


def test_a_finance_manager_writes_off_a_small_difference(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="116.00", allocate=True)
    record = write_off(invoice=invoice, amount=D("3.00"), reason="bank charges", as_of=T0, by=manager, payment=payment)
    invoice = fresh(invoice)
    assert (invoice.open_amount, invoice.settlement_state) == (D("0.00"), "paid")
    assert record.created_by == manager
    assert payment.events.filter(kind=PaymentEvent.Kind.WRITTEN_OFF).exists()


def test_write_off_rules(accountant, manager, settings):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="100.00", allocate=True)
    refused(lambda: write_off(invoice=invoice, amount=D("5.00"), reason="x", as_of=T0, by=accountant), "by")
    refused(lambda: write_off(invoice=invoice, amount=D("5.00"), reason=" ", as_of=T0, by=manager), "reason")
    refused(lambda: write_off(invoice=invoice, amount=D("5.01"), reason="x", as_of=T0, by=manager), "amount")
    settings.DEBITOR_WRITE_OFF_TOLERANCE = Decimal("50.00")
    refused(lambda: write_off(invoice=invoice, amount=D("19.01"), reason="x", as_of=T0, by=manager), "amount")
    write_off(invoice=invoice, amount=D("19.00"), reason="goodwill", as_of=T0, by=manager)
    assert fresh(invoice).settlement_state == "paid"


# --- Selectors -----------------------------------------------------------------------------------


def test_the_account_lists_open_items_with_days_overdue_and_credits(django_assert_num_queries):
    customer = make_customer()
    invoice = make_invoice(customer=customer, terms=net_terms(0))
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00", due_date=D0)
    payment = make_payment(customer=customer, amount="20.00")
    payment_keep_as_credit(payment=payment, as_of=T0, amount=D("15.00"))
    with django_assert_num_queries(3):
        rows = customer_open_items(customer=customer, as_of=at(D0 + timedelta(days=12)))
    assert [(r["kind"], r["id"], r["open_amount"], r["days_overdue"]) for r in rows] == [
        ("dunning_fee", fee.pk, D("5.00"), 12),
        ("invoice", invoice.pk, D("119.00"), 12),
        ("payment_credit", payment.pk, D("15.00"), 0),
        ("unapplied_payment", payment.pk, D("5.00"), 0),
    ]
    with django_assert_num_queries(3):
        balance = customer_balance(customer=customer)
    assert balance == {
        "EUR": {"receivables": D("124.00"), "credit": D("15.00"), "unapplied": D("5.00"), "balance": D("104.00")}
    }


def test_recent_payment_events_take_one_query_however_many(django_assert_num_queries):
    customer = make_customer()
    make_invoice(customer=customer)
    for _ in range(5):
        make_payment(customer=customer, amount="10.00", allocate=True)
    with django_assert_num_queries(1):
        events = recent_payment_events(limit=50)
        labels = [(e.kind, e.payment.customer.legal_name, e.by, e.data.get("invoice")) for e in events]
    assert len(labels) == 10
    assert labels[0][0] == PaymentEvent.Kind.ALLOCATED
    assert recent_payment_events(since=T0) == []
    assert recent_payment_events(since=events[1].pk) == [events[0]]


def test_an_allocation_shows_its_skonto_with_the_vat_correction_per_rate_in_the_api(accountant):
    customer = make_customer()
    lines = [line(quantity="1", unit_price="100.00"), line(quantity="1", unit_price="50.00", vat_rate="7")]
    invoice = make_invoice(customer=customer, terms=skonto_terms(percent="2.00"), lines=lines, gross="119.00")
    payment = make_payment(customer=customer, amount="169.05", value_date=D0 + timedelta(days=10), allocate=True)
    plain = make_payment(customer=customer, amount="1.00")

    body = client_for(accountant).get(f"/api/v1/payments/{payment.pk}/").json()

    (allocation,) = body["allocations"]
    assert allocation["invoice"]["id"] == invoice.pk and allocation["amount"] == "169.05"
    assert allocation["discount"] == {
        "percent": "2.00",
        "amount": "3.45",
        "vat_split": [
            {"vat_category": "S", "vat_rate": "7.00", "gross": "1.07", "net": "1.00", "vat": "0.07"},
            {"vat_category": "S", "vat_rate": "19.00", "gross": "2.38", "net": "2.00", "vat": "0.38"},
        ],
        "reversed_at": None,
    }
    assert client_for(accountant).get(f"/api/v1/payments/{plain.pk}/").json()["allocations"] == []
