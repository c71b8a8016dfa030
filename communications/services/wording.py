"""What a customer e-mail says: templates per language, and the wording finance managers edit.

A message is rendered once, when it is queued, and frozen on its outbox row (subject, text and
HTML body): the outbox proves what was sent, so a later edit of a template or a wording never
changes a message already written. Templates live in ``templates/mail/<template>/``
(``subject.txt``, ``intro.txt``, ``body.txt``, ``body.html``) around the shared ``mail/base.*``
(company name, and the footer a business letter needs: § 35a GmbHG / § 37a HGB, § 5 DDG).

Finance managers may reword the subject and the opening text per template and language
(``MessageWording``). Their text names placeholders such as ``{number}`` or ``{due_date}``,
filled with values formatted for the message's language (Babel, CLDR). A placeholder that does
not exist is refused when the wording is saved — never discovered while a customer waits.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.languages import document_language, language_codes, message_locale, percent_text

from ..models import MessageWording

# The placeholders each template's wording may name; every one is always filled.
COMMON_PLACEHOLDERS = ("company", "customer", "customer_number", "contact_name")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "invoice": (*COMMON_PLACEHOLDERS, "number", "amount", "invoice_date", "due_date"),
    "credit_note": (*COMMON_PLACEHOLDERS, "number", "amount", "invoice_date", "corrected_number"),
    "due_date_changed": (*COMMON_PLACEHOLDERS, "number", "amount", "old_due_date", "new_due_date", "due_date"),
}
# A list, so templates registered by the apps above (``wording_template_register``) appear wherever it is read.
TEMPLATES = list(PLACEHOLDERS)
# Each template by its name, for people (admin forms, lists, titles): never the code.
TEMPLATE_LABELS = {
    "invoice": pgettext_lazy("message template", "Invoice"),
    "credit_note": pgettext_lazy("message template", "Credit note"),
    "due_date_changed": pgettext_lazy("message template", "Due date changed"),
}


# Templates of the apps above (letters, staff mails) that have no editable wording here.
_OTHER_TEMPLATE_LABELS: dict[str, object] = {}


def template_label_register(template: str, label) -> str:
    """Name a message template for people where it is defined (``label``: a lazy translation), so the
    outbox never shows a code such as ``task_digest``."""
    _OTHER_TEMPLATE_LABELS[template] = label
    return template


def wording_template_register(template: str, *, placeholders: tuple[str, ...], label) -> str:
    """A mail template of an app above (dunning's reminders) whose subject and opening text finance
    managers may reword like the invoice's: ``placeholders`` beyond the common ones are filled from
    the context's ``extra_placeholders`` (texts already formatted) or the standard values."""
    PLACEHOLDERS[template] = (*COMMON_PLACEHOLDERS, *placeholders)
    TEMPLATE_LABELS[template] = label
    if template not in TEMPLATES:
        TEMPLATES.append(template)
    return template


def template_label(template: str) -> str:
    """A template's name in the reader's language; an unknown one as it is."""
    label = TEMPLATE_LABELS.get(template) or _OTHER_TEMPLATE_LABELS.get(template)
    return str(label) if label is not None else template


def format_money(amount: Decimal | None, currency: str, language: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=message_locale(language))


def format_day(value: date | None, language: str) -> str:
    """German business letters write 04.12.2026 (DIN 5008); English ones 4 December 2026: the CLDR
    pattern is a message of the catalogue, so each language's translator chooses it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    with translation.override(document_language(language)):
        pattern = pgettext("date format in letters (CLDR pattern)", "d MMMM y")
    return format_date(value, pattern, locale=message_locale(language))


def format_percent(value: Decimal | str, language: str) -> str:
    locale = message_locale(language)
    return percent_text(format_decimal(Decimal(str(value)), locale=locale), locale)


def _placeholder_values(template: str, language: str, context: dict) -> dict[str, str]:
    """Every placeholder of the template as the text it stands for, formatted for the language."""
    currency = context.get("currency", "EUR")
    values = {
        "company": context.get("company_name", ""),
        "customer": context.get("customer_name", ""),
        "customer_number": context.get("customer_number", ""),
        "contact_name": context.get("contact_name", ""),
        "number": context.get("number", ""),
        "corrected_number": context.get("corrected_number", ""),
        "amount": format_money(context.get("amount"), currency, language),
        "invoice_date": format_day(context.get("invoice_date"), language),
        "due_date": format_day(context.get("due_date"), language),
        "old_due_date": format_day(context.get("old_due_date"), language),
        "new_due_date": format_day(context.get("new_due_date"), language),
        **(context.get("extra_placeholders") or {}),
    }
    return {name: str(values.get(name, "")) for name in PLACEHOLDERS.get(template, COMMON_PLACEHOLDERS)}


def _placeholders_in(text: str) -> list[str]:
    """The field names ``str.format`` would look up; a malformed text raises ValueError."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if spec or conversion:
            raise ValueError(field)
        names.append(field)
    return names


def _check_wording(template: str, text: str) -> list[str]:
    allowed = PLACEHOLDERS[template]
    hint = ", ".join("{" + name + "}" for name in allowed)
    try:
        names = _placeholders_in(text)
    except ValueError:
        return [
            _("Curly braces only enclose a placeholder name, e.g. {number}; write {{ or }} for a brace. Available: %s")
            % hint
        ]
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        return [
            _("Unknown placeholder %(unknown)s. Available for this template: %(available)s")
            % {"unknown": ", ".join("{" + name + "}" for name in unknown), "available": hint}
        ]
    return []


def message_wording_clean(*, template: str, language: str, subject: str, intro: str) -> tuple[str, str]:
    """Check a wording before it is saved; returns the stripped subject and intro.

    Refuses, field by field, an unknown template or language, a subject with a line break (a
    header is one line, RFC 5322 § 2.2) and placeholders the template does not fill.
    """
    subject = subject.strip()
    intro = intro.strip()
    errors: dict[str, list[str]] = {}
    if template not in PLACEHOLDERS:
        errors["template"] = [_("Unknown template; choose one of: %s") % ", ".join(TEMPLATES)]
    if language not in language_codes():
        errors["language"] = [_("Unknown language; choose one of: %s") % ", ".join(language_codes())]
    if template in PLACEHOLDERS:
        if "\n" in subject or "\r" in subject:
            errors["subject"] = [_("The subject is one line.")]
        elif problems := _check_wording(template, subject):
            errors["subject"] = problems
        if problems := _check_wording(template, intro):
            errors["intro"] = problems
    if errors:
        raise ValidationError(errors)
    return subject, intro


def message_wording_save(
    *, template: str, language: str, subject: str, intro: str, as_of: datetime, by=None
) -> MessageWording:
    """Save the subject and opening text of a template in one language (empty: the shipped wording).

    Validated by ``message_wording_clean``: a wording that would fail at send time is refused now.
    """
    subject, intro = message_wording_clean(template=template, language=language, subject=subject, intro=intro)
    with transaction.atomic():
        wording, _created = MessageWording.objects.select_for_update().update_or_create(
            template=template,
            language=language,
            defaults={
                "subject": subject,
                "intro": intro,
                "updated_at": as_of,
                "updated_by": by if getattr(by, "pk", None) else None,
            },
        )
    return wording


def _fill(text: str, values: dict[str, str]) -> str:
    """A saved wording with its placeholders filled; it was checked when saved, but a template
    that lost a placeholder since must not stop a message: unknown names stay as written."""

    class Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    try:
        return string.Formatter().vformat(text, (), Keep(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


def _one_line(text: str) -> str:
    # A header is one line (RFC 5322 § 2.2); no-break spaces ("1.234,50 €") stay.
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip(" ")


def company_footer(profile) -> dict:
    """The data a German business letter (and e-mail) must carry: § 35a GmbHG / § 80 AktG / § 37a
    HGB — legal name with legal form, seat, register court and number, managing directors — and
    the contact data of § 5 DDG (Impressum)."""
    if profile is None:
        return {}
    return {
        "name": profile.name,
        "address": ", ".join(
            filter(None, [profile.street, " ".join(filter(None, [profile.postal_code, profile.city]))])
        ),
        "seat": profile.city,
        "register": " ".join(filter(None, [profile.register_court, profile.register_number])),
        "managing_directors": profile.managing_directors,
        "vat_id": profile.vat_id,
        "email": profile.email,
        "phone": profile.phone,
        "website": profile.website,
    }


def mail_render(*, template: str, language: str, context: dict) -> tuple[str, str, str]:
    """Subject, text body and HTML body of a message in a language.

    ``context`` carries raw values (``Decimal`` amounts with ``currency``, ``date`` objects,
    names); they are formatted here for the language. The subject and the opening text come from
    the finance managers' ``MessageWording`` when set, otherwise from the template files. The HTML
    body escapes every value (Django's autoescaping); the text body says the same sentences.
    """
    if template not in PLACEHOLDERS:
        raise ValueError(f"Unknown mail template {template!r}; expected one of {', '.join(TEMPLATES)}")
    language = document_language(language)
    values = _placeholder_values(template, language, context)
    wording = MessageWording.objects.filter(template=template, language=language).first()
    if "company_footer" not in context:
        from core.models import CompanyProfile

        context = {**context, "company_footer": company_footer(CompanyProfile.objects.filter(pk=1).first())}
    offers = [
        {
            "percent": format_percent(offer["percent"], language),
            "deadline": format_day(date.fromisoformat(offer["deadline"]), language),
            "amount_to_pay": format_money(Decimal(offer["amount_to_pay"]), context.get("currency", "EUR"), language),
        }
        for offer in context.get("discount_offers") or ()
    ]
    with translation.override(language):
        data = {**context, **{f"f_{key}": value for key, value in values.items()}, "language": language}
        data["offers"] = offers
        if wording is not None and wording.intro:
            intro = _fill(wording.intro, values)
        else:
            intro = render_to_string(f"mail/{template}/intro.txt", data).strip()
        data["intro_paragraphs"] = [p.strip() for p in re.split(r"\n\s*\n", intro) if p.strip()]
        if wording is not None and wording.subject:
            subject = _fill(wording.subject, values)
        else:
            subject = render_to_string(f"mail/{template}/subject.txt", data)
        subject = _one_line(subject)
        data["subject_line"] = subject
        body_text = render_to_string(f"mail/{template}/body.txt", data)
        body_html = render_to_string(f"mail/{template}/body.html", data)
    # Trailing spaces go, except in "-- ", the signature separator mail readers know (RFC 3676 § 4.3).
    lines = [line if line == "-- " else line.rstrip() for line in body_text.strip().splitlines()]
    body_text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return subject, body_text + "\n", body_html
