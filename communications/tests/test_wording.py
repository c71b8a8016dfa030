"""What customer e-mails say: templates in German and English, the wording finance managers edit."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from communications.models import MessageWording
from communications.services.wording import mail_render, message_wording_save
from invoicing.tests.factories import T0, make_company_profile

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def company(db):
    return make_company_profile(
        name="Debitor Test GmbH",
        managing_directors="Erika Musterfrau, Max Mustermann",
        register_court="Amtsgericht München",
        register_number="HRB 123456",
        phone="+49 89 123456",
    )


def invoice_context(**overrides) -> dict:
    context = {
        "contact_name": "Anna Schmidt",
        "company_name": "Debitor Test GmbH",
        "customer_name": "Beispiel Handel GmbH",
        "customer_number": "10001",
        "number": "RE-2026-000042",
        "amount": Decimal("1234.50"),
        "currency": "EUR",
        "invoice_date": date(2026, 11, 27),
        "due_date": date(2026, 12, 27),
        "discount_offers": [
            {"percent": "2.00", "deadline": "2026-12-07", "discount_amount": "24.69", "amount_to_pay": "1209.81"}
        ],
        "xrechnung": False,
    }
    return {**context, **overrides}


def visible_text(body_html: str) -> str:
    """What a reader of the HTML sees, as one line of words."""
    without_head = re.sub(r"<head>.*?</head>", " ", body_html, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_head)).split())


def test_an_english_invoice_mail_fills_number_amount_dates_and_skonto_in_english_formats():
    subject, text, body_html = mail_render(template="invoice", language="en", context=invoice_context())

    assert subject == "Invoice RE-2026-000042 from Debitor Test GmbH"
    assert text.startswith("Dear Anna Schmidt,\n")
    assert "Please find attached our invoice RE-2026-000042 of 27 November 2026 for €1,234.50." in text
    assert "Please transfer €1,234.50 by 27 December 2026, quoting the invoice number." in text
    assert "If you pay by 7 December 2026, you may deduct 2% early payment discount and pay €1,209.81." in text
    assert "PDF in ZUGFeRD format" in text
    assert "XRechnung" not in text
    assert "€1,234.50" in visible_text(body_html)


def test_a_german_invoice_mail_formats_amounts_and_dates_the_german_way():
    subject, text, body_html = mail_render(template="invoice", language="de", context=invoice_context())

    assert "RE-2026-000042" in subject
    assert f"1.234,50{NBSP}€" in text
    assert "27.12.2026" in text and "27.11.2026" in text
    assert f"2{NBSP}%" in text and f"1.209,81{NBSP}€" in text
    assert f"1.234,50{NBSP}€" in html.unescape(body_html)
    assert '<html lang="de">' in body_html


def test_a_german_invoice_mail_speaks_german_business_wording():
    """Needs the German catalogue (locale/de/LC_MESSAGES/django.po): "Sie", greeting and closing."""
    subject, text, _html = mail_render(template="invoice", language="de", context=invoice_context(contact_name=""))

    assert subject == "Rechnung RE-2026-000042 von Debitor Test GmbH"
    assert text.startswith("Sehr geehrte Damen und Herren,\n")
    assert "anbei erhalten Sie unsere Rechnung RE-2026-000042 vom 27.11.2026" in text
    assert "Mit freundlichen Grüßen" in text


def test_without_a_contact_name_the_greeting_is_neutral():
    _subject, text, _html = mail_render(template="invoice", language="en", context=invoice_context(contact_name=""))

    assert text.startswith("Dear Sir or Madam,\n")


def test_an_xrechnung_customer_is_told_the_xml_is_attached():
    _subject, text, body_html = mail_render(template="invoice", language="en", context=invoice_context(xrechnung=True))

    assert "XRechnung (XML) is attached" in text
    assert "XRechnung (XML) is attached" in visible_text(body_html)


def test_the_html_escapes_a_contact_name_with_markup_and_the_text_keeps_it_verbatim():
    evil = '<script>alert("x")</script> & Co'
    _subject, text, body_html = mail_render(
        template="invoice", language="en", context=invoice_context(contact_name=evil)
    )

    assert "<script>" not in body_html
    assert "&lt;script&gt;" in body_html
    assert f"Dear {evil}," in text


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(
    "template,extra",
    [
        ("invoice", {}),
        ("credit_note", {"corrected_number": "RE-2026-000041", "due_date": None, "discount_offers": []}),
        ("due_date_changed", {"old_due_date": date(2026, 12, 27), "new_due_date": date(2027, 1, 31)}),
    ],
)
def test_html_and_text_say_the_same(template, extra, language):
    _subject, text, body_html = mail_render(template=template, language=language, context=invoice_context(**extra))
    seen = visible_text(body_html)

    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip() and line.strip() != "--"]
    missing = [line for line in lines if line.rstrip(":") not in seen and line not in seen]
    # The text's "Label: value" rows are table cells in HTML: label and value must both be there.
    missing = [
        line for line in missing if not all(part.strip() in seen for part in line.split(": ", 1) if part.strip())
    ]
    assert missing == []


def test_the_footer_carries_the_register_data_and_managing_directors_of_a_business_letter():
    _subject, text, body_html = mail_render(template="invoice", language="en", context=invoice_context())

    for expected in ("Amtsgericht München HRB 123456", "Erika Musterfrau, Max Mustermann", "München", "DE136695976"):
        assert expected in text
        assert expected in visible_text(body_html)


def test_the_html_needs_nothing_from_the_network():
    _subject, _text, body_html = mail_render(template="invoice", language="en", context=invoice_context())

    assert "http://" not in body_html and "https://" not in body_html
    assert "<script" not in body_html and "<link" not in body_html


def test_a_due_date_notice_names_the_old_and_the_new_due_date():
    subject, text, _html = mail_render(
        template="due_date_changed",
        language="en",
        context=invoice_context(old_due_date=date(2026, 12, 27), new_due_date=date(2027, 1, 31)),
    )

    assert subject == "Invoice RE-2026-000042: new due date 31 January 2027"
    assert "instead of 27 December 2026, it is now due on 31 January 2027" in text


# --- Wording finance managers edit ----------------------------------------------------------------


def test_a_saved_wording_replaces_subject_and_opening_with_placeholders_formatted_per_language(manager):
    message_wording_save(
        template="invoice",
        language="de",
        subject="Ihre Rechnung {number} über {amount}",
        intro="vielen Dank für Ihren Auftrag.\n\nIhre Rechnung {number} ist am {due_date} fällig.",
        as_of=T0,
        by=manager,
    )

    subject, text, body_html = mail_render(template="invoice", language="de", context=invoice_context())

    assert subject == f"Ihre Rechnung RE-2026-000042 über 1.234,50{NBSP}€"
    assert "vielen Dank für Ihren Auftrag.\n\nIhre Rechnung RE-2026-000042 ist am 27.12.2026 fällig." in text
    assert "Ihre Rechnung RE-2026-000042 ist am 27.12.2026 fällig." in visible_text(body_html)
    wording = MessageWording.objects.get(template="invoice", language="de")
    assert wording.updated_by == manager and wording.updated_at == T0


def test_a_wording_in_one_language_leaves_the_other_language_alone():
    message_wording_save(template="invoice", language="de", subject="Rechnung {number}", intro="", as_of=T0)

    subject, _text, _html = mail_render(template="invoice", language="en", context=invoice_context())

    assert subject == "Invoice RE-2026-000042 from Debitor Test GmbH"


def test_an_empty_wording_falls_back_to_the_shipped_text():
    message_wording_save(template="invoice", language="en", subject="", intro="", as_of=T0)

    subject, text, _html = mail_render(template="invoice", language="en", context=invoice_context())

    assert subject == "Invoice RE-2026-000042 from Debitor Test GmbH"
    assert "Please find attached our invoice" in text


def test_saving_again_updates_the_one_row():
    message_wording_save(template="invoice", language="en", subject="A {number}", intro="", as_of=T0)
    message_wording_save(template="invoice", language="en", subject="B {number}", intro="", as_of=T0)

    assert list(MessageWording.objects.values_list("subject", flat=True)) == ["B {number}"]


@pytest.mark.parametrize(
    "field,subject,intro,needle",
    [
        ("subject", "Rechnung {nummer}", "", "{nummer}"),
        ("intro", "", "Fällig am {new_due_date}", "{new_due_date}"),  # not a placeholder of "invoice"
        ("subject", "Rechnung {number!r}", "", "{number}"),
        ("subject", "Rechnung {amount:>20}", "", "{amount}"),
        ("intro", "", "Hallo {contact_name.__class__}", "{contact_name}"),
        ("intro", "", "Klammer auf { und nie zu", "{number}"),
    ],
)
def test_an_unknown_or_malformed_placeholder_is_refused_when_saved(english, field, subject, intro, needle):
    with pytest.raises(ValidationError) as refused:
        message_wording_save(template="invoice", language="de", subject=subject, intro=intro, as_of=T0)

    assert list(refused.value.message_dict) == [field]
    assert needle in refused.value.message_dict[field][0]
    assert not MessageWording.objects.exists()


def test_a_subject_with_a_line_break_is_refused(english):
    with pytest.raises(ValidationError) as refused:
        message_wording_save(
            template="invoice", language="en", subject="Invoice\r\nBcc: x@evil.example", intro="", as_of=T0
        )

    assert refused.value.message_dict["subject"] == ["The subject is one line."]


def test_an_unknown_template_or_language_is_refused(english):
    with pytest.raises(ValidationError) as refused:
        message_wording_save(template="newsletter", language="fr", subject="", intro="", as_of=T0)

    assert set(refused.value.message_dict) == {"template", "language"}


def test_literal_braces_are_written_doubled():
    message_wording_save(template="invoice", language="en", subject="{{Ref}} {number}", intro="", as_of=T0)

    subject, _text, _html = mail_render(template="invoice", language="en", context=invoice_context())

    assert subject == "{Ref} RE-2026-000042"


def test_rendering_restores_the_active_language():
    with translation.override("de"):
        mail_render(template="invoice", language="en", context=invoice_context())
        assert translation.get_language() == "de"
