"""Sending an account statement on demand: the API route (accountants, Idempotency-Key) and the
customer list's admin action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import OutboxMessage
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401  (fixture)
from payments.tests.factories import make_invoice
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

PAYER = {"name": "Paula Zahl", "email": "zahlung@example.com", "receives_reminders": True}


def url(customer_pk: int) -> str:
    return reverse("v1:customer-statement-send", args=[customer_pk])


def test_an_accountant_sends_the_statement_once_per_idempotency_key(accountant):
    customer = make_customer(contacts=[PAYER])
    make_invoice(customer=customer)
    client = client_for(accountant)

    first = client.post(url(customer.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="statement-1")
    again = client.post(url(customer.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="statement-1")

    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    message = OutboxMessage.objects.get()
    assert message.template == "account_statement" and message.created_by == accountant
    assert message.attachments.get().content_type == "application/pdf"
    assert first["Location"].endswith(reverse("v1:message-detail", args=[message.pk]))


def test_a_period_and_a_language_may_be_given(accountant):
    customer = make_customer(contacts=[PAYER])
    today = timezone.localdate()
    response = client_for(accountant).post(
        url(customer.pk),
        {"period_start": (today - timedelta(days=40)).isoformat(), "period_end": today.isoformat(), "language": "en"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert OutboxMessage.objects.get().subject.startswith("Your account statement")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period_start": "2026-11-30", "period_end": "2026-11-01"}, "period_start"),
        ({"period_end": "2999-01-01"}, "period_end"),
        ({"period_end": "30.11.2026"}, "period_end"),
        ({"language": "xx"}, "language"),
    ],
)
def test_bad_input_answers_400_naming_the_field(accountant, body, field):
    customer = make_customer(contacts=[PAYER])
    response = client_for(accountant).post(url(customer.pk), body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not OutboxMessage.objects.exists()


def test_no_recipient_answers_400_and_an_unknown_customer_404(accountant):
    customer = make_customer(contacts=[])
    client = client_for(accountant)
    assert client.post(url(customer.pk), {}, format="json").status_code == 400
    assert client.post(url(customer.pk + 1000), {}, format="json").status_code == 404


def test_a_viewer_may_not_send(viewer):
    customer = make_customer(contacts=[PAYER])
    assert client_for(viewer).post(url(customer.pk), {}, format="json").status_code == 403
    assert not OutboxMessage.objects.exists()


def test_the_customer_list_action_sends_the_statement(client, accountant):
    sent = make_customer(contacts=[PAYER])
    unreachable = make_customer(contacts=[])
    client.force_login(accountant)
    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "customer_statement_send", "_selected_action": [sent.pk, unreachable.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(OutboxMessage.objects.values_list("customer_id", "template")) == [(sent.pk, "account_statement")]
    shown = [str(m) for m in response.context["messages"]]
    assert any("1" in m for m in shown)
    assert any(unreachable.number in m for m in shown)
