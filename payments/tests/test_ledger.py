"""The ledger (issue 19): § 367 (1) BGB per named invoice, the payer's other order (§ 367 (2)),
waivers of fees and interest, bad-debt write-offs with the VAT per rate (§ 17 (2) Nr. 1 UStG)
and their reversal when money arrives later."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Event
from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.tests.factories import D0, T0, at, invoicing_setup, line  # noqa: F401
from payments.models import (
    Allocation,
    AllocationRule,
    BadDebtReversal,
    BadDebtWriteOff,
    DesignationStatus,
    OpenItem,
    Payment,
    PaymentDesignation,
    Waiver,
)
from payments.services import (
    bad_debt_write_off,
    bad_debt_write_off_reverse,
    open_item_waive,
    payment_designation_accept,
    payment_designation_record,
    payment_designation_refuse,
)
from payments.services.bad_debts import split_difference
from payments.services.common import vat_split_of
from payments.services.designation import designation_in
from payments.services.errors import PaymentConflict
from tasks.models import FollowUpTask
from tests.conftest import client_for

from .factories import make_invoice, make_open_item, make_payment

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal


def fresh(obj):
    obj.refresh_from_db()
    return obj


def fee_and_interest(customer, invoice, *, fee="5.00", flat="40.00", interest="12.34"):
    """A dunning fee, the flat fee and an interest item arisen from ``invoice``."""
    return (
        make_open_item(customer=customer, kind="dunning_fee", amount=fee, invoice=invoice),
        make_open_item(customer=customer, kind="flat_fee", amount=flat, invoice=invoice),
        make_open_item(customer=customer, kind="default_interest", amount=interest, invoice=invoice),
    )


def targets(payment) -> list[tuple]:
    return [
        (a.item.kind if a.item_id else "invoice", a.amount, a.rule)
        for a in Allocation.objects.filter(payment=payment).order_by("id")
    ]


# --- § 367 (1) per named invoice -------------------------------------------------------------------


def test_a_payment_naming_an_invoice_pays_its_costs_then_its_interest_then_its_principal():
    customer = make_customer()
    invoice = make_invoice(customer=customer)  # 119.00
    fee, flat, interest = fee_and_interest(customer, invoice)
    payment = make_payment(customer=customer, amount="100.00", remittance=f"Zahlung {invoice.number}", allocate=True)
    # 5.00 + 40.00 costs, 12.34 interest, the rest 42.66 to the principal.
    assert targets(payment) == [
        ("dunning_fee", D("5.00"), AllocationRule.PAYER),
        ("flat_fee", D("40.00"), AllocationRule.PAYER),
        ("default_interest", D("12.34"), AllocationRule.PAYER),
        ("invoice", D("42.66"), AllocationRule.PAYER),
    ]
    assert fresh(invoice).open_amount == D("76.34")
    codes = [m["code"] for m in Allocation.objects.get(payment=payment, invoice=invoice).explanation_messages]
    assert codes == ["payments.payer_designated", "payments.law.named_principal"]
    codes = [m["code"] for m in Allocation.objects.get(payment=payment, item=fee).explanation_messages]
    assert codes == ["payments.payer_designated", "payments.law.named_costs"]


def test_a_short_payment_naming_an_invoice_stops_in_its_costs():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee, flat, _interest = fee_and_interest(customer, invoice)
    payment = make_payment(customer=customer, amount="20.00", remittance=invoice.number, allocate=True)
    assert targets(payment) == [("dunning_fee", D("5.00"), "payer"), ("flat_fee", D("15.00"), "payer")]
    assert fresh(invoice).open_amount == D("119.00")
    assert fresh(flat).open_amount == D("25.00")


def test_the_named_invoices_items_come_before_another_invoices_costs():
    customer = make_customer()
    other = make_invoice(customer=customer)
    make_open_item(customer=customer, kind="dunning_fee", amount="5.00", invoice=other)
    named = make_invoice(customer=customer)
    make_open_item(customer=customer, kind="default_interest", amount="1.00", invoice=named)
    payment = make_payment(customer=customer, amount="120.00", remittance=named.number, allocate=True)
    assert targets(payment) == [("default_interest", D("1.00"), "payer"), ("invoice", D("119.00"), "payer")]
    assert fresh(other).open_amount == D("119.00")


def test_an_invoice_whose_principal_is_paid_is_still_named_for_its_fees():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00", invoice=invoice)
    payment = make_payment(customer=customer, amount="5.00", remittance=f"Mahngebühr {invoice.number}", allocate=True)
    assert targets(payment) == [("dunning_fee", D("5.00"), "payer")]
    assert fresh(fee).open_amount == 0


# --- § 367 (2): the payer's own order ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("RE-1 nur Hauptforderung", "principal_only"),
        ("Zahlung ohne Zinsen und Mahngebühren", "principal_only"),
        ("ohne Mahngebuehren", "principal_only"),
        ("keine Verzugszinsen", "principal_only"),
        ("nicht auf die Mahngebühren", "principal_only"),
        ("nur den Rechnungsbetrag", "principal_only"),
        ("Invoice 12 principal only", "principal_only"),
        ("payment excluding late fees", "principal_only"),
        ("zuerst auf die Hauptforderung", "principal_first"),
    ],
)
def test_a_remittance_restricting_the_payment_is_recognised(text, order):
    assert designation_in(text)[0] == order


@pytest.mark.parametrize(
    "text", ["RE-2024-0001", "inkl. Zinsen und Mahngebühren", "Zahlung Rechnung 17 danke", "Kostenstelle 4711", ""]
)
def test_an_ordinary_remittance_designates_nothing(text):
    assert designation_in(text) is None


def test_another_order_designated_is_recorded_left_unapplied_and_put_to_a_person():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee_and_interest(customer, invoice)
    payment = make_payment(
        customer=customer, amount="119.00", remittance=f"{invoice.number} nur Hauptforderung", allocate=True
    )
    payment = fresh(payment)
    assert (payment.allocated_amount, payment.unapplied_amount) == (0, D("119.00"))
    designation = PaymentDesignation.objects.get(payment=payment)
    assert (designation.order, designation.source, designation.status) == ("principal_only", "remittance", "pending")
    assert list(designation.invoices.all()) == [invoice]
    assert Event.objects.filter(type="payment_designation.recorded", object_id=str(payment.pk)).count() == 1
    task = FollowUpTask.objects.get(kind="payment_designation")
    assert task.created_by_rule == "bgb-367-2-designation"


def test_a_designation_without_costs_or_interest_makes_no_difference_and_is_applied():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="119.00", remittance=f"{invoice.number} ohne Zinsen", allocate=True)
    assert fresh(invoice).open_amount == 0
    assert not PaymentDesignation.objects.exists()


def test_accepting_the_designation_applies_the_principal_only(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee, _flat, _interest = fee_and_interest(customer, invoice)
    payment = make_payment(
        customer=customer, amount="130.00", remittance=f"{invoice.number} ohne Kosten", allocate=True
    )
    designation = payment_designation_accept(designation=payment.designation, as_of=T0, by=manager)
    assert designation.status == DesignationStatus.ACCEPTED
    assert targets(payment) == [("invoice", D("119.00"), "payer")]
    assert fresh(payment).unapplied_amount == D("11.00")
    assert fresh(fee).open_amount == D("5.00")
    assert FollowUpTask.objects.get(kind="payment_designation").closed_at is not None
    with pytest.raises(PaymentConflict):
        payment_designation_accept(designation=designation, as_of=T0, by=manager)


def test_principal_first_then_pays_interest_and_costs(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee_and_interest(customer, invoice)
    payment = make_payment(customer=customer, amount="130.00", remittance=f"{invoice.number}", allocate=False)
    payment_designation_record(payment=payment, order="principal_first", invoices=[invoice], as_of=T0, by=manager)
    payment_designation_accept(designation=fresh(payment).designation, as_of=T0, by=manager)
    assert targets(payment) == [
        ("invoice", D("119.00"), "payer"),
        ("default_interest", D("11.00"), "payer"),
    ]


def test_refusing_the_payment_turns_it_into_credit_to_pay_back(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee_and_interest(customer, invoice)
    payment = make_payment(
        customer=customer, amount="119.00", remittance=f"{invoice.number} nur Hauptforderung", allocate=True
    )
    with pytest.raises(ValidationError) as refused:
        payment_designation_refuse(designation=payment.designation, reason=" ", as_of=T0, by=manager)
    assert "reason" in refused.value.message_dict
    payment_designation_refuse(designation=payment.designation, reason="§ 367 (2) BGB", as_of=T0, by=manager)
    payment = fresh(payment)
    assert (payment.unapplied_amount, payment.credit_amount, payment.allocated_amount) == (0, D("119.00"), 0)
    assert fresh(invoice).open_amount == D("119.00")


def test_only_finance_managers_decide_on_a_designation(accountant):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee_and_interest(customer, invoice)
    payment = make_payment(
        customer=customer, amount="119.00", remittance=f"{invoice.number} ohne Zinsen", allocate=True
    )
    with pytest.raises(ValidationError) as refused:
        payment_designation_accept(designation=payment.designation, as_of=T0, by=accountant)
    assert "by" in refused.value.message_dict
    assert fresh(payment.designation).status == "pending"


# --- Waivers ------------------------------------------------------------------------------------------


def test_a_finance_manager_waives_the_rest_of_a_partly_paid_fee(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00", invoice=invoice)
    make_payment(customer=customer, amount="2.00", remittance=invoice.number, allocate=True)
    waiver = open_item_waive(item=fee, reason="Kulanz", as_of=T0, by=manager)
    assert (waiver.amount, waiver.reason, waiver.created_by) == (D("3.00"), "Kulanz", manager)
    assert fresh(fee).open_amount == 0
    assert Allocation.objects.get(item=fee).amount == D("2.00")  # what was paid stays paid
    assert Event.objects.filter(type="open_item.waived", object_id=str(fee.pk)).count() == 1


def test_a_waiver_needs_a_reason_a_finance_manager_and_something_open(manager, accountant):
    customer = make_customer()
    fee = make_open_item(customer=customer, kind="default_interest", amount="5.00")
    for kwargs, field in (({"reason": "", "by": manager}, "reason"), ({"reason": "x", "by": accountant}, "by")):
        with pytest.raises(ValidationError) as refused:
            open_item_waive(item=fee, as_of=T0, **kwargs)
        assert field in refused.value.message_dict
    open_item_waive(item=fee, reason="x", as_of=T0, by=manager)
    with pytest.raises(ValidationError) as refused:
        open_item_waive(item=fee, reason="x", as_of=T0, by=manager)
    assert "item" in refused.value.message_dict
    assert Waiver.objects.count() == 1


# --- Bad-debt write-offs ------------------------------------------------------------------------------


def two_rate_invoice(customer):
    lines = [line(quantity="1", unit_price="100.00"), line(quantity="1", unit_price="50.00", vat_rate="7")]
    return make_invoice(customer=customer, lines=lines)  # 119.00 + 53.50 = 172.50


def test_a_bad_debt_is_written_off_with_the_vat_corrected_per_rate(manager):
    customer = make_customer()
    invoice = two_rate_invoice(customer)
    make_payment(customer=customer, amount="72.50", remittance=invoice.number, allocate=True)
    interest = make_open_item(customer=customer, kind="default_interest", amount="3.00", invoice=invoice)
    evidence = SimpleUploadedFile("Insolvenz=bekanntmachung.pdf", b"%PDF-1.7 court notice")
    record = bad_debt_write_off(
        invoice=invoice, reason="insolvency", note="AG Charlottenburg", evidence=evidence, as_of=T0, by=manager
    )
    assert record.amount == D("100.00")
    by_rate = {row["vat_rate"]: row for row in record.vat_split}
    # 100.00 in proportion 119.00 : 53.50 → 68.99 at 19 %, 31.01 at 7 %.
    assert by_rate["19.00"] == {
        "vat_category": "S",
        "vat_rate": "19.00",
        "gross": "68.99",
        "net": "57.97",
        "vat": "11.02",
    }
    assert by_rate["7.00"] == {"vat_category": "S", "vat_rate": "7.00", "gross": "31.01", "net": "28.98", "vat": "2.03"}
    assert len(record.evidence_sha256) == 64 and record.evidence_name.startswith("bad-debt-evidence/")
    assert fresh(invoice).open_amount == 0
    assert fresh(interest).open_amount == 0
    assert Waiver.objects.get(item=interest).bad_debt == record
    assert Event.objects.filter(type="bad_debt.written_off").count() == 1


def test_a_bad_debt_write_off_is_refused_for_non_managers_and_bad_input(manager, accountant):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    for kwargs, field in (
        ({"reason": "insolvency", "by": accountant}, "by"),
        ({"reason": "bored", "by": manager}, "reason"),
    ):
        with pytest.raises(ValidationError) as refused:
            bad_debt_write_off(invoice=invoice, as_of=T0, **kwargs)
        assert field in refused.value.message_dict
    bad_debt_write_off(invoice=invoice, reason="uneconomic", as_of=T0, by=manager)
    with pytest.raises(ValidationError) as refused:
        bad_debt_write_off(invoice=invoice, reason="uneconomic", as_of=T0, by=manager)
    assert "invoice" in refused.value.message_dict
    assert BadDebtWriteOff.objects.count() == 1


def test_money_arriving_for_a_written_off_invoice_reverses_the_write_off_and_is_allocated(manager):
    customer = make_customer()
    invoice = two_rate_invoice(customer)
    record = bad_debt_write_off(invoice=invoice, reason="collection_failed", as_of=T0, by=manager)
    payment = make_payment(customer=customer, amount="72.50", remittance=f"Quote {invoice.number}", allocate=True)
    record = fresh(record)
    assert record.reversed_amount == D("72.50")
    reversal = BadDebtReversal.objects.get(write_off=record)
    assert (reversal.payment, reversal.amount) == (payment, D("72.50"))
    assert sum(D(row["gross"]) for row in reversal.vat_split) == D("72.50")
    assert targets(payment) == [("invoice", D("72.50"), "payer")]
    assert fresh(invoice).open_amount == D("0.00")
    # The rest arrives by a person's "money arrived" action: the last reversal completes the split.
    second = make_payment(customer=customer, amount="100.00")
    bad_debt_write_off_reverse(
        write_off=record, amount=D("100.00"), payment=second, reason="Quote", as_of=T0, by=manager
    )
    assert fresh(record).reversed_amount == D("172.50")
    for rate in ("19.00", "7.00"):
        original = next(row for row in record.vat_split if row["vat_rate"] == rate)
        for key in ("gross", "net", "vat"):
            total = sum(D(r[key]) for rev in record.reversals.all() for r in rev.vat_split if r["vat_rate"] == rate)
            assert total == D(original[key])
    assert fresh(second).allocated_amount == D("100.00")
    assert fresh(invoice).open_amount == 0


def test_a_reversal_never_exceeds_what_the_write_off_holds(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    record = bad_debt_write_off(invoice=invoice, reason="uneconomic", as_of=T0, by=manager)
    with pytest.raises(ValidationError) as refused:
        bad_debt_write_off_reverse(write_off=record, amount=D("119.01"), reason="x", as_of=T0, by=manager)
    assert "amount" in refused.value.message_dict
    payment = make_payment(customer=customer, amount="200.00", remittance=invoice.number, allocate=True)
    assert fresh(record).reversed_amount == D("119.00")
    assert fresh(payment).unapplied_amount == D("81.00")
    assert Invoice.objects.get(pk=invoice.pk).open_amount == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10_000_000),
            st.sampled_from([D("0"), D("7"), D("19"), D("5.5"), D("20")]),
        ),
        min_size=1,
        max_size=5,
    ),
    cents=st.integers(min_value=1, max_value=10_000_000),
    cuts=st.lists(st.integers(min_value=1, max_value=99), max_size=4),
)
def test_the_vat_split_sums_exactly_and_partial_reversals_add_up_to_it(rows, cents, cuts):
    class Row:
        def __init__(self, taxable, rate):
            self.vat_category, self.vat_rate = ("S" if rate else "Z"), rate
            self.taxable_amount = D(taxable) / 100
            self.tax_amount = (self.taxable_amount * rate / 100).quantize(D("0.01"))

    breakdown = [Row(t, r) for t, r in rows]
    amount = D(cents) / 100
    split = vat_split_of(breakdown, amount, currency="EUR")
    assert sum(D(r["gross"]) for r in split) == amount
    assert all(D(r["net"]) + D(r["vat"]) == D(r["gross"]) for r in split)
    # Partial reversals (bad_debts.split_difference): each sums to its amount, net + VAT = gross
    # per rate, and together they give back the write-off's split rate by rate.
    points = sorted({(amount * c / 100).quantize(D("0.01")) for c in cuts} - {D("0.00"), amount}) + [amount]
    totals = {key: [D("0")] * len(split) for key in ("gross", "net", "vat")}
    before = D("0")
    for after in points:
        part = split_difference(breakdown, currency="EUR", whole=amount, whole_split=split, before=before, after=after)
        assert sum(D(r["gross"]) for r in part) == after - before
        assert all(D(r["net"]) + D(r["vat"]) == D(r["gross"]) for r in part)
        for key, column in totals.items():
            for index, row in enumerate(part):
                column[index] += D(row[key])
        before = after
    for key, column in totals.items():
        assert column == [D(r[key]) for r in split]


def test_nothing_is_half_saved_when_the_write_off_is_refused(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    counts = (BadDebtWriteOff.objects.count(), Event.objects.count(), OpenItem.objects.count(), Payment.objects.count())
    with pytest.raises(ValidationError):
        bad_debt_write_off(invoice=invoice, reason="insolvency", as_of=T0, by=manager)
    assert counts == (
        BadDebtWriteOff.objects.count(),
        Event.objects.count(),
        OpenItem.objects.count(),
        Payment.objects.count(),
    )


# --- API and admin ------------------------------------------------------------------------------------


def test_the_api_waives_an_open_item_for_finance_managers_only(manager, accountant):
    customer = make_customer()
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")
    url = f"/api/v1/open-items/{fee.pk}/waive/"
    assert client_for(accountant).post(url, {"reason": "Kulanz"}, format="json").status_code == 403
    assert client_for(manager).post(url, {"reason": ""}, format="json").status_code == 400
    response = client_for(manager).post(url, {"reason": "Kulanz"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["amount"], response.json()["item"]["open_amount"]) == ("5.00", "0.00")
    assert client_for(manager).post(url, {"reason": "again"}, format="json").status_code == 400


def test_the_api_writes_off_a_bad_debt_lists_and_reverses_it(manager, accountant):
    customer = make_customer()
    invoice = two_rate_invoice(customer)
    data = {"invoice": invoice.pk, "reason": "insolvency", "note": "AG Köln 12 IN 3/26"}
    assert client_for(accountant).post("/api/v1/bad-debt-write-offs/", data, format="json").status_code == 403
    bad = client_for(manager).post("/api/v1/bad-debt-write-offs/", {**data, "reason": "nope"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.content.decode()
    evidence = SimpleUploadedFile("notice.pdf", b"%PDF-1.7 notice", content_type="application/pdf")
    created = client_for(manager).post("/api/v1/bad-debt-write-offs/", {**data, "evidence": evidence})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "172.50" and body["has_evidence"] is True
    assert sum(D(row["gross"]) for row in body["vat_split"]) == D("172.50")
    listed = client_for(accountant).get("/api/v1/bad-debt-write-offs/", {"customer": customer.pk})
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    url = f"/api/v1/bad-debt-write-offs/{body['id']}/reverse/"
    too_much = client_for(manager).post(url, {"amount": "200.00", "reason": "Quote"}, format="json")
    assert too_much.status_code == 400
    reversed_ = client_for(manager).post(url, {"amount": "50.00", "reason": "Quote"}, format="json")
    assert reversed_.status_code == 200, reversed_.content
    assert reversed_.json()["reversed_amount"] == "50.00"
    assert fresh(invoice).open_amount == D("50.00")


def test_the_api_decides_a_payers_designation(manager):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    fee_and_interest(customer, invoice)
    payment = make_payment(
        customer=customer, amount="119.00", remittance=f"{invoice.number} ohne Zinsen", allocate=True
    )
    client = client_for(manager)
    pending = client.get("/api/v1/payment-designations/", {"status": "pending"}).json()["results"]
    assert [(row["payment"], row["order"]) for row in pending] == [(payment.pk, "principal_only")]
    url = f"/api/v1/payment-designations/{pending[0]['id']}/"
    assert client.post(url + "refuse/", {"reason": ""}, format="json").status_code == 400
    accepted = client.post(url + "accept/", format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert client.post(url + "accept/", format="json").status_code == 409
    assert fresh(invoice).open_amount == 0


def test_the_admin_waives_selected_items_with_a_reason(manager):
    from django.test import Client

    customer = make_customer()
    fee = make_open_item(customer=customer, kind="dunning_fee", amount="5.00")
    client = Client()
    client.force_login(manager)
    url = "/admin/payments/openitem/"
    asked = client.post(url, {"action": "waive_items", "_selected_action": [fee.pk]})
    assert asked.status_code == 200 and b"confirm" in asked.content
    assert fresh(fee).open_amount == D("5.00")
    done = client.post(url, {"action": "waive_items", "_selected_action": [fee.pk], "confirm": "1", "reason": "Kulanz"})
    assert done.status_code == 302
    assert fresh(fee).open_amount == 0 and Waiver.objects.get(item=fee).reason == "Kulanz"


def test_the_admin_writes_off_a_bad_debt_for_finance_managers(manager, accountant):
    from django.test import Client

    customer = make_customer()
    invoice = make_invoice(customer=customer)
    url = f"/admin/payments/baddebtwriteoff/write-off/{invoice.pk}/"
    client = Client()
    client.force_login(accountant)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "uneconomic", "note": "Kleinbetrag"})
    assert response.status_code == 302
    record = BadDebtWriteOff.objects.get(invoice=invoice)
    assert client.get(f"/admin/payments/baddebtwriteoff/{record.pk}/change/").status_code == 200
    back = client.post(f"/admin/payments/baddebtwriteoff/{record.pk}/reverse/", {"amount": "19.00", "reason": "Rate"})
    assert back.status_code == 302
    assert fresh(record).reversed_amount == D("19.00")


def test_the_bad_debt_list_costs_the_same_queries_for_one_or_many(manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = make_customer()
    client = client_for(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/bad-debt-write-offs/").status_code == 200
        return len(captured)

    first = make_invoice(customer=customer)
    record = bad_debt_write_off(invoice=first, reason="uneconomic", as_of=T0, by=manager)
    bad_debt_write_off_reverse(write_off=record, amount=D("1.00"), reason="Rate", as_of=T0, by=manager)
    one = queries()
    for _ in range(3):
        invoice = make_invoice(customer=customer)
        record = bad_debt_write_off(invoice=invoice, reason="insolvency", as_of=T0, by=manager)
        bad_debt_write_off_reverse(write_off=record, amount=D("1.00"), reason="Rate", as_of=T0, by=manager)
    assert queries() == one
