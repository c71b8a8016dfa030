"""The Stripe webhook: the signature (with its tolerance window) is the only way in; an event is
stored once per event id; one payment is recorded once per PaymentIntent whichever events report
it, in whatever order and however often; the payer's invoices are paid first."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from core.models import Event
from invoicing.models import SettlementState
from payments.models import Allocation, AllocationRule, Payment, PaymentChannel, PaymentSource
from providers.models import CheckoutStatus, EventOutcome, ProviderEvent, ProviderPayment, ProviderPaymentStatus

from .conftest import WEBHOOK_SECRET, deliver, make_invoice, start_checkout
from .fake_stripe import intent_object, session_object, signature, stripe_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(fake_stripe, customer):
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="238.00")
    return start_checkout(customer, [first, second])


def completed(checkout, pi="pi_test_0001", **kwargs):
    return stripe_event("checkout.session.completed", session_object(checkout, payment_intent=pi, **kwargs))


def succeeded(checkout, pi="pi_test_0001", **kwargs):
    return stripe_event("payment_intent.succeeded", intent_object(checkout, payment_intent=pi, **kwargs))


# --- Signature ---------------------------------------------------------------------------------


def test_a_correctly_signed_event_is_stored_and_answered_200(checkout):
    response = deliver(completed(checkout))
    assert response.status_code == 200, response.content
    assert ProviderEvent.objects.get().outcome == EventOutcome.PROCESSED


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "tampered body", "expired timestamp", "no header", "garbage header"],
)
def test_a_delivery_that_fails_verification_is_refused_with_400_and_nothing_is_stored(checkout, tamper):
    event = completed(checkout)
    body = json.dumps(event)
    if tamper == "wrong secret":
        response = deliver(event, secret="whsec_someone_else")
    elif tamper == "tampered body":
        header = signature(body, WEBHOOK_SECRET)
        event["data"]["object"]["amount_total"] = 1
        response = deliver(event, header=header)
    elif tamper == "expired timestamp":
        # Beyond the 300 s tolerance: a replay of an old (genuinely signed) delivery.
        response = deliver(event, timestamp=int(time.time()) - 301)
    elif tamper == "no header":
        response = deliver(event, header="")
    else:
        response = deliver(event, header="t=abc,v1=")
    assert response.status_code == 400
    assert response.content  # says why
    assert not ProviderEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_timestamp_within_the_tolerance_is_accepted(checkout):
    assert deliver(completed(checkout), timestamp=int(time.time()) - 290).status_code == 200


def test_during_secret_rotation_any_of_several_v1_signatures_may_match(checkout):
    body = json.dumps(completed(checkout))
    now = int(time.time())
    old = signature(body, "whsec_old_secret", now).split(",")[1]
    current = signature(body, WEBHOOK_SECRET, now).split(",")[1]
    header = f"t={now},{old},{current}"
    response = deliver(json.loads(body), header=header)
    assert response.status_code == 200
    assert Payment.objects.count() == 1


def test_without_a_configured_secret_every_delivery_is_refused(checkout, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = deliver(completed(checkout))
    assert response.status_code == 403
    assert b"STRIPE_WEBHOOK_SECRET" in response.content


def test_an_unknown_event_type_is_stored_and_ignored(checkout):
    response = deliver(stripe_event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    stored = ProviderEvent.objects.get()
    assert (stored.type, stored.outcome) == ("customer.created", EventOutcome.IGNORED)


# --- Idempotency --------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["session first", "intent first"])
def test_both_events_twice_in_either_order_record_one_payment(checkout, order):
    events = [completed(checkout), succeeded(checkout)]
    if order == "intent first":
        events.reverse()
    for event in [*events, *events]:  # each delivered twice (the same event id again)
        assert deliver(event).status_code == 200
    payment = Payment.objects.get()
    assert (payment.channel, payment.source, payment.external_id) == (
        PaymentChannel.CARD,
        PaymentSource.PROVIDER,
        "pi_test_0001",
    )
    assert payment.amount == Decimal("357.00")
    provider_payment = ProviderPayment.objects.get()
    assert provider_payment.payment == payment
    assert provider_payment.status == ProviderPaymentStatus.SUCCEEDED
    assert ProviderEvent.objects.count() == 2  # one row per event id
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert checkout.payment_intent_id == "pi_test_0001"


def test_the_same_event_redelivered_is_answered_as_a_duplicate(checkout):
    event = completed(checkout)
    assert deliver(event).json() == {"received": True, "duplicate": False}
    assert deliver(event).json() == {"received": True, "duplicate": True}


def test_the_payment_pays_the_invoices_the_payer_chose_first_by_rule_payer(checkout, customer):
    other = make_invoice(customer=customer, gross="59.50")  # older debts by law would come first
    deliver(completed(checkout))
    allocations = Allocation.objects.order_by("id")
    assert [(a.invoice.number, a.amount, a.rule) for a in allocations] == [
        (item.invoice.number, item.amount, AllocationRule.PAYER) for item in checkout.items.order_by("id")
    ]
    for item in checkout.items.all():
        item.invoice.refresh_from_db()
        assert item.invoice.settlement_state == SettlementState.PAID
    other.refresh_from_db()
    assert other.open_amount == Decimal("59.50")


def test_no_surcharge_the_checkout_asks_for_exactly_the_open_amount(fake_stripe, checkout):
    posted = fake_stripe.posts("/v1/checkout/sessions")[0]["params"]
    assert posted["line_items[0][price_data][unit_amount]"] == "35700"
    assert posted["metadata[invoices]"] == " ".join(checkout.items.values_list("invoice__number", flat=True))
    assert posted["payment_intent_data[metadata][debitor_reference]"] == str(checkout.reference)


def test_the_events_name_the_provider_as_their_actor(checkout):
    event = completed(checkout)
    deliver(event)
    written = Event.objects.filter(type__in=["payment.recorded", "provider_payment.status_changed"])
    assert written.count() == 2
    assert {(e.actor_kind, e.actor_provider, e.actor_provider_event_id) for e in written} == {
        ("provider", "stripe", event["id"])
    }


def test_a_failed_attempt_then_a_success_on_the_same_intent_records_the_payment(checkout):
    failed = stripe_event(
        "payment_intent.payment_failed",
        intent_object(checkout, payment_intent="pi_test_0001", status="requires_payment_method", error="Declined"),
    )
    deliver(failed)
    provider_payment = ProviderPayment.objects.get()
    assert (provider_payment.status, provider_payment.failure_message) == (ProviderPaymentStatus.FAILED, "Declined")
    assert not Payment.objects.exists()
    deliver(succeeded(checkout))
    provider_payment.refresh_from_db()
    assert provider_payment.status == ProviderPaymentStatus.SUCCEEDED
    assert Payment.objects.count() == 1


def test_an_unpaid_completion_waits_for_the_asynchronous_result(checkout):
    deliver(completed(checkout, payment_status="unpaid"))
    assert not Payment.objects.exists()
    async_ok = stripe_event(
        "checkout.session.async_payment_succeeded", session_object(checkout, payment_intent="pi_test_0001")
    )
    deliver(async_ok)
    assert Payment.objects.count() == 1


def test_an_asynchronous_failure_fails_the_checkout_and_the_payment(checkout):
    event = stripe_event(
        "checkout.session.async_payment_failed",
        session_object(checkout, payment_intent="pi_test_0001", payment_status="unpaid"),
    )
    deliver(event)
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.FAILED
    assert ProviderPayment.objects.get().status == ProviderPaymentStatus.FAILED
    assert not Payment.objects.exists()


def test_an_expired_session_is_marked_expired(checkout):
    obj = session_object(checkout, payment_intent=None, payment_status="unpaid")
    deliver(stripe_event("checkout.session.expired", obj))
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.EXPIRED
    assert not ProviderPayment.objects.exists()


def test_a_payment_whose_session_row_is_missing_is_recorded_from_the_metadata(checkout):
    event = succeeded(checkout)
    numbers = event["data"]["object"]["metadata"]["invoices"]
    event["data"]["object"]["metadata"]["debitor_reference"] = "00000000-0000-0000-0000-000000000000"
    deliver(event)
    payment = Payment.objects.get()
    assert payment.customer_id == checkout.customer_id
    assert payment.remittance == numbers
    assert payment.allocated_amount == Decimal("357.00")


def test_a_refusal_by_our_rules_is_stored_as_needing_attention_with_a_task(checkout, customer):
    from payments.services import payment_record
    from tasks.models import FollowUpTask

    # Someone recorded this card payment by hand with another amount: the webhook cannot agree.
    payment_record(
        customer=customer,
        channel=PaymentChannel.CARD,
        amount=Decimal("1.00"),
        currency="EUR",
        value_date=checkout.created_at.date(),
        as_of=checkout.created_at,
        external_id="pi_test_0001",
        allocate=False,
    )
    response = deliver(completed(checkout))
    assert response.status_code == 200
    stored = ProviderEvent.objects.get()
    assert stored.outcome == EventOutcome.FAILED
    assert "externen ID" in stored.message  # the site's language
    assert FollowUpTask.objects.filter(kind="provider_event_failed").count() == 1
    assert not ProviderPayment.objects.exists()  # what the event did is undone


def test_a_delivery_signed_now_is_refused_once_the_clock_passes_the_tolerance(checkout):
    import time_machine

    event = completed(checkout)
    body = json.dumps(event)
    signed_at = int(time.time())
    header = signature(body, WEBHOOK_SECRET, signed_at)
    with time_machine.travel(signed_at + 301, tick=False):
        assert deliver(event, header=header).status_code == 400
    with time_machine.travel(signed_at + 290, tick=False):
        assert deliver(event, header=header).status_code == 200


def test_an_invoice_paid_meanwhile_lets_the_money_go_by_law_or_stay_unapplied(checkout, customer):
    from payments.services import payment_record

    first, second = [item.invoice for item in checkout.items.order_by("id")]
    # The customer also paid the first invoice by bank transfer before the card payment arrived.
    payment_record(
        customer=customer,
        channel=PaymentChannel.BANK_TRANSFER,
        amount=first.open_amount,
        currency="EUR",
        value_date=checkout.created_at.date(),
        as_of=checkout.created_at,
        remittance=first.number,
    )
    deliver(completed(checkout))
    card = Payment.objects.get(channel=PaymentChannel.CARD)
    second.refresh_from_db()
    assert second.open_amount == Decimal("0.00")
    assert card.allocated_amount + card.unapplied_amount == Decimal("357.00")
    assert card.unapplied_amount == Decimal("119.00")  # nothing else is open: it waits for a decision


def test_the_demo_records_a_card_payment_with_its_fee_without_the_network(customer, settings):
    from django.utils import timezone

    from providers import demo

    settings.STRIPE_SECRET_KEY = ""  # the demo needs no Stripe account
    invoice = make_invoice(customer=customer, gross="119.00")
    demo.load(as_of=timezone.now())
    demo.load(as_of=timezone.now())  # again: nothing more
    provider_payment = ProviderPayment.objects.get()
    assert (provider_payment.card_brand, provider_payment.card_last4) == ("visa", "4242")
    assert provider_payment.fee_amount == Decimal("2.03")  # 1.5 % of 119.00 rounded down + 0.25
    invoice.refresh_from_db()
    assert invoice.settlement_state == SettlementState.PAID


def test_a_signed_event_we_cannot_read_is_kept_for_a_person_not_refused_forever(checkout):
    from tasks.models import FollowUpTask

    event = completed(checkout)
    del event["data"]["object"]["amount_total"]  # not the shape our API version promises
    response = deliver(event)
    assert response.status_code == 200
    stored = ProviderEvent.objects.get()
    assert stored.outcome == EventOutcome.FAILED
    assert "amount_total" in stored.message
    assert FollowUpTask.objects.filter(kind="provider_event_failed").count() == 1
    assert not Payment.objects.exists()
