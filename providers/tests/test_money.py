"""Refunds, disputes and fees of card payments: through the provider (outbound HTTP faked), booked
through the payments services, confirmed by the webhooks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Job
from invoicing.models import SettlementState
from payments.models import Payment, PaymentStatus
from providers.jobs import fee_fetch
from providers.models import (
    DisputeStatus,
    ProviderDispute,
    ProviderPayment,
    ProviderPaymentStatus,
    ProviderRefund,
    RefundStatus,
)
from providers.services import provider_refund_create
from tasks.models import FollowUpTask

from .conftest import T0, deliver, make_invoice, start_checkout
from .fake_stripe import charge_object, dispute_object, refund_object, session_object, stripe_event

pytestmark = pytest.mark.django_db
PI = "pi_test_0042"


@pytest.fixture
def paid(fake_stripe, customer):
    """A checkout for two invoices (119 € and 238 €), paid by card."""
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="238.00")
    checkout = start_checkout(customer, [first, second])
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent=PI)))
    return ProviderPayment.objects.get(payment_intent_id=PI), first, second


def refresh(*objects):
    for obj in objects:
        obj.refresh_from_db()


# --- Refunds ------------------------------------------------------------------------------------


def test_a_refund_goes_to_stripe_with_an_idempotency_key_and_reopens_the_latest_invoice(paid, fake_stripe):
    provider_payment, first, second = paid
    payment = provider_payment.payment
    refund = provider_refund_create(payment=payment, amount=Decimal("100.00"), as_of=T0, reason="goodwill")
    posted = fake_stripe.posts("/v1/refunds")
    assert len(posted) == 1
    assert posted[0]["params"]["amount"] == "10000"
    assert posted[0]["params"]["payment_intent"] == PI
    assert posted[0]["headers"]["Idempotency-Key"].startswith("refund-")
    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, Decimal("100.00"))
    refresh(payment, first, second)
    assert payment.refunded_amount == Decimal("100.00")
    # The latest allocation (the second invoice) gave way: that invoice is open by the refund only.
    assert second.open_amount == Decimal("100.00")
    assert second.settlement_state == SettlementState.PARTIALLY_PAID
    assert first.settlement_state == SettlementState.PAID
    assert (payment.allocated_amount, payment.credit_amount, payment.unapplied_amount) == (
        Decimal("257.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert refund.booked_refund.reference == refund.refund_id


def test_a_full_refund_makes_the_payment_refunded_and_all_invoices_open(paid):
    provider_payment, first, second = paid
    provider_refund_create(payment=provider_payment.payment, amount=Decimal("357.00"), as_of=T0)
    payment = Payment.objects.get(pk=provider_payment.payment_id)
    refresh(first, second)
    assert payment.status == PaymentStatus.REFUNDED
    assert (first.open_amount, second.open_amount) == (Decimal("119.00"), Decimal("238.00"))


def test_the_refund_webhook_for_a_refund_we_made_does_not_book_it_twice(paid):
    provider_payment, _first, _second = paid
    refund = provider_refund_create(payment=provider_payment.payment, amount=Decimal("50.00"), as_of=T0)
    obj = refund_object(PI, refund_id=refund.refund_id, amount="50.00")
    for kind in ("refund.created", "refund.updated", "refund.created"):
        assert deliver(stripe_event(kind, obj)).status_code == 200
    payment = Payment.objects.get(pk=provider_payment.payment_id)
    assert payment.refunded_amount == Decimal("50.00")
    assert ProviderRefund.objects.count() == 1


def test_a_refund_made_in_the_stripe_dashboard_is_booked_from_the_webhook(paid):
    provider_payment, _first, _second = paid
    deliver(stripe_event("refund.created", refund_object(PI, refund_id="re_dashboard_1", amount="19.00")))
    payment = Payment.objects.get(pk=provider_payment.payment_id)
    assert payment.refunded_amount == Decimal("19.00")
    assert ProviderRefund.objects.get().booked_refund.amount == Decimal("19.00")


def test_a_refund_that_fails_later_opens_a_task_and_stays_booked(paid):
    provider_payment, _first, _second = paid
    refund = provider_refund_create(payment=provider_payment.payment, amount=Decimal("50.00"), as_of=T0)
    deliver(
        stripe_event("refund.failed", refund_object(PI, refund_id=refund.refund_id, amount="50.00", status="failed"))
    )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert FollowUpTask.objects.filter(kind="card_refund_failed").count() == 1


@pytest.mark.parametrize(
    ("amount", "field"),
    [(Decimal("357.01"), "amount"), (Decimal("0"), "amount"), (Decimal("1.001"), "amount")],
)
def test_a_refund_over_the_payment_or_malformed_is_refused_and_nothing_is_sent(paid, fake_stripe, amount, field):
    provider_payment, _first, _second = paid
    with pytest.raises(ValidationError) as refused:
        provider_refund_create(payment=provider_payment.payment, amount=amount, as_of=T0)
    assert field in refused.value.message_dict
    assert not fake_stripe.posts("/v1/refunds")
    assert not ProviderRefund.objects.exists()


def test_a_refund_stripe_refuses_is_refused_and_nothing_is_booked(paid, fake_stripe):
    provider_payment, first, second = paid
    fake_stripe.refund_error = "Charge has already been refunded."
    with pytest.raises(ValidationError) as refused:
        provider_refund_create(payment=provider_payment.payment, amount=Decimal("357.00"), as_of=T0)
    assert "already been refunded" in refused.value.message_dict["amount"][0]
    payment = Payment.objects.get(pk=provider_payment.payment_id)
    assert (payment.refunded_amount, payment.allocated_amount) == (Decimal("0"), Decimal("357.00"))
    assert not ProviderRefund.objects.exists()


def test_a_payment_that_did_not_come_through_a_provider_cannot_be_refunded_to_a_card(customer):
    from payments.tests.factories import make_payment

    payment = make_payment(customer=customer, amount="10.00")
    with pytest.raises(ValidationError) as refused:
        provider_refund_create(payment=payment, amount=Decimal("1.00"), as_of=T0)
    assert "payment" in refused.value.message_dict


# --- Disputes -----------------------------------------------------------------------------------


def dispute(status: str, amount: str = "357.00", dispute_id: str = "du_test_1", kind="charge.dispute.created"):
    return stripe_event(kind, dispute_object(PI, dispute_id=dispute_id, amount=amount, status=status))


def test_a_chargeback_returns_the_payment_reopens_the_invoices_and_opens_a_task(paid):
    provider_payment, first, second = paid
    assert deliver(dispute("needs_response")).status_code == 200
    provider_payment.refresh_from_db()
    payment = provider_payment.payment
    refresh(payment, first, second)
    assert provider_payment.status == ProviderPaymentStatus.DISPUTED
    assert payment.status == PaymentStatus.RETURNED
    assert (first.open_amount, second.open_amount) == (Decimal("119.00"), Decimal("238.00"))
    task = FollowUpTask.objects.get(kind="card_dispute")
    assert task.customer_id == payment.customer_id


def test_a_chargeback_delivered_twice_returns_the_payment_once(paid):
    event = dispute("needs_response")
    deliver(event)
    deliver(event)
    deliver(dispute("needs_response", kind="charge.dispute.funds_withdrawn"))
    assert ProviderDispute.objects.count() == 1
    assert FollowUpTask.objects.filter(kind="card_dispute").count() == 1


def test_a_won_dispute_records_the_reinstated_money_as_a_new_payment_for_the_same_invoices(paid):
    provider_payment, first, second = paid
    deliver(dispute("needs_response"))
    deliver(dispute("won", kind="charge.dispute.closed"))
    provider_payment.refresh_from_db()
    assert provider_payment.status == ProviderPaymentStatus.SUCCEEDED
    record = ProviderDispute.objects.get()
    assert record.status == DisputeStatus.WON
    reinstated = record.reinstated_payment
    assert (reinstated.amount, reinstated.external_id) == (Decimal("357.00"), "du_test_1")
    refresh(first, second)
    assert (first.open_amount, second.open_amount) == (Decimal("0.00"), Decimal("0.00"))
    assert not FollowUpTask.objects.filter(kind="card_dispute", status="open").exists()


def test_a_lost_dispute_leaves_the_payment_returned_and_closes_the_task(paid):
    provider_payment, first, _second = paid
    deliver(dispute("needs_response"))
    deliver(dispute("lost", kind="charge.dispute.closed"))
    provider_payment.refresh_from_db()
    assert provider_payment.status == ProviderPaymentStatus.DISPUTE_LOST
    assert provider_payment.payment.status == PaymentStatus.RETURNED
    first.refresh_from_db()
    assert first.open_amount == Decimal("119.00")
    assert not FollowUpTask.objects.filter(kind="card_dispute", status="open").exists()


def test_an_inquiry_moves_no_money_but_asks_for_a_response(paid):
    provider_payment, first, _second = paid
    deliver(dispute("warning_needs_response"))
    provider_payment.refresh_from_db()
    assert provider_payment.status == ProviderPaymentStatus.SUCCEEDED
    assert provider_payment.payment.status == PaymentStatus.COMPLETED
    assert FollowUpTask.objects.filter(kind="card_dispute").count() == 1


def test_a_partial_chargeback_is_not_returned_automatically_but_asks_a_person(paid):
    provider_payment, _first, _second = paid
    deliver(dispute("needs_response", amount="100.00"))
    provider_payment.refresh_from_db()
    assert provider_payment.payment.status == PaymentStatus.COMPLETED
    assert "teilweise" in FollowUpTask.objects.get(kind="card_dispute").title


# --- Card details and fees --------------------------------------------------------------------


def test_the_charge_gives_brand_and_last_four_digits_and_a_job_fetches_the_fee(paid, fake_stripe):
    provider_payment, _first, _second = paid
    fake_stripe.balance_transactions["txn_test_1"] = {
        "id": "txn_test_1",
        "object": "balance_transaction",
        "amount": 35700,
        "fee": 561,
        "net": 35139,
        "currency": "eur",
    }
    obj = charge_object(PI, amount="357.00", brand="mastercard", last4="4444", balance_transaction="txn_test_1")
    deliver(stripe_event("charge.succeeded", obj))
    provider_payment.refresh_from_db()
    assert (provider_payment.card_brand, provider_payment.card_last4) == ("mastercard", "4444")
    assert provider_payment.fee_amount is None  # not in the payload: no Stripe call inside the webhook
    assert not [r for r in fake_stripe.requests if "balance_transactions" in r["path"]]
    job = Job.objects.get(kind="providers.fee_fetch")
    fee_fetch(**job.payload)
    fee_fetch(**job.payload)  # a second delivery of the job changes nothing
    provider_payment.refresh_from_db()
    assert (provider_payment.fee_amount, provider_payment.net_amount) == (Decimal("5.61"), Decimal("351.39"))
    assert len([r for r in fake_stripe.requests if "balance_transactions" in r["path"]]) == 1
    # The fee is our cost: the payment and what it paid are unchanged.
    assert provider_payment.payment.amount == Decimal("357.00")


def test_an_expanded_balance_transaction_records_the_fee_at_once(paid):
    provider_payment, _first, _second = paid
    obj = charge_object(PI, amount="357.00")
    obj["balance_transaction"] = {
        "id": "txn_2",
        "object": "balance_transaction",
        "fee": 561,
        "net": 35139,
        "currency": "eur",
    }
    deliver(stripe_event("charge.succeeded", obj))
    provider_payment.refresh_from_db()
    assert provider_payment.fee_amount == Decimal("5.61")
    assert not Job.objects.filter(kind="providers.fee_fetch").exists()


def test_a_charge_reported_before_the_payment_keeps_its_card_details(fake_stripe, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    checkout = start_checkout(customer, [invoice])
    deliver(stripe_event("charge.succeeded", charge_object(PI, amount="119.00")))
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent=PI)))
    provider_payment = ProviderPayment.objects.get()
    assert (provider_payment.card_last4, provider_payment.status) == ("4242", ProviderPaymentStatus.SUCCEEDED)
    assert provider_payment.payment.amount == Decimal("119.00")
