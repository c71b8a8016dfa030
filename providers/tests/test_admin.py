"""The admin of card payments: read-only pages that read as German, never more of a card than its
last four digits, and the refund page that goes through the provider."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from providers.models import CheckoutSession, ProviderEvent, ProviderPayment, ProviderRefund
from tests.support.page_reading import page_text_problems, visible_text

from .conftest import deliver, make_invoice, start_checkout
from .fake_stripe import charge_object, session_object, stripe_event

pytestmark = pytest.mark.django_db
PI = "pi_test_admin"


@pytest.fixture
def paid(fake_stripe, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    checkout = start_checkout(customer, [invoice])
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent=PI)))
    deliver(stripe_event("charge.succeeded", charge_object(PI, amount="119.00", brand="visa", last4="4242")))
    return ProviderPayment.objects.get()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_of_card_payments_reads_as_german(paid, manager):
    client = browser(manager)
    urls = [reverse("admin:providers_providerpayment_refund", args=[paid.pk])]
    for model in (ProviderPayment, CheckoutSession, ProviderEvent):
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[model.objects.order_by("pk").first().pk]))
    for url in urls:
        response = client.get(url, headers={"accept-language": "de"})
        assert response.status_code == 200, url
        assert page_text_problems(visible_text(response.content.decode())) == [], url


def test_the_list_shows_the_card_by_brand_and_last_four_digits_only(paid, manager):
    page = browser(manager).get(reverse("admin:providers_providerpayment_changelist")).content.decode()
    assert "VISA •••• 4242" in page
    assert "119,00" in page


def test_a_refund_from_the_admin_goes_through_the_provider(paid, accountant, fake_stripe):
    url = reverse("admin:providers_providerpayment_refund", args=[paid.pk])
    response = browser(accountant).post(url, {"amount": "19,00", "reason": "Kulanz"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(fake_stripe.posts("/v1/refunds")) == 1
    refund = ProviderRefund.objects.get()
    assert (refund.amount, refund.reason, refund.created_by) == (Decimal("19.00"), "Kulanz", accountant)


def test_a_refund_over_the_payment_stays_on_the_page_with_the_reason(paid, accountant, fake_stripe):
    url = reverse("admin:providers_providerpayment_refund", args=[paid.pk])
    response = browser(accountant).post(url, {"amount": "500,00", "reason": ""})
    assert response.status_code == 200
    assert "übersteigt" in response.content.decode()
    assert not fake_stripe.posts("/v1/refunds")


def test_a_finance_viewer_cannot_refund(paid, viewer):
    url = reverse("admin:providers_providerpayment_refund", args=[paid.pk])
    assert browser(viewer).post(url, {"amount": "1,00"}).status_code == 403
