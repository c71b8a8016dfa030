"""The payments admin: the list with its filters and search, the read-only payment page with its
allocations, and the pages that act through the services (allocate, reverse, credit, refund,
return), plus a customer's account with the statement download.

The tests post what a browser posts and check what the services stored: all rows applied or
none, refusals shown on their row, viewers may look but not act.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import messages
from django.test import Client

from customers.tests.factories import make_customer
from invoicing.models import InvoiceEvent
from invoicing.tests.factories import D0, invoicing_setup, make_draft  # noqa: F401
from payments.models import Allocation, Payment, PaymentEvent, WriteOff

from .factories import make_invoice, make_payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

CHANGELIST = "/admin/payments/payment/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(payment, action: str = "change") -> str:
    return f"{CHANGELIST}{payment.pk}/{action}/"


@pytest.fixture
def customer():
    return make_customer(legal_name="Nordlicht Software AG")


def test_the_list_shows_amounts_and_parts_and_filters_by_channel_status_and_unallocated(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    applied = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    open_money = make_payment(customer=customer, amount="5.00", channel="cash", payer_name="Barzahler Otto")
    client = browser(viewer)

    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [open_money, applied]
    assert [p.pk for p in client.get(f"{CHANGELIST}?channel__exact=cash").context["cl"].result_list] == [open_money.pk]
    assert [p.pk for p in client.get(f"{CHANGELIST}?unallocated=yes").context["cl"].result_list] == [open_money.pk]
    assert [p.pk for p in client.get(f"{CHANGELIST}?unallocated=no").context["cl"].result_list] == [applied.pk]
    assert [p.pk for p in client.get(f"{CHANGELIST}?status__exact=completed").context["cl"].result_list] == [
        open_money.pk,
        applied.pk,
    ]
    assert [p.pk for p in client.get(f"{CHANGELIST}?q=Barzahler").context["cl"].result_list] == [open_money.pk]
    assert [p.pk for p in client.get(f"{CHANGELIST}?customer__id__exact={customer.pk}").context["cl"].result_list]


def test_the_payment_page_shows_its_allocations_read_only_and_actions_only_to_accountants(viewer, accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="150.00", remittance=invoice.number, allocate=True)

    as_viewer = browser(viewer).get(page(payment))
    as_accountant = browser(accountant).get(page(payment))

    assert as_viewer.status_code == as_accountant.status_code == 200
    assert invoice.number in as_viewer.content.decode()
    assert page(payment, "allocate") not in as_viewer.content.decode()
    reverse_url = f"{CHANGELIST}allocation/{payment.allocations.get().pk}/reverse/"
    assert reverse_url not in as_viewer.content.decode()
    assert reverse_url in as_accountant.content.decode()
    assert page(payment, "allocate") in as_accountant.content.decode()
    assert page(payment, "credit") in as_accountant.content.decode()
    assert 'name="_save"' not in as_accountant.content.decode()
    assert browser(accountant).post(page(payment), {"amount": "1.00"}).status_code == 403
    payment.refresh_from_db()
    assert payment.amount == Decimal("150.00")


def test_the_allocate_page_lists_the_open_items_and_applies_every_amount_entered(accountant, customer):
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="238.00")
    payment = make_payment(customer=customer, amount="200.00")
    client = browser(accountant)

    form = client.get(page(payment, "allocate"))
    assert form.status_code == 200
    assert first.number in form.content.decode() and second.number in form.content.decode()

    response = client.post(
        page(payment, "allocate"), {f"invoice-{first.pk}": "119.00", f"invoice-{second.pk}": "81,00"}
    )

    assert response.status_code == 302, response.content
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.settlement_state, second.open_amount) == ("paid", Decimal("157.00"))
    assert Allocation.objects.filter(payment=payment, created_by=accountant).count() == 2


def test_a_refused_row_is_marked_and_nothing_is_applied(accountant, customer):
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="238.00")
    payment = make_payment(customer=customer, amount="500.00")

    response = browser(accountant).post(
        page(payment, "allocate"), {f"invoice-{first.pk}": "100.00", f"invoice-{second.pk}": "300.00"}
    )

    assert response.status_code == 200
    entries = {entry["row"].id: entry for entry in response.context["entries"]}
    assert entries[second.pk]["errors"]
    assert not entries[first.pk]["errors"]
    assert entries[second.pk]["value"] == "300.00"  # what was typed stays
    assert not Allocation.objects.exists()
    garbage = browser(accountant).post(page(payment, "allocate"), {f"invoice-{first.pk}": "abc"})
    assert {e["row"].id: e for e in garbage.context["entries"]}[first.pk]["errors"]
    assert not Allocation.objects.exists()


def test_a_viewer_may_not_open_or_post_the_action_pages(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="119.00")
    client = browser(viewer)

    for action in ("allocate", "credit", "refund", "return"):
        assert client.get(page(payment, action)).status_code == 403
    assert client.post(page(payment, "allocate"), {f"invoice-{invoice.pk}": "119.00"}).status_code == 403
    assert not Allocation.objects.exists()


def test_reversing_an_allocation_needs_a_reason_and_reopens_the_invoice(accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    allocation = payment.allocations.get()
    url = f"{CHANGELIST}allocation/{allocation.pk}/reverse/"
    client = browser(accountant)

    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200  # the form asks for the reason
    response = client.post(url, {"reason": "belongs to another customer"})

    assert response.status_code == 302
    allocation.refresh_from_db()
    invoice.refresh_from_db()
    assert allocation.reversed_at is not None and allocation.reversal_reason == "belongs to another customer"
    assert invoice.settlement_state == "open"


def test_keep_as_credit_then_refund_then_the_service_refuses_a_second_refund(accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="150.00", remittance=invoice.number, allocate=True)
    client = browser(accountant)

    assert client.post(page(payment, "credit"), {"amount": ""}).status_code == 302
    payment.refresh_from_db()
    assert payment.credit_amount == Decimal("31.00")
    assert (
        client.post(
            page(payment, "refund"), {"amount": "31.00", "channel": "bank_transfer", "reference": "R"}
        ).status_code
        == 302
    )
    again = client.post(page(payment, "refund"), {"amount": "1.00", "channel": "bank_transfer"})
    assert again.status_code == 200
    assert again.context["form"].errors
    payment.refresh_from_db()
    assert (payment.credit_amount, payment.refunded_amount) == (Decimal("0.00"), Decimal("31.00"))


def test_a_returned_payment_reopens_its_invoices(accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(
        customer=customer, amount="119.00", channel="direct_debit", remittance=invoice.number, allocate=True
    )

    response = browser(accountant).post(page(payment, "return"), {"reason": "Rücklastschrift", "return_code": "MD06"})

    assert response.status_code == 302
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, invoice.settlement_state) == ("returned", "open")
    assert PaymentEvent.objects.filter(payment=payment, kind="returned").exists()


def test_the_customer_account_shows_items_credit_balance_and_downloads_the_statement(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    draft = make_draft(customer=customer)
    make_payment(customer=customer, amount="19.00", remittance=invoice.number, allocate=True)
    make_payment(customer=customer, amount="5.00")
    client = browser(viewer)

    account = client.get(f"{CHANGELIST}account/{customer.pk}/")

    assert account.status_code == 200
    html = account.content.decode()
    assert invoice.number in html
    assert str(draft.pk) not in [str(r["row"].id) for r in account.context["rows"] if r["row"].kind == "invoice"]
    [eur] = account.context["balances"]
    assert "95,00" in eur["balance"] or "95.00" in eur["balance"]
    statement = client.get(f"{CHANGELIST}account/{customer.pk}/statement/?from=2026-11-01&to={D0.isoformat()}")
    assert statement.status_code == 200
    assert statement["Content-Type"] == "application/pdf"
    assert client.get(f"{CHANGELIST}account/{customer.pk}/statement/?from=x").status_code == 302


def test_payments_are_neither_added_nor_deleted_in_the_admin(manager, customer):
    payment = make_payment(customer=customer, amount="1.00")
    client = browser(manager)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_the_demo_data_brings_payments_of_every_kind(settings):
    from django.core.management import call_command

    from core.models import CompanyProfile

    CompanyProfile.objects.all().delete()  # the demo brings its own
    settings.DEBUG = True
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115  (again: nothing doubles)

    payments = Payment.objects.all()
    assert payments.filter(status="returned", channel="direct_debit").exists()
    assert payments.filter(credit_amount__gt=0).exists()
    assert payments.filter(customer__isnull=True, unapplied_amount__gt=0).exists()
    assert payments.filter(allocations__discount__isnull=False).exists()  # Skonto
    assert payments.filter(allocations__invoice__settlement_state="partially_paid").exists()
    count = payments.count()
    assert count >= 7


def test_the_list_costs_the_same_queries_for_one_payment_as_for_thirty(viewer, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(viewer)
    make_payment(customer=customer, amount="1.00")
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as one:
        client.get(CHANGELIST)
    for index in range(29):
        make_payment(customer=make_customer() if index % 3 else customer, amount="2.00")
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(CHANGELIST)

    assert response.context["cl"].result_count == 30
    assert len(thirty) == len(one)


RECORD = f"{CHANGELIST}record/"


def record_form(customer, **overrides) -> dict:
    data = {
        "customer": customer.pk if customer else "",
        "channel": "cash",
        "amount": "150.00",
        "currency": "",
        "value_date": D0.isoformat(),
        "payer_name": "Nordlicht Software AG",
        "payer_iban": "",
        "remittance": "",
        "external_id": "",
        "allocate": "on",
    }
    return {**data, **overrides}


def test_an_accountant_records_a_cash_payment_that_settles_the_open_invoice(accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    client = browser(accountant)

    form = client.get(f"{RECORD}?customer={customer.pk}")
    assert form.status_code == 200
    assert form.context["form"].initial["customer"] == customer
    assert form.context["form"].initial["currency"] == customer.currency
    response = client.post(RECORD, record_form(customer, payer_iban="de89 3704 0044 0532 0130 00"), follow=True)

    payment = Payment.objects.get()
    assert response.redirect_chain == [(page(payment), 302)]
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"
    assert (payment.channel, payment.currency, payment.source) == ("cash", "EUR", "manual")
    assert (payment.allocated_amount, payment.unapplied_amount) == (Decimal("119.00"), Decimal("31.00"))
    assert (payment.created_by, payment.payer_iban) == (accountant, "DE89370400440532013000")
    [message] = [str(m) for m in response.context["messages"]]
    assert "119" in message and "31" in message


def test_recording_without_allocating_leaves_the_money_unapplied(accountant, customer):
    invoice = make_invoice(customer=customer, gross="119.00")

    response = browser(accountant).post(RECORD, record_form(customer, allocate="", channel="cheque"))

    assert response.status_code == 302
    payment = Payment.objects.get()
    invoice.refresh_from_db()
    assert (payment.unapplied_amount, invoice.settlement_state) == (Decimal("150.00"), "open")


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "-5.00"), ("amount", "0.00"), ("payer_iban", "DE00 1234"), ("channel", "bitcoin")],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(accountant, customer, field, value):
    response = browser(accountant).post(RECORD, record_form(customer, **{field: value}))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not Payment.objects.exists()


def test_a_refusal_of_the_service_is_shown_on_its_field(accountant, customer):
    response = browser(accountant).post(RECORD, record_form(customer, currency="XYZ"))

    assert response.status_code == 200
    assert "currency" in response.context["form"].errors
    assert not Payment.objects.exists()


def test_a_viewer_may_not_record_a_payment(viewer, customer):
    client = browser(viewer)

    assert client.get(RECORD).status_code == 403
    assert client.get(f"{RECORD}?customer={customer.pk}").status_code == 403
    assert client.post(RECORD, record_form(customer)).status_code == 403
    assert not Payment.objects.exists()


def test_the_record_link_is_shown_to_accountants_only(viewer, accountant, customer):
    assert RECORD in browser(accountant).get(CHANGELIST).content.decode()
    assert RECORD not in browser(viewer).get(CHANGELIST).content.decode()
    account = f"{CHANGELIST}account/{customer.pk}/"
    assert f"{RECORD}?customer={customer.pk}" in browser(accountant).get(account).content.decode()
    assert RECORD not in browser(viewer).get(account).content.decode()


# --- Write-offs -------------------------------------------------------------------------------
def write_off_page(invoice) -> str:
    return f"{CHANGELIST}invoice/{invoice.pk}/write-off/"


def short_paid_invoice(customer, missing: str = "0.42"):
    invoice = make_invoice(customer=customer, gross="119.00")
    make_payment(
        customer=customer, amount=Decimal("119.00") - Decimal(missing), remittance=invoice.number, allocate=True
    )
    return invoice


def test_a_manager_writes_off_a_small_difference_from_the_customer_account(manager, customer):
    invoice = short_paid_invoice(customer)
    client = browser(manager)
    account_url = f"{CHANGELIST}account/{customer.pk}/"

    account = client.get(account_url)
    assert write_off_page(invoice) in account.content.decode()
    form = client.get(write_off_page(invoice))
    assert form.status_code == 200
    assert form.context["form"].initial["amount"] == Decimal("0.42")

    response = client.post(write_off_page(invoice), {"amount": "0.42", "reason": "bank charges"}, follow=True)

    assert response.redirect_chain == [(account_url, 302)], response.content
    assert [m.level for m in response.context["messages"]] == [messages.SUCCESS]
    record = WriteOff.objects.get()
    assert (record.invoice, record.amount, record.reason, record.created_by) == (
        invoice,
        Decimal("0.42"),
        "bank charges",
        manager,
    )
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settlement_state) == (Decimal("0.00"), "paid")
    assert invoice.events.filter(kind=InvoiceEvent.Kind.SETTLEMENT_CHANGED, to_state="paid").exists()
    assert write_off_page(invoice) not in response.content.decode()  # nothing open any more


def test_the_amount_is_not_pre_filled_above_the_tolerance(manager, customer):
    invoice = make_invoice(customer=customer, gross="119.00")

    form = browser(manager).get(write_off_page(invoice))

    assert form.status_code == 200
    assert "amount" not in form.context["form"].initial


def test_only_finance_managers_see_and_use_the_write_off(viewer, accountant, customer):
    invoice = short_paid_invoice(customer)
    account_url = f"{CHANGELIST}account/{customer.pk}/"

    for user in (viewer, accountant):
        client = browser(user)
        assert write_off_page(invoice) not in client.get(account_url).content.decode()
        assert client.get(write_off_page(invoice)).status_code == 403
        assert client.post(write_off_page(invoice), {"amount": "0.42", "reason": "x"}).status_code == 403
    assert not WriteOff.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("5.01", "bank charges", "amount"),  # over the tolerance (5.00)
        ("1.00", "bank charges", "amount"),  # more than the 0.42 open
        ("0.42", "", "reason"),
        ("0.42", "   ", "reason"),
        ("abc", "bank charges", "amount"),
    ],
)
def test_a_refused_write_off_is_shown_on_its_field_and_nothing_is_saved(manager, customer, amount, reason, field):
    invoice = short_paid_invoice(customer)

    response = browser(manager).post(write_off_page(invoice), {"amount": amount, "reason": reason})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not WriteOff.objects.exists()
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("0.42")


def test_an_announced_payment_is_marked_arrived_or_failed_in_the_admin(accountant, viewer, customer):
    invoice = make_invoice(customer=customer)
    arrives = make_payment(customer=customer, amount="119.00", status="pending")
    fails = make_payment(customer=customer, amount="50.00", status="pending")
    client = browser(accountant)

    assert f"{page(arrives, 'complete')}" in client.get(page(arrives)).content.decode()
    assert browser(viewer).post(page(arrives, "complete"), {"allocate": "on"}).status_code == 403
    assert client.post(page(arrives, "complete"), {"allocate": "on"}).status_code == 302
    assert client.post(page(fails, "fail"), {"reason": ""}).status_code == 200  # reason required: the form again
    assert client.post(page(fails, "fail"), {"reason": "Karte abgelehnt"}).status_code == 302

    invoice.refresh_from_db()
    arrives.refresh_from_db()
    fails.refresh_from_db()
    assert (arrives.status, invoice.settlement_state, fails.status) == ("completed", "paid", "failed")


def test_money_from_an_unknown_payer_is_assigned_to_a_customer_in_the_admin(accountant, customer):
    from payments.services import payment_record

    invoice = make_invoice(customer=customer)
    payment = payment_record(
        customer=None, channel="bank_transfer", amount=Decimal("119.00"), currency="EUR", value_date=D0,
        as_of=invoice.issued_at, remittance=invoice.number,
    )  # fmt: skip
    client = browser(accountant)

    assert page(payment, "assign") in client.get(page(payment)).content.decode()
    response = client.post(page(payment, "assign"), {"customer": customer.pk, "allocate": "on"})

    assert response.status_code == 302
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.customer, payment.allocated_amount, invoice.settlement_state) == (customer, 119, "paid")
