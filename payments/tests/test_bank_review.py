"""The review queue: the statement lines matching left to people, in the admin and the API, and
the decisions taken there (accept a suggestion, assign to a customer, ignore with a reason)."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.bank.matching import line_match
from payments.models import BankStatementLine, Payment
from tests.conftest import client_for

from .factories import make_invoice
from .test_bank_import import problem_of
from .test_bank_matching import IBAN_A, make_statement

pytestmark = pytest.mark.usefixtures("invoicing_setup")

QUEUE = "/admin/payments/bankstatementline/review/"
LINES = "/api/v1/bank-statement-lines/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


_seq = count(1)


def bank_line(*, amount: str, **fields) -> BankStatementLine:
    """A credit line whose content hash differs in its first 40 characters (the payment's external id)."""
    n = next(_seq)
    return BankStatementLine.objects.create(
        statement=make_statement(),
        position=n,
        content_hash=f"{n:x}".ljust(64, "a"),
        amount=Decimal(amount),
        currency="EUR",
        credit=True,
        booking_date=T0.date(),
        value_date=T0.date(),
        **fields,
    )


def to_review(*, customer=None, **fields) -> tuple[BankStatementLine, object]:
    """A line naming an invoice's number without its dashes (85 %: below the threshold)."""
    invoice = make_invoice(customer=customer or make_customer())
    line = bank_line(amount="119.00", remittance=f"Zahlung {invoice.number.replace('-', '')}", **fields)
    line_match(line=line, as_of=T0)
    line.refresh_from_db()
    assert line.match_status == "review"
    return line, invoice


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Admin -----------------------------------------------------------------------------------------


def test_the_queue_lists_lines_to_review_with_their_ranked_suggestions(accountant):
    line, invoice = to_review(counterparty_name="Müller GmbH", counterparty_iban=IBAN_A)
    bank_line(amount="5.00", remittance="not matched yet")  # new: not in the queue

    response = browser(accountant).get(QUEUE)

    assert response.status_code == 200
    (entry,) = response.context["entries"]
    assert entry["line"] == line
    (suggestion,) = entry["suggestions"]
    assert (suggestion["rank"], suggestion["confidence"], suggestion["invoices"]) == (1, 85, invoice.number)
    page = response.content.decode()
    assert "Müller GmbH" in page and IBAN_A in page and invoice.number in page
    assert 'value="accept"' in page and 'value="assign"' in page and 'value="ignore"' in page


def test_the_lines_changelist_links_to_the_queue(viewer):
    assert QUEUE in browser(viewer).get("/admin/payments/bankstatementline/").content.decode()


def test_accepting_a_suggestion_pays_the_invoice_and_matches_the_line(accountant):
    line, invoice = to_review()
    match = line.matches.get()

    response = browser(accountant).post(QUEUE, {"action": "accept", "match": match.pk}, follow=True)

    assert response.redirect_chain == [(QUEUE, 302)]
    assert messages_of(response) == ["The suggestion is accepted: the payment is recorded and applied."]
    assert response.context["entries"] == []
    invoice.refresh_from_db()
    line.refresh_from_db()
    match.refresh_from_db()
    assert invoice.open_amount == 0 and invoice.settlement_state == "paid"
    assert line.match_status == "matched"
    assert (match.decision, match.decided_by) == ("accepted", accountant)


def test_accepting_a_decided_line_again_shows_the_services_message(accountant):
    line, _invoice = to_review()
    match = line.matches.get()
    client = browser(accountant)
    client.post(QUEUE, {"action": "accept", "match": match.pk}, follow=True)

    response = client.post(QUEUE, {"action": "accept", "match": match.pk}, follow=True)

    assert messages_of(response) == ["This statement line was already decided (matched)."]
    assert Payment.objects.count() == 1


def test_assigning_a_line_records_the_customers_payment_unapplied(accountant):
    line, _invoice = to_review()
    payer = make_customer()

    response = browser(accountant).post(
        QUEUE, {"action": "assign", "line": line.pk, "customer": payer.number}, follow=True
    )

    assert messages_of(response) == [f"The line is recorded as a payment of {payer}, left unapplied."]
    payment = Payment.objects.get()
    assert payment.customer == payer and payment.unapplied_amount == Decimal("119.00")
    line.refresh_from_db()
    assert line.match_status == "matched"


def test_assigning_to_an_unknown_customer_number_says_so_and_records_nothing(accountant):
    line, _invoice = to_review()
    client = browser(accountant)

    page = client.get(QUEUE).content.decode()
    assert 'list="review-customers"' in page and page.count('<datalist id="review-customers">') == 1

    response = client.post(QUEUE, {"action": "assign", "line": line.pk, "customer": "NO-SUCH-1"}, follow=True)

    assert response.status_code == 200
    assert messages_of(response) == ["No customer has the number NO-SUCH-1."]
    line.refresh_from_db()
    assert line.match_status == "review" and not Payment.objects.exists()


def test_in_a_large_ledger_the_page_lists_only_the_suggested_customers(accountant, monkeypatch):
    from payments.bank.admin import lines as lines_admin

    line, invoice = to_review()
    other = make_customer(legal_name="Nobody Suggested GmbH")
    monkeypatch.setattr(lines_admin, "CUSTOMERS_LISTED", 1)

    page = browser(accountant).get(QUEUE).content.decode()

    listed = page.split('<datalist id="review-customers">')[1].split("</datalist>")[0]
    assert f'value="{invoice.customer.number}"' in listed and f'value="{other.number}"' not in listed


def test_ignoring_a_line_needs_a_reason(accountant):
    line, _invoice = to_review()
    client = browser(accountant)

    refused = client.post(QUEUE, {"action": "ignore", "line": line.pk, "reason": "  "}, follow=True)
    line.refresh_from_db()
    assert messages_of(refused) == ["Say why the line is ignored."] and line.match_status == "review"

    ignored = client.post(QUEUE, {"action": "ignore", "line": line.pk, "reason": "supplier refund"}, follow=True)
    line.refresh_from_db()
    assert messages_of(ignored) == ["The line is ignored."] and line.match_status == "ignored"
    assert line.matches.get(rank=0).explanation_text == "ignored: supplier refund"


def test_a_finance_viewer_sees_the_queue_without_buttons_and_may_not_decide(viewer):
    line, _invoice = to_review()
    client = browser(viewer)

    page = client.get(QUEUE)
    assert page.status_code == 200 and len(page.context["entries"]) == 1
    assert 'value="accept"' not in page.content.decode() and page.context["customers"] == []
    for data in (
        {"action": "accept", "match": line.matches.get().pk},
        {"action": "ignore", "line": line.pk, "reason": "no"},
    ):
        assert client.post(QUEUE, data).status_code == 403
    line.refresh_from_db()
    assert line.match_status == "review" and not Payment.objects.exists()


def test_the_queue_page_needs_the_same_queries_for_one_line_and_for_five(accountant, django_assert_num_queries):
    client = browser(accountant)
    to_review()
    client.get(QUEUE)  # warms the caches (content types, permissions)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for _ in range(4):
        to_review()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(QUEUE)
    assert len(response.context["entries"]) == 5
    assert len(one.captured_queries) == QUEUE_QUERIES


# session, user, the user's and the groups' permissions, the role (group), the lines, their open
# matches with invoices, customers and payments, the suggested customers' open invoices (split
# form), how many customers there are and the customers to assign to, and the navigation's counts
# (core.admin_navigation: the user's open tasks and the lines to review)
QUEUE_QUERIES = 11


# --- API -------------------------------------------------------------------------------------------


def test_the_api_lists_lines_to_review_with_their_ranked_matches(viewer):
    line, invoice = to_review()
    bank_line(amount="5.00")

    body = client_for(viewer).get(f"{LINES}?match_status=review").json()

    (shown,) = body["results"]
    assert shown["id"] == line.pk
    (match,) = shown["matches"]
    assert (match["rank"], match["confidence"], match["invoice"], match["invoice_number"]) == (
        1,
        85,
        invoice.pk,
        invoice.number,
    )
    assert (match["amount"], match["decision"]) == ("119.00", "")
    assert invoice.number in match["explanation"]


def test_the_api_lists_lines_with_their_matches_in_a_fixed_number_of_queries(viewer, django_assert_num_queries):
    client = client_for(viewer)
    to_review()
    client.get(f"{LINES}?match_status=review")  # warms the caches
    with CaptureQueriesContext(connection) as one:
        client.get(f"{LINES}?match_status=review")
    for _ in range(4):
        to_review()
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(f"{LINES}?match_status=review").json()["results"]) == 5


def test_the_api_accepts_a_suggestion_as_suggested_or_split_by_hand(accountant):
    line, invoice = to_review()
    client = client_for(accountant)

    response = client.post(f"{LINES}{line.pk}/accept/", {"match": line.matches.get().pk}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["match_status"] == "matched"
    assert [(m["invoice"], m["decision"]) for m in body["matches"]] == [(invoice.pk, "accepted")]
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"

    other, first = to_review()
    response = client.post(
        f"{LINES}{other.pk}/accept/",
        {"match": other.matches.get().pk, "amounts": [{"invoice": first.pk, "amount": "100.00"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    first.refresh_from_db()
    assert first.open_amount == Decimal("19.00")


def test_the_api_assigns_a_line_to_a_customer(accountant):
    line, _invoice = to_review()
    payer = make_customer()

    response = client_for(accountant).post(f"{LINES}{line.pk}/assign/", {"customer": payer.pk}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["match_status"] == "matched"
    assert Payment.objects.get().customer == payer


def test_the_api_ignores_a_line_with_a_reason(accountant):
    line, _invoice = to_review()

    response = client_for(accountant).post(f"{LINES}{line.pk}/ignore/", {"reason": "own transfer"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["match_status"] == "ignored"


def test_bad_decisions_through_the_api_are_400_problems_and_a_decided_line_409(accountant):
    line, _invoice = to_review()
    other, _ = to_review()
    client = client_for(accountant)

    no_reason = problem_of(client.post(f"{LINES}{line.pk}/ignore/", {}, format="json"))
    foreign = problem_of(client.post(f"{LINES}{line.pk}/accept/", {"match": other.matches.get().pk}, format="json"))
    no_customer = problem_of(client.post(f"{LINES}{line.pk}/assign/", {"customer": 0}, format="json"))

    assert "#/reason" in {e["pointer"] for e in no_reason["errors"]}
    assert "#/match" in {e["pointer"] for e in foreign["errors"]}
    assert "#/customer" in {e["pointer"] for e in no_customer["errors"]}
    client.post(f"{LINES}{line.pk}/ignore/", {"reason": "own transfer"}, format="json")
    decided = problem_of(client.post(f"{LINES}{line.pk}/ignore/", {"reason": "again"}, format="json"), status=409)
    assert "already decided" in decided["detail"]
    line.refresh_from_db()
    assert line.match_status == "ignored" and not Payment.objects.exists()


def test_a_finance_viewer_may_not_decide_through_the_api(viewer):
    line, _invoice = to_review()
    client = client_for(viewer)
    for path, data in (
        ("accept", {"match": line.matches.get().pk}),
        ("assign", {"customer": make_customer().pk}),
        ("ignore", {"reason": "no"}),
    ):
        assert client.post(f"{LINES}{line.pk}/{path}/", data, format="json").status_code == 403
    line.refresh_from_db()
    assert line.match_status == "review"
