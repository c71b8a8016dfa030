"""The small fixed ledger every KPI test computes by hand ("the book").

Three customers, eight documents, built through the services the way users create them, each
at the moment it was recorded. Amounts are gross; terms net 30 unless noted. The tests compute
their expected numbers by hand from this table (``as_of`` 30.11.2026 unless they say otherwise):

====  ========  ==========  ==========  =========  =====================================================
Doc   Customer  Date        Due         Gross      What happens
====  ========  ==========  ==========  =========  =====================================================
B-2   Beta      01.08.2026  31.08.2026  357.00     never paid: 91 days past due on 30.11.
A-1   Alpha     01.09.2026  01.10.2026  1,190.00   paid in full 25.09. (bank transfer); that payment is
                                                   returned on 03.12. — after 30.11., so ignored for it
A-2   Alpha     15.09.2026  15.10.2026  595.00     300.00 paid 20.10. (direct debit); 295.00 open, 46 days
A-3   Alpha     01.10.2026  31.10.2026  238.00     2 % Skonto within 10 days: 233.24 paid 08.10. (card),
                                                   4.76 discount; settled
B-1   Beta      10.10.2026  09.11.2026  476.00     paid 476.00 with value date 30.10., recorded only on
                                                   02.11. (the statement came after the month end)
A-4   Alpha     05.11.2026  05.12.2026  119.00     credit note GS 10.11. for 59.50 applied; 59.50 open
C-1   Gamma     02.11.2026  02.12.2026  USD 1,000  open; rate 1.25 USD per EUR → EUR 800.00
====  ========  ==========  ==========  =========  =====================================================

Alpha (DE, business) is owned by the user ``owner``; Beta is an Austrian consumer; Gamma (DE,
business) is invoiced in US dollars. The credit note counts −59.50 in November's credit sales
and is fully used on A-4 (nothing of it open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from customers.models import Customer
from customers.tests.factories import make_customer
from invoicing.models import ExchangeRate, Invoice
from invoicing.services import credit_note_create
from invoicing.tests.factories import line
from payments.models import Payment
from payments.services import payment_return
from payments.tests.factories import make_invoice, make_payment, net_terms, skonto_terms

BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 11, 30)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


@dataclass
class Book:
    owner: object
    alpha: Customer
    beta: Customer
    gamma: Customer
    a1: Invoice
    a2: Invoice
    a3: Invoice
    a4: Invoice
    b1: Invoice
    b2: Invoice
    c1: Invoice
    credit_note: Invoice
    a1_payment: Payment


def build_book() -> Book:
    owner = get_user_model().objects.create_user("owner", password="x")
    d0 = at(date(2026, 7, 1))
    alpha = make_customer(legal_name="Alpha GmbH", account_owner=owner, as_of=d0)
    beta = make_customer(
        legal_name="Beta Verbraucherin",
        kind="consumer",
        billing_country="AT",
        billing_postal_code="1010",
        billing_city="Wien",
        tax_number="",
        as_of=d0,
    )
    gamma = make_customer(legal_name="Gamma Inc.", currency="USD", as_of=d0)
    net30 = net_terms(30)

    def invoice(customer, day, gross, terms=net30, **kwargs):
        return make_invoice(customer=customer, gross=gross, terms=terms, as_of=at(day), service_date=day, **kwargs)

    def pay(customer, amount, value_date, recorded, invoice, channel="bank_transfer", **kwargs):
        return make_payment(
            customer=customer,
            amount=amount,
            value_date=value_date,
            as_of=at(recorded, 12),
            allocate=True,
            channel=channel,
            remittance=invoice.number,
            **kwargs,
        )

    b2 = invoice(beta, date(2026, 8, 1), "357.00")
    a1 = invoice(alpha, date(2026, 9, 1), "1190.00")
    a1_payment = pay(alpha, "1190.00", date(2026, 9, 25), date(2026, 9, 25), a1)
    a2 = invoice(alpha, date(2026, 9, 15), "595.00")
    a3 = invoice(alpha, date(2026, 10, 1), "238.00", terms=skonto_terms(percent="2.00", days=10, net_days=30))
    pay(alpha, "233.24", date(2026, 10, 8), date(2026, 10, 8), a3, channel="card")
    b1 = invoice(beta, date(2026, 10, 10), "476.00")
    pay(alpha, "300.00", date(2026, 10, 20), date(2026, 10, 20), a2, channel="direct_debit")
    pay(beta, "476.00", date(2026, 10, 30), date(2026, 11, 2), b1)
    ExchangeRate.objects.create(currency="USD", kind="monthly", date=date(2026, 11, 1), units_per_eur="1.25")
    c1 = invoice(gamma, date(2026, 11, 2), "1000.00", currency="USD")
    a4 = invoice(alpha, date(2026, 11, 5), "119.00")
    credit_note = credit_note_create(
        invoice=a4, as_of=at(date(2026, 11, 10)), lines=[line(quantity="1", unit_price="50.00")], issue=True
    )
    payment_return(payment=a1_payment, as_of=at(date(2026, 12, 3)), reason="MD06", return_code="MD06")
    for document in (a1, a2, a3, a4, b1, b2, c1):
        document.refresh_from_db()
    assert (a2.open_amount, a3.open_amount, a4.open_amount, credit_note.amount_due) == (
        Decimal("295.00"),
        Decimal("0.00"),
        Decimal("59.50"),
        Decimal("59.50"),
    )
    assert (c1.currency, c1.exchange_rate) == ("USD", Decimal("1.25"))
    assert a1.open_amount == Decimal("1190.00")  # today: the return reopened it
    return Book(owner, alpha, beta, gamma, a1, a2, a3, a4, b1, b2, c1, credit_note, a1_payment)
