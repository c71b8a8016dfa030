"""The reminder letter (PDF/A-3b, deterministic), its e-mail per level and language, and the files
that go with it (the invoices' stored originals byte for byte, an account statement).

The letter is rendered from the reminder's snapshot (``lines``) only; the text layer (pypdf) is
what is checked: what the customer reads is what the snapshot says.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pikepdf
import pytest
from django.utils import translation
from pypdf import PdfReader

from communications.models import MessageWording
from customers.tests.factories import make_customer
from dunning.documents import reminder_attachments, reminder_context, reminder_mail, reminder_pdf
from dunning.models import DunningLevel, DunningPolicy, DunningRun, Reminder
from dunning.snapshot import Charge, InterestSlice, ReminderLine, lines_to_json
from invoicing.models import InvoiceDocument
from invoicing.services.documents import invoice_document_get, invoice_documents_render
from invoicing.tests.factories import D0, T0, at, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, net_terms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

CONTACTS = [
    {"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True, "receives_reminders": True}
]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def policy_level(position: int) -> DunningLevel:
    return DunningPolicy.objects.get(is_default=True).levels.get(position=position)


def make_reminder(*, language="de", position=2, invoices=None, customer=None) -> Reminder:
    customer = customer or make_customer(legal_name="Nordlicht Software AG", language=language, contacts=CONTACTS)
    if invoices is None:
        invoices = [
            make_invoice(customer=customer, gross="10000.00", terms=net_terms(14), as_of=at(D0 - timedelta(days=60))),
            make_invoice(customer=customer, gross="119.00", terms=net_terms(14), as_of=at(D0 - timedelta(days=40))),
        ]
    lines = []
    for index, invoice in enumerate(invoices):
        charges = ()
        if index == 0:
            charges = (
                Charge(kind="dunning_fee", amount=Decimal("0.00"), new=True, note="§ 288 (5) Satz 3 BGB: angerechnet"),
                Charge(kind="flat_fee", amount=Decimal("40.00"), new=True),
                Charge(
                    kind="default_interest",
                    amount=Decimal("415.52"),
                    new=True,
                    periods=(
                        InterestSlice(
                            start=date(2024, 6, 1),
                            end=date(2024, 6, 30),
                            principal=Decimal("10000.00"),
                            reference_rate=Decimal("3.62"),
                            margin=Decimal("9"),
                            rate=Decimal("12.62"),
                            days=30,
                            amount=Decimal("103.73"),
                        ),
                        InterestSlice(
                            start=date(2024, 7, 1),
                            end=date(2024, 9, 30),
                            principal=Decimal("10000.00"),
                            reference_rate=Decimal("3.37"),
                            margin=Decimal("9"),
                            rate=Decimal("12.37"),
                            days=92,
                            amount=Decimal("311.79"),
                        ),
                    ),
                ),
            )
        lines.append(
            ReminderLine(
                invoice=invoice.pk,
                number=invoice.number,
                invoice_date=invoice.invoice_date,
                due_date=invoice.due_date,
                level=position,
                gross=invoice.amount_due,
                open=invoice.amount_due,
                currency=invoice.currency,
                charges=charges,
            )
        )
    level = policy_level(position)
    run = DunningRun.objects.create(as_of=D0, started_at=T0)
    total = sum((line.open + sum((c.amount for c in line.charges), Decimal(0)) for line in lines), Decimal(0))
    return Reminder.objects.create(
        run=run,
        customer=customer,
        policy=level.policy,
        level=level,
        language=language,
        currency="EUR",
        total=total,
        lines=lines_to_json(lines),
        created_at=T0,
    )


# --- The default policy ---------------------------------------------------------------------------


def test_the_default_policy_has_three_levels_as_a_credit_controller_sets_them_up():
    policy = DunningPolicy.objects.get(is_default=True)
    levels = list(policy.levels.order_by("position"))

    assert policy.name == "Standard"
    assert [(lv.position, lv.name, lv.days, lv.counted_from, lv.template) for lv in levels] == [
        (1, "Zahlungserinnerung", 7, "due_date", "payment_reminder"),
        (2, "Mahnung", 14, "previous", "dunning_notice"),
        (3, "Letzte Mahnung", 14, "previous", "final_notice"),
    ]
    assert [(lv.fee, lv.charges_interest, lv.attach_invoices, lv.attach_statement, lv.task_kind) for lv in levels] == [
        (Decimal("0.00"), False, False, False, ""),
        (Decimal("5.00"), True, True, False, ""),
        (Decimal("5.00"), True, True, True, "call_customer"),
    ]


# --- The PDF --------------------------------------------------------------------------------------


def test_the_letter_lists_invoices_fees_flat_fee_and_interest_slices_separately_in_german():
    reminder = make_reminder(language="de")

    text = text_of(default_storage_read(reminder_pdf(reminder, as_of=T0)))

    assert "Mahnung" in text
    assert "Kundennr." in text or "Kundennummer" in text
    assert reminder.customer.number in text
    for line in reminder.lines:
        assert line["number"] in text
    assert "10.000,00 €" in text
    assert "40,00 €" in text  # the flat fee, a line of its own
    assert "415,52 €" in text
    assert "103,73 €" in text and "311,79 €" in text  # each slice with its amount
    assert "12,62 %" in text and "12,37 %" in text
    assert "Zinssatz" in text and "Steuersatz" not in text  # an interest rate, not a VAT rate
    assert "01.06.2024" in text or "1. Juni 2024" in text or "1 Juni 2024" in text
    assert "angerechnet" in text  # the charge's note
    assert "10.574,52 €" in text  # 10,000 + 119 + 40 + 415.52
    assert "nicht der Umsatzsteuer" in text
    assert "DE89 3704 0044 0532 0130 00" in text


def test_the_letter_speaks_english_for_an_english_customer():
    reminder = make_reminder(language="en")

    text = text_of(default_storage_read(reminder_pdf(reminder, as_of=T0)))

    assert "Reminder" in text
    assert "€10,574.52" in text
    assert "not subject to VAT" in text
    assert "Mahnung" not in text


def test_the_same_reminder_renders_the_same_bytes_and_is_stored_with_its_hash():
    reminder = make_reminder()

    first = reminder_pdf(reminder, as_of=T0)
    second = reminder_pdf(reminder, as_of=T0)

    assert first == second
    data = default_storage_read(first)
    assert hashlib.sha256(data).hexdigest() == first.sha256
    assert first.name.startswith("reminders/")


def test_the_letter_is_pdf_a_3b():
    reminder = make_reminder()

    with pikepdf.open(io.BytesIO(default_storage_read(reminder_pdf(reminder, as_of=T0)))) as pdf:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"


def test_the_letter_carries_a_girocode_for_the_total_in_euro_only():
    reminder = make_reminder(language="en")
    with translation.override("en"):
        context = reminder_context(reminder, as_of=T0)
        reminder.currency = "USD"
        assert reminder_context(reminder, as_of=T0)["girocode"] is None
    reminder.currency = "EUR"

    assert context["girocode"].startswith("<svg")
    assert "Pay by code" in text_of(default_storage_read(reminder_pdf(reminder, as_of=T0)))


def default_storage_read(stored) -> bytes:
    from core.documents import document_read

    return document_read(name=stored.name, sha256=stored.sha256)


# --- The e-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "template", "subject_word"),
    [(1, "payment_reminder", "Zahlungserinnerung"), (2, "dunning_notice", "Mahnung"), (3, "final_notice", "Letzte")],
)
def test_each_level_writes_its_own_mail_in_german(position, template, subject_word):
    reminder = make_reminder(position=position)

    mail = reminder_mail(reminder)

    assert mail.template == template
    assert subject_word in mail.subject
    for line in reminder.lines:
        assert line["number"] in mail.body_text
        assert line["number"] in mail.body_html
    assert "10.574,52" in mail.body_text and "10.574,52" in mail.body_html
    assert "Guten Tag Anna Schmidt," in mail.body_text  # the one contact who receives reminders, by name
    assert "Bitte überweisen Sie" in mail.body_text  # "Sie", as a German business letter writes
    assert "gegenstandslos" in mail.body_text and "gegenstandslos" in mail.body_html


def test_the_mail_links_every_invoice_to_its_customer_page():
    reminder = make_reminder(language="en")

    mail = reminder_mail(reminder)

    assert mail.body_text.count("/p/") >= 2 or mail.body_text.count("http") >= 2
    assert mail.body_html.count("<a href=") >= 2


def test_a_finance_manager_rewords_the_subject_per_language():
    MessageWording.objects.create(
        template="dunning_notice",
        language="de",
        subject="Offene Posten {customer_number}: {amount} bis {pay_by}",
        intro="",
        updated_at=T0,
    )
    reminder = make_reminder(position=2)

    mail = reminder_mail(reminder)

    assert mail.subject.startswith(f"Offene Posten {reminder.customer.number}: 10.574,52")
    assert "bis 07.12.2026" in mail.subject  # ten days after the letter's date


# --- Attachments ----------------------------------------------------------------------------------


def test_the_level_attaches_the_invoices_stored_originals_byte_for_byte_and_a_statement():
    customer = make_customer(legal_name="Nordlicht Software AG", language="de", contacts=CONTACTS)
    invoices = [
        make_invoice(customer=customer, gross="119.00", terms=net_terms(14), as_of=at(D0 - timedelta(days=40))),
        make_invoice(customer=customer, gross="238.00", terms=net_terms(14), as_of=at(D0 - timedelta(days=30))),
    ]
    for invoice in invoices:
        invoice_documents_render(invoice_id=invoice.pk, as_of=at(D0 - timedelta(days=29)))
    reminder = make_reminder(position=3, invoices=invoices, customer=customer)

    specs = reminder_attachments(reminder, as_of=T0)

    originals = [invoice_document_get(invoice=i, kind=InvoiceDocument.Kind.PDF) for i in invoices]
    assert [spec.stored_sha256 for spec in specs[:2]] == [doc.sha256 for doc in originals]
    assert [hashlib.sha256(spec.data).hexdigest() for spec in specs[:2]] == [doc.sha256 for doc in originals]
    assert specs[-1].filename.startswith("statement-") and specs[-1].data.startswith(b"%PDF")
    assert "Kontoauszug" in text_of(specs[-1].data)
    assert len(specs) == 3


def test_the_first_level_attaches_nothing():
    reminder = make_reminder(position=1)

    assert reminder_attachments(reminder, as_of=T0) == []
