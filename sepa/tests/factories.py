"""Mandates, invoices and batches built through the services."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN, make_company_profile, make_terms
from payments.tests.factories import make_invoice
from sepa.services import mandate_create

# Invoices dated Friday 27 November 2026, due in 14 days (Friday 11 December): with the 14 days of
# pre-notification, Friday 11 December is the first collection date that takes them.
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
D0 = T0.date()
DUE = date(2026, 12, 11)
MAKE = datetime(2026, 12, 9, 10, 0, tzinfo=BERLIN)  # Wednesday: D-1 is Thursday, the 11th is open
CREDITOR_ID = "DE98ZZZ09999999999"  # the Bundesbank's published sample identifier
IBANS = ["DE02120300000000202051", "DE02500105170137075030", "DE02100500000054540402", "DE88100900001234567892"]
_references = count(1)


def sepa_profile(**overrides):
    return make_company_profile(sepa_creditor_id=CREDITOR_ID, **overrides)


def make_mandate(*, customer=None, as_of: datetime = T0, **overrides):
    customer = customer or make_customer()
    data = {
        "reference": f"MANDAT-{next(_references):05d}",
        "signed_on": date(2026, 1, 15),
        "debtor_name": customer.legal_name[:70],
        "debtor_iban": IBANS[0],
        "debtor_bic": "",
    }
    data.update(overrides)
    return mandate_create(customer=customer, as_of=as_of, **data)


def fourteen_days():
    return make_terms(days=14)


def due_invoice(*, customer, gross: str = "119.00", as_of: datetime = T0):
    return make_invoice(customer=customer, gross=gross, terms=fourteen_days(), as_of=as_of)
