"""Writing to a customer (casework.letters): templates through the outbox, refusals, payment plans."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from casework.letters.plans import Interval, payment_plan_rows, payment_plan_split
from casework.letters.services import (
    LetterTemplate,
    PlanRequest,
    letter_default_contact_ids,
    letter_draft,
    letter_prepare,
    letter_send,
)
from casework.timeline.selectors import customer_timeline
from communications.models import MessageSubject, OutboxMessage
from customers.tests.factories import make_customer
from invoicing.tests.factories import make_company_profile
from payments.tests.factories import make_invoice

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()


@pytest.fixture
def seller(db):
    return make_company_profile()


def _customer(**overrides):
    contacts = overrides.pop(
        "contacts",
        [
            {"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True},
            {"name": "Bernd Kurz", "email": "bernd@example.com"},
        ],
    )
    return make_customer(contacts=contacts, **overrides)


def _ids(customer, *names):
    return [c.pk for c in customer.contacts.filter(name__in=names)]


# --- Templates through the outbox -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_free_text_letter_is_queued_in_the_outbox_and_shows_on_the_timeline(seller, accountant):
    customer = _customer()
    subject, body = letter_draft(customer=customer, template=LetterTemplate.FREE_TEXT, as_of=NOW)
    assert customer.number in subject and body.startswith("Sehr geehrte")  # the customer's language: German

    message = letter_send(
        customer=customer,
        template=LetterTemplate.FREE_TEXT,
        contact_ids=letter_default_contact_ids(customer),
        subject=subject,
        body=body.replace(",\n\n", ",\n\nbitte rufen Sie uns zurück.\n\n", 1),
        as_of=NOW,
        by=accountant,
    )

    message.refresh_from_db()
    assert (message.customer, message.template, message.status, message.created_by) == (
        customer,
        "letter_free_text",
        "queued",
        accountant,
    )
    assert message.to_addresses == ["anna@example.com"]
    assert "bitte rufen Sie uns zurück." in message.body_text
    assert seller.name in message.body_text.split("\n-- \n")[1]  # the footer, after the signature separator
    entry = customer_timeline(customer.pk, kinds=["messages"]).entries[0]
    assert (entry.type, entry.object_id, entry.message_status) == ("message.queued", message.pk, "queued")


@pytest.mark.django_db
def test_a_payment_plan_lists_its_instalments_and_is_about_the_invoices(seller, accountant):
    customer = _customer()
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="100.01")
    subject, body = letter_draft(customer=customer, template=LetterTemplate.PAYMENT_PLAN, as_of=NOW)
    assert "{instalments}" in body and "{amount}" in body

    message = letter_send(
        customer=customer,
        template=LetterTemplate.PAYMENT_PLAN,
        contact_ids=_ids(customer, "Anna Schmidt", "Bernd Kurz"),
        subject=subject,
        body=body,
        as_of=NOW,
        by=accountant,
        invoice_ids=[first.pk, second.pk],
        plan=PlanRequest(count=3, first_date=date(2026, 12, 15), interval=Interval.MONTHLY),
    )

    text = message.body_text
    assert "219,01\xa0€" in text  # {amount}: the open amount of both invoices
    assert "1. 15.12.2026: 73,01\xa0€" in text
    assert "2. 15.01.2027: 73,00\xa0€" in text
    assert "3. 15.02.2027: 73,00\xa0€" in text
    assert "{instalments}" not in text and "{amount}" not in text
    assert sorted(message.to_addresses) == ["anna@example.com", "bernd@example.com"]
    assert set(MessageSubject.objects.filter(message=message).values_list("object_id", flat=True)) == {
        first.pk,
        second.pk,
    }


@pytest.mark.django_db
def test_an_account_statement_letter_carries_the_statement_pdf(seller, accountant):
    customer = _customer()
    make_invoice(customer=customer, gross="119.00")
    subject, body = letter_draft(customer=customer, template=LetterTemplate.STATEMENT, as_of=NOW)

    message = letter_send(
        customer=customer,
        template=LetterTemplate.STATEMENT,
        contact_ids=_ids(customer, "Anna Schmidt"),
        subject=subject,
        body=body,
        as_of=NOW,
        by=accountant,
    )

    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == f"statement-{customer.number}-2026-12-07.pdf"
    with attachment.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
    assert "07.12.2026" in subject or "7. Dezember 2026" in subject


@pytest.mark.django_db
def test_an_english_customer_gets_english_wording(seller):
    customer = _customer(language="en")

    anna = list(customer.contacts.filter(name="Anna Schmidt"))
    subject, body = letter_draft(customer=customer, template=LetterTemplate.STATEMENT, as_of=NOW, contacts=anna)

    assert subject.startswith("Statement of your account") and body.startswith("Dear Anna Schmidt,")


# --- Refusals -------------------------------------------------------------------------------------


def _refusal(**changes) -> dict:
    customer = changes.pop("customer")
    arguments = {
        "customer": customer,
        "template": LetterTemplate.FREE_TEXT,
        "contact_ids": letter_default_contact_ids(customer) or [c.pk for c in customer.contacts.all()],
        "subject": "Betreff",
        "body": "Text",
        "as_of": NOW,
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        letter_send(**arguments)
    assert not OutboxMessage.objects.exists()
    return refused.value.message_dict


@pytest.mark.django_db
def test_a_customer_without_a_usable_address_is_refused(seller):
    customer = _customer(contacts=[{"name": "Ohne Mail", "phone": "+4989123456"}])
    with translation.override("en"):
        errors = _refusal(customer=customer, contact_ids=[])
    assert errors["to"] == [
        f"{customer.legal_name} has no contact with a usable e-mail address: add one or correct a bounced one."
    ]


@pytest.mark.django_db
def test_an_empty_body_and_subject_are_refused(seller):
    errors = _refusal(customer=_customer(), body="  \n ", subject=" ")
    assert set(errors) == {"body", "subject"}


@pytest.mark.django_db
def test_a_bounced_address_is_refused_naming_the_contact(seller):
    customer = _customer()
    bernd = customer.contacts.get(name="Bernd Kurz")
    bernd.email_invalid_since = NOW - timedelta(days=1)
    bernd.email_invalid_reason = "550 mailbox unknown"
    bernd.save()

    errors = _refusal(customer=customer, contact_ids=[bernd.pk])

    assert "Bernd Kurz" in errors["to"][0] and "550 mailbox unknown" in errors["to"][0]


@pytest.mark.django_db
def test_a_plan_for_more_than_is_open_or_without_invoices_is_refused(seller):
    customer = _customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    plan = PlanRequest(amount=Decimal("500.00"), count=2, first_date=TODAY, interval=Interval.MONTHLY)

    too_much = _refusal(customer=customer, template=LetterTemplate.PAYMENT_PLAN, invoice_ids=[invoice.pk], plan=plan)
    nothing = _refusal(
        customer=customer,
        template=LetterTemplate.PAYMENT_PLAN,
        plan=PlanRequest(count=2, first_date=TODAY, interval=Interval.MONTHLY),
    )
    foreign = _refusal(customer=customer, invoice_ids=[make_invoice(customer=_customer(), gross="10.00").pk])

    assert "amount" in too_much and "amount" in nothing and "invoices" in foreign


@pytest.mark.django_db
def test_the_preview_is_exactly_what_is_sent(seller):
    customer = _customer()
    arguments = {
        "customer": customer,
        "template": LetterTemplate.FREE_TEXT,
        "contact_ids": letter_default_contact_ids(customer),
        "subject": "Ihr Konto",
        "body": "Guten Tag,\n\nbitte melden Sie sich.",
        "as_of": NOW,
    }

    preview = letter_prepare(**arguments)
    message = letter_send(**arguments)

    assert (preview.subject, preview.body_text, preview.to[0]["email"]) == (
        message.subject,
        message.body_text,
        message.to_addresses[0],
    )


# --- Payment plans --------------------------------------------------------------------------------


@given(
    cents=st.integers(min_value=2, max_value=10**11),
    count=st.integers(min_value=2, max_value=36),
    interval=st.sampled_from(Interval.values),
)
def test_instalments_add_up_exactly_and_none_is_negative(cents, count, interval):
    amount = Decimal(cents) / 100
    if cents < count:
        with pytest.raises(ValidationError):
            payment_plan_split(
                amount=amount, currency="EUR", count=count, first_date=TODAY, interval=interval, today=TODAY
            )
        return
    rows = payment_plan_split(
        amount=amount, currency="EUR", count=count, first_date=TODAY, interval=interval, today=TODAY
    )
    assert sum(row.amount for row in rows) == amount
    assert all(row.amount > 0 for row in rows)
    assert max(row.amount for row in rows) - min(row.amount for row in rows) <= Decimal("0.01")
    assert all(row.amount == row.amount.quantize(Decimal("0.01")) for row in rows)
    assert [row.due_date for row in rows] == sorted({row.due_date for row in rows})
    assert len(rows) == count


def test_a_month_after_the_31st_is_the_last_day_of_the_next_month():
    rows = payment_plan_split(
        amount=Decimal("100.00"),
        currency="EUR",
        count=3,
        first_date=date(2027, 1, 31),
        interval=Interval.MONTHLY,
        today=TODAY,
    )
    assert [row.due_date for row in rows] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


def test_written_out_instalments_must_add_up_and_move_forward():
    good = payment_plan_rows(
        rows=[(date(2027, 1, 1), Decimal("60.00")), (date(2027, 2, 1), Decimal("40.00"))],
        amount=Decimal("100.00"),
        currency="EUR",
        today=TODAY,
    )
    assert [row.amount for row in good] == [Decimal("60.00"), Decimal("40.00")]
    for rows in (
        [(date(2027, 1, 1), Decimal("60.00")), (date(2027, 2, 1), Decimal("39.99"))],
        [(date(2027, 2, 1), Decimal("60.00")), (date(2027, 1, 1), Decimal("40.00"))],
        [(date(2026, 1, 1), Decimal("60.00")), (date(2027, 1, 1), Decimal("40.00"))],
        [(date(2027, 1, 1), Decimal("110.00")), (date(2027, 2, 1), Decimal("-10.00"))],
    ):
        with pytest.raises(ValidationError) as refused:
            payment_plan_rows(rows=rows, amount=Decimal("100.00"), currency="EUR", today=TODAY)
        assert "instalments" in refused.value.message_dict


# --- The page -------------------------------------------------------------------------------------


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.django_db
def test_the_letter_page_prefills_previews_and_sends(seller, accountant, viewer):
    customer = _customer()
    url = f"/admin/communications/customernote/customer/{customer.pk}/write/"
    client = browser(accountant)

    assert browser(viewer).get(url).status_code == 403
    page = client.get(url + "?template=letter_statement")
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["contacts"] == letter_default_contact_ids(customer) and "Kontoauszug" in initial["subject"]

    form = {
        "template": "letter_free_text",
        "contacts": letter_default_contact_ids(customer),
        "subject": "Ihr Konto",
        "body": "Guten Tag,\n\nbitte melden Sie sich.",
    }
    preview = client.post(url, {**form, "preview": "1"})
    assert preview.status_code == 200 and "bitte melden Sie sich." in preview.content.decode()
    assert not OutboxMessage.objects.exists()

    empty = client.post(url, {**form, "body": " ", "send": "1"})
    assert empty.status_code == 400 and not OutboxMessage.objects.exists()

    sent = client.post(url, {**form, "send": "1"})
    assert sent.status_code == 302
    assert sent["Location"] == f"/admin/communications/customernote/customer/{customer.pk}/timeline/"
    assert OutboxMessage.objects.get().subject == "Ihr Konto"
