"""Requests that are well-formed but conflict with what changed meanwhile answer 409 problem
details (and a clear message in the admin): a second return of the same payment, and accepting a
suggestion whose amounts another payment made stale (with the current open amounts and a fresh
suggestion)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.bank.debits import line_link_return
from payments.models import BankLineMatch, Payment, PaymentEvent
from payments.services import payment_return
from payments.services.errors import PaymentAlreadyReturned
from tests.conftest import client_for

from .factories import make_invoice, make_payment
from .test_bank_import import problem_of
from .test_bank_matching import bank_line
from .test_bank_review import LINES, QUEUE, to_review

pytestmark = pytest.mark.usefixtures("invoicing_setup")

PAYMENTS = "/api/v1/payments/"


# --- a second return --------------------------------------------------------------------------------


def test_a_second_return_of_a_payment_through_the_api_is_a_409_naming_the_first(accountant):
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    client = client_for(accountant)
    body = {"reason": "Rücklastschrift", "return_code": "MD06"}

    def post():
        return client.post(f"{PAYMENTS}{payment.pk}/return/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert post().status_code == 200
    again = problem_of(post(), 409)

    assert again["type"].endswith("/payment-already-returned")
    assert again["detail"].startswith("This payment was already returned on ")
    assert "only once" in again["detail"]
    assert payment.events.filter(kind=PaymentEvent.Kind.RETURNED).count() == 1


def test_the_service_refuses_a_second_return_as_a_conflict_that_forms_still_show():
    customer = make_customer()
    payment = make_payment(customer=customer, amount="50.00")
    payment_return(payment=payment, as_of=T0, reason="returned")

    with pytest.raises(PaymentAlreadyReturned) as refused:
        payment_return(payment=payment, as_of=T0, reason="returned again")

    # Still a ValidationError naming the payment: admin forms show it beside the field.
    assert list(refused.value.message_dict) == ["payment"]


def test_linking_a_return_line_to_a_payment_returned_already_is_a_409(accountant):
    customer = make_customer()
    payment = make_payment(customer=customer, amount="59.50")
    payment_return(payment=payment, as_of=T0, reason="returned by hand")
    line = bank_line(amount="59.50", credit=False, kind="return", return_reason="MD06")

    with pytest.raises(PaymentAlreadyReturned):
        line_link_return(line=line, payment=payment, as_of=T0, by=accountant)
    answer = problem_of(
        client_for(accountant).post(
            f"{LINES}{line.pk}/link-return/", {"payment": payment.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        ),
        409,
    )

    assert answer["type"].endswith("/payment-already-returned")
    assert "already returned" in answer["detail"]


# --- a stale suggestion -----------------------------------------------------------------------------


def _partly_paid_meanwhile(invoice, amount: str) -> None:
    make_payment(customer=invoice.customer, amount=amount, remittance=invoice.number, allocate=True)
    invoice.refresh_from_db()


def test_accepting_a_suggestion_made_stale_by_a_partial_payment_is_a_409_with_a_fresh_suggestion(accountant):
    line, invoice = to_review()
    stale = line.matches.get()
    _partly_paid_meanwhile(invoice, "50.00")

    response = client_for(accountant).post(
        f"{LINES}{line.pk}/accept/", {"match": stale.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    answer = problem_of(response, 409)
    assert answer["type"].endswith("/suggestion-stale")
    assert "errors" not in answer  # no pointer at a field the client never sent
    assert answer["open_amounts"] == [{"invoice": invoice.pk, "invoice_number": invoice.number, "open_amount": "69.00"}]
    (fresh,) = answer["suggestions"]
    assert fresh["id"] != stale.pk and fresh["invoice"] == invoice.pk
    assert fresh["amount"] == "69.00"  # what the invoice can take now; the rest stays unapplied
    assert not BankLineMatch.objects.filter(pk=stale.pk).exists()
    line.refresh_from_db()
    assert line.match_status == "review"
    assert not Payment.objects.filter(bank_matches__line=line).exists()

    # The fresh suggestion is accepted as it stands.
    again = client_for(accountant).post(f"{LINES}{line.pk}/accept/", {"match": fresh["id"]}, format="json")
    assert again.status_code == 200, again.content
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0")


def test_the_review_page_says_a_suggestion_is_stale_and_shows_a_fresh_one(accountant):
    line, invoice = to_review()
    stale = line.matches.get()
    _partly_paid_meanwhile(invoice, "50.00")
    client = Client()
    client.force_login(accountant)

    response = client.post(QUEUE, {"action": "accept", "match": stale.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    (shown,) = [str(message) for message in response.context["messages"]]
    expected = f"The suggestion is out of date: invoice {invoice.number} is open for €69.00 now, not €119.00"
    assert shown.startswith(expected)
    line.refresh_from_db()
    assert line.match_status == "review"
    assert line.matches.get(decision="").amount == Decimal("69.00")


def test_a_conflict_problem_is_worded_as_a_whole_in_the_requests_language(accountant):
    line, _invoice = to_review()
    client = client_for(accountant)
    match = line.matches.get().pk
    assert client.post(f"{LINES}{line.pk}/accept/", {"match": match}, format="json").status_code == 200

    english = problem_of(
        client.post(f"{LINES}{line.pk}/ignore/", {"reason": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en"), 409
    )
    german = problem_of(
        client.post(f"{LINES}{line.pk}/ignore/", {"reason": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="de"), 409
    )

    assert (english["title"], english["detail"]) == ("Conflict", "This statement line was already decided (matched).")
    assert german["detail"] == "Über diesen Umsatz wurde bereits entschieden (zugeordnet)."


def test_the_admin_refuses_a_second_return_naming_the_first(accountant):
    from .test_admin import browser, page

    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    client = browser(accountant)
    body = {"reason": "Rücklastschrift", "return_code": "MD06"}
    assert client.post(page(payment, "return"), body).status_code == 302

    again = client.post(page(payment, "return"), body, HTTP_ACCEPT_LANGUAGE="en")

    assert again.status_code == 200
    (shown,) = again.context["form"].non_field_errors()
    assert shown.startswith("This payment was already returned on ") and "only once" in shown
    assert payment.events.filter(kind=PaymentEvent.Kind.RETURNED).count() == 1
