"""Rendering a reminder: its PDF (PDF/A-3b, deterministic, stored with its hash), its e-mail, and
the files that go with it (the invoices' stored originals, an account statement).

CONTRACT (issue 19): the run calls ``reminder_pdf``, ``reminder_mail`` and
``reminder_attachments`` with a saved ``Reminder`` whose ``lines`` are set. The letter and the
e-mail are rendered from that snapshot only (never from live amounts), in ``reminder.language``;
the attachments are the invoices' originals byte for byte and a statement of the account as of
the run. The same reminder and ``as_of`` give the same PDF bytes (its identifier is derived from
the reminder, its creation date is ``as_of``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from communications.services.wording import (
    company_footer,
    format_day,
    format_money,
    mail_render,
    wording_template_register,
)
from core.documents import StoredFile, document_store, pdf_render
from core.girocode import girocode_svg
from core.languages import document_language
from core.models import CompanyProfile

from .models import Reminder
from .snapshot import Charge, ReminderLine, lines_from_json, reminder_total

REMINDER_FOLDER = "reminders"
TEMPLATE = "dunning/reminder.html"
# The letter asks for payment within this many days of its date (the pay-by date it prints).
PAY_WITHIN_DAYS = 10
ZERO = Decimal("0.00")

# The mail templates a level may use (``DunningLevel.template``), friendliest first; each has its
# files in ``templates/mail/<template>/`` and a wording finance managers may change per language.
PLACEHOLDERS = ("number", "amount", "pay_by", "invoice_count", "level")
PAYMENT_REMINDER = wording_template_register(
    "payment_reminder", placeholders=PLACEHOLDERS, label=pgettext_lazy("message template", "Payment reminder")
)
DUNNING_NOTICE = wording_template_register(
    "dunning_notice", placeholders=PLACEHOLDERS, label=pgettext_lazy("message template", "Dunning notice")
)
FINAL_NOTICE = wording_template_register(
    "final_notice", placeholders=PLACEHOLDERS, label=pgettext_lazy("message template", "Final notice")
)
MAIL_TEMPLATES = (PAYMENT_REMINDER, DUNNING_NOTICE, FINAL_NOTICE)


def mail_template_choices() -> list[tuple[str, str]]:
    """The level's template as a choice in words (admin, API schema)."""
    from communications.services.wording import template_label

    return [(template, template_label(template)) for template in MAIL_TEMPLATES]


# The default policy's level names (stored in German) as the title of a letter in another language.
_DEFAULT_TITLES = {
    "Zahlungserinnerung": pgettext_lazy("reminder title", "Payment reminder"),
    "Mahnung": pgettext_lazy("reminder title", "Reminder"),
    "Letzte Mahnung": pgettext_lazy("reminder title", "Final reminder"),
}

_CHARGE_LABELS = {
    "dunning_fee": gettext_lazy("Dunning fee"),
    "flat_fee": gettext_lazy("Flat fee for late payment (§ 288 (5) BGB)"),
    "default_interest": gettext_lazy("Default interest (§ 288 BGB)"),
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str
    template: str  # the wording template's key (communications' message wording)


def reminder_title(reminder: Reminder) -> str:
    """The level's name; the default policy's German names in the letter's language. Call under it."""
    name = reminder.level.name
    title = _DEFAULT_TITLES.get(name)
    return str(title) if title is not None and translation.get_language() != "de" else name


def reminder_date(reminder: Reminder, as_of: datetime | None = None) -> date:
    return timezone.localdate(as_of or reminder.created_at)


def reminder_pay_by(reminder: Reminder, as_of: datetime | None = None) -> date:
    return reminder_date(reminder, as_of) + timedelta(days=PAY_WITHIN_DAYS)


def reminder_filename(reminder: Reminder) -> str:
    number = re.sub(r"[^A-Za-z0-9_-]", "-", reminder.customer.number or str(reminder.customer_id))
    return f"reminder-{number}-{reminder.pk}.pdf"


def _charge_label(charge: Charge) -> str:
    return str(_CHARGE_LABELS.get(charge.kind, charge.kind))


def _fmt():
    from invoicing.documents.html import DocumentFormat

    return DocumentFormat(translation.get_language())


def _buyer_address(customer, fmt, home: str) -> list[str]:
    lines = [customer.legal_name, customer.billing_street, customer.billing_street2]
    lines.append(" ".join(filter(None, [customer.billing_postal_code, customer.billing_city])))
    if customer.billing_country and customer.billing_country != home:
        lines.append(fmt.country(customer.billing_country).upper())
    return [line for line in lines if line]


def _line_rows(lines: list[ReminderLine], fmt) -> tuple[list[dict], list[dict]]:
    invoices, charges = [], []
    for line in lines:
        invoices.append(
            {
                "number": line.number,
                "invoice_date": fmt.date(line.invoice_date),
                "due_date": fmt.date(line.due_date),
                "gross": fmt.money(line.gross, line.currency),
                "open": fmt.money(line.open, line.currency),
            }
        )
        for charge in line.charges:
            charges.append(
                {
                    "label": _charge_label(charge),
                    "invoice": line.number,
                    "amount": fmt.money(charge.amount, line.currency),
                    "earlier": not charge.new,
                    "note": charge.note,
                    "periods": [
                        {
                            "span": f"{fmt.date(s.start)} – {fmt.date(s.end)}",
                            "rate": fmt.percent(s.rate),
                            "reference_rate": fmt.percent(s.reference_rate),
                            "margin": fmt.rate(s.margin).rstrip("0").rstrip(",."),
                            "days": s.days,
                            "principal": fmt.money(s.principal, line.currency),
                            "amount": fmt.money(s.amount, line.currency),
                        }
                        for s in charge.periods
                    ],
                }
            )
    return invoices, charges


def reminder_context(reminder: Reminder, *, as_of: datetime) -> dict:
    """The letter's template context from the reminder's snapshot; call under its language."""
    from invoicing.documents.html import css_string, iban_blocks, logo_data_uri

    fmt = _fmt()
    profile = CompanyProfile.objects.filter(pk=1).first()
    seller = profile.snapshot() if profile else {}
    home = seller.get("country", "DE") or "DE"
    customer = reminder.customer
    lines = lines_from_json(reminder.lines)
    total = reminder_total(lines)
    principal = sum((line.open for line in lines), ZERO)
    charges_total = total - principal
    currency = reminder.currency
    letter_date = reminder_date(reminder, as_of)
    pay_by = reminder_pay_by(reminder, as_of)
    invoices, charges = _line_rows(lines, fmt)
    numbers = ", ".join(line.number for line in lines)
    girocode = None
    # A reminder is never about money a collection is pending for (the run skips those): a code for the total.
    if currency == "EUR" and total > 0:
        girocode = girocode_svg(
            name=seller.get("name", ""),
            iban=seller.get("iban", ""),
            bic=seller.get("bic", ""),
            amount=total.quantize(Decimal("0.01")),
            reference=" ".join(filter(None, [customer.number, numbers])),
        )
    title = reminder_title(reminder)
    page_label = _("Page %(page)s of %(pages)s") % {"page": "counter(page)", "pages": "counter(pages)"}
    page_counters = " ".join(
        part if part in ("counter(page)", "counter(pages)") else css_string(part)
        for part in re.split(r"(counter\(pages?\))", page_label)
        if part
    )
    return {
        "language": translation.get_language(),
        "title": title,
        "running_title": mark_safe(f"{css_string(f'{title} {customer.number} · ')} {page_counters}"),  # noqa: S308
        "seller": seller,
        "iban": iban_blocks(seller.get("iban", "")),
        "seller_country": fmt.country(seller["country"]) if seller.get("country") else "",
        "seller_line": " · ".join(
            filter(
                None,
                [seller.get("name"), seller.get("street"), f"{seller.get('postal_code', '')} {seller.get('city', '')}"],
            )
        ),
        "logo": logo_data_uri(seller.get("logo", "")),
        "customer": customer,
        "buyer_address": _buyer_address(customer, fmt, home),
        "letter_date": fmt.date(letter_date),
        "pay_by": fmt.date(pay_by),
        "invoices": invoices,
        "charges": charges,
        "principal": fmt.money(principal, currency),
        "charges_total": fmt.money(charges_total, currency),
        "has_charges": bool(charges),
        "has_interest": any(c.kind == "default_interest" for line in lines for c in line.charges),
        "total": fmt.money(total, currency),
        "numbers": numbers,
        "girocode": mark_safe(girocode) if girocode else None,  # noqa: S308 (segno's SVG)
        "final": reminder.level.position >= reminder.policy.levels.count() if reminder.policy_id else False,
    }


def reminder_pdf(reminder: Reminder, *, as_of: datetime) -> StoredFile:
    """Render and store the reminder's PDF; the same reminder and ``as_of`` give the same bytes."""
    language = document_language(reminder.language)
    with translation.override(language):
        context = reminder_context(reminder, as_of=as_of)
        html = render_to_string(TEMPLATE, context)
        title = f"{context['title']} {reminder.customer.number}"
        data = pdf_render(
            html=html,
            base_url=(settings.BASE_DIR / "templates").as_uri() + "/",
            identifier=f"reminder/{reminder.pk}/{as_of.isoformat()}".encode(),
            created=as_of,
            lang=language,
            title=title,
            author=context["seller"].get("name", ""),
        )
    return document_store(folder=REMINDER_FOLDER, filename=reminder_filename(reminder), data=data)


def _invoice_links(invoices, *, as_of: datetime) -> dict[int, str]:
    """The customer invoice page of each invoice where the portal makes one (invoicing's mail hook)."""
    from invoicing.hooks import invoice_mail_context

    links = {}
    for invoice in invoices:
        url = invoice_mail_context(invoice=invoice, as_of=as_of).get("page_url")
        if url:
            links[invoice.pk] = url
    return links


def reminder_mail(reminder: Reminder) -> RenderedMail:
    """Subject, text and HTML of the reminder's e-mail in ``reminder.language``, with the level's
    template: every invoice it covers (with its page link where the portal has one), the charges
    and the total. Call in the run's transaction (the links are made in it)."""
    from communications.services.outbox import message_recipients
    from invoicing.models import Invoice

    language = document_language(reminder.language)
    template = reminder.level.template if reminder.level.template in MAIL_TEMPLATES else DUNNING_NOTICE
    lines = lines_from_json(reminder.lines)
    as_of = reminder.created_at
    invoices = Invoice.objects.filter(pk__in=[line.invoice for line in lines]).select_related("customer")
    links = _invoice_links(invoices, as_of=as_of)
    customer = reminder.customer
    # One addressee is greeted by name; several share the neutral greeting (as invoice mails do).
    recipients = message_recipients(customer=customer, purpose="reminders")
    contact_name = recipients[0].get("name", "") if len(recipients) == 1 else ""
    total = reminder_total(lines)
    pay_by = reminder_pay_by(reminder)
    with translation.override(language):
        title = reminder_title(reminder)
        rows = [
            {
                "number": line.number,
                "invoice_date": format_day(line.invoice_date, language),
                "due_date": format_day(line.due_date, language),
                "open": format_money(line.open, line.currency, language),
                "charges": [
                    {"label": _charge_label(c), "amount": format_money(c.amount, line.currency, language)}
                    for c in line.charges
                ],
                "url": links.get(line.invoice, ""),
            }
            for line in lines
        ]
        numbers = ", ".join(line.number for line in lines)
        context = {
            "contact_name": contact_name,
            "company_name": company_footer(CompanyProfile.objects.filter(pk=1).first()).get("name", ""),
            "customer_name": customer.legal_name,
            "customer_number": customer.number or "",
            "number": numbers,
            "amount": total,
            "currency": reminder.currency,
            "rows": rows,
            "title": title,
            "extra_placeholders": {
                "pay_by": format_day(pay_by, language),
                "invoice_count": str(len(lines)),
                "level": title,
            },
            "has_charges": any(line.charges for line in lines),
            "attach_invoices": reminder.level.attach_invoices,
            "attach_statement": reminder.level.attach_statement,
        }
        subject, body_text, body_html = mail_render(template=template, language=language, context=context)
    return RenderedMail(subject=subject, body_text=body_text, body_html=body_html, template=template)


def reminder_attachments(reminder: Reminder, *, as_of: datetime) -> list:
    """The files the level sends with the reminder: the listed invoices' stored originals (PDF, and
    the XRechnung XML where the invoice has one) byte for byte when ``attach_invoices``, and an
    account statement as of ``as_of`` (this year up to the day) when ``attach_statement``. The
    reminder PDF itself is the run's (``reminder_pdf``). Raises ``DocumentsNotReady`` for an
    invoice without its stored original, ``StoredFileAltered`` for a tampered one."""
    from communications.services.outbox import AttachmentSpec
    from invoicing.models import Invoice, InvoiceDocument, InvoiceDocumentState
    from invoicing.services.documents import invoice_document_get, invoice_document_read
    from payments.statement import account_statement_pdf, statement_filename

    level = reminder.level
    specs: list = []
    lines = lines_from_json(reminder.lines)
    if level.attach_invoices and lines:
        order = {line.invoice: index for index, line in enumerate(lines)}
        invoices = sorted(Invoice.objects.filter(pk__in=order).prefetch_related("documents"), key=lambda i: order[i.pk])
        states = {s.invoice_id: s for s in InvoiceDocumentState.objects.filter(invoice__in=[i.pk for i in invoices])}
        for invoice in invoices:
            kinds = [InvoiceDocument.Kind.PDF]
            state = states.get(invoice.pk)
            if state is not None and state.xrechnung:
                kinds.append(InvoiceDocument.Kind.XRECHNUNG)
            for kind in kinds:
                document = invoice_document_get(invoice=invoice, kind=kind)
                specs.append(
                    AttachmentSpec(
                        filename=document.filename,
                        content_type=document.content_type,
                        data=invoice_document_read(document),
                        stored_name=document.file.name,
                        stored_sha256=document.sha256,
                    )
                )
    if level.attach_statement:
        day = timezone.localdate(as_of)
        data = account_statement_pdf(
            customer=reminder.customer,
            period_start=day.replace(month=1, day=1),
            period_end=day,
            as_of=as_of,
            language=document_language(reminder.language),
        )
        specs.append(
            AttachmentSpec(
                filename=statement_filename(reminder.customer, day), content_type="application/pdf", data=data
            )
        )
    return specs
