"""Writing to a customer from the timeline: free text, a payment-plan proposal, an account statement.

A letter is an e-mail through the outbox (``communications.services.outbox.message_queue``), so it
is tracked like every other message (queued, sent, delivered, bounced) and shows on the timeline.
``letter_draft`` prefills subject and text in the customer's language; the person edits them;
``letter_prepare`` checks everything and builds the final mail (also the preview); ``letter_send``
queues it. Refused with a ``ValidationError`` naming the field: no contact with a usable e-mail
address, a chosen contact whose address bounced, an empty subject or text, an invoice that is not
this customer's open invoice, a plan that does not add up.

The text may hold two placeholders, filled when the mail is built: ``{amount}`` (the plan's amount)
and ``{instalments}`` (the plan's instalments, one per line; appended when the text lost it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from communications.models import Contact, OutboxMessage
from communications.services.outbox import AttachmentSpec, message_queue, message_recipients
from communications.services.wording import company_footer, format_day, format_money, template_label_register
from core.formatting import money_text
from core.languages import document_language
from core.models import CompanyProfile
from invoicing.models import DocumentStatus, DocumentType, Invoice
from payments.statement import account_statement_pdf, statement_filename

from .plans import Instalment, payment_plan_rows, payment_plan_split

PURPOSE = "letters"
AMOUNT_PLACEHOLDER = "{amount}"
INSTALMENTS_PLACEHOLDER = "{instalments}"


class LetterTemplate(models.TextChoices):
    FREE_TEXT = "letter_free_text", pgettext_lazy("letter template", "Free text")
    PAYMENT_PLAN = "letter_payment_plan", pgettext_lazy("letter template", "Payment plan proposal")
    STATEMENT = "letter_statement", pgettext_lazy("letter template", "Account statement")


for _template in LetterTemplate:
    template_label_register(_template.value, _template.label)  # the outbox names letters by their template


@dataclass(frozen=True)
class PlanRequest:
    """A payment plan to propose: ``amount`` (None: the open amount of the chosen invoices), and
    either ``count`` + ``first_date`` + ``interval`` or explicit ``rows`` of (date, amount)."""

    amount: Decimal | None = None
    count: int | None = None
    first_date: date | None = None
    interval: str = ""
    rows: list[tuple[date, Decimal]] | None = None


@dataclass
class Letter:
    """A letter ready to queue (and to preview): exactly what the customer will get."""

    customer: object
    template: str
    language: str
    subject: str
    body_text: str
    to: list[dict]
    contacts: list[Contact]
    invoices: list[Invoice] = field(default_factory=list)
    instalments: list[Instalment] = field(default_factory=list)
    amount: Decimal | None = None
    currency: str = ""
    attachments: list[AttachmentSpec] = field(default_factory=list)


# --- Who can receive it ---------------------------------------------------------------------------


def letter_contacts(customer) -> list[Contact]:
    """The customer's contacts with an e-mail address, usable or not (the form shows why not)."""
    return list(Contact.objects.filter(customer=customer).exclude(email="").order_by("name", "id"))


def letter_default_contact_ids(customer) -> list[int]:
    """Who gets a letter unless the person chooses: the invoice recipients with a usable address."""
    return [entry["contact_id"] for entry in message_recipients(customer=customer, purpose=PURPOSE)]


def open_invoices(customer) -> list[Invoice]:
    """The customer's issued invoices with an open amount, oldest due first."""
    return list(
        Invoice.objects.filter(
            customer=customer,
            status=DocumentStatus.ISSUED,
            document_type=DocumentType.INVOICE,
            open_amount__gt=0,
        ).order_by("due_date", "invoice_date", "id")
    )


# --- Prefilled wording ----------------------------------------------------------------------------


def _greeting_name(contacts: list[Contact]) -> str:
    return contacts[0].name if len(contacts) == 1 else ""


def letter_draft(*, customer, template: str, as_of: datetime, contacts: list[Contact] | None = None) -> tuple[str, str]:
    """Subject and text of a letter, prefilled in the customer's language, for the person to edit."""
    if template not in LetterTemplate.values:
        raise ValidationError({"template": [_("Choose a template: free text, payment plan or account statement.")]})
    language = document_language(customer.language)
    profile = CompanyProfile.objects.filter(pk=1).first()
    context = {
        "contact_name": _greeting_name(contacts or []),
        "company_footer": company_footer(profile),
        "customer_number": customer.number,
        "customer_name": customer.legal_name,
        "statement_date": format_day(timezone.localdate(as_of), language),
        "amount_placeholder": AMOUNT_PLACEHOLDER,
        "instalments_placeholder": INSTALMENTS_PLACEHOLDER,
    }
    name = template.removeprefix("letter_")
    with translation.override(language):
        subject = render_to_string(f"casework/letters/{name}_subject.txt", context)
        body = render_to_string(f"casework/letters/{name}_body.txt", context)
    return " ".join(subject.split()), _tidy(body)


def _tidy(text: str) -> str:
    # Trailing spaces go, except in "-- ", the signature separator (RFC 3676 § 4.3).
    lines = [line if line == "-- " else line.rstrip() for line in (text or "").strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


# --- Building and sending -------------------------------------------------------------------------


def _chosen_contacts(customer, contact_ids, errors: dict) -> list[Contact]:
    ids = [int(pk) for pk in contact_ids or ()]
    usable_anywhere = Contact.objects.filter(customer=customer, email_invalid_since__isnull=True).exclude(email="")
    if not usable_anywhere.exists():
        errors["to"] = [
            _("%(customer)s has no contact with a usable e-mail address: add one or correct a bounced one.")
            % {"customer": customer.legal_name}
        ]
        return []
    if not ids:
        errors["to"] = [_("Choose at least one contact to write to.")]
        return []
    contacts = list(Contact.objects.filter(customer=customer, pk__in=ids).order_by("name", "id"))
    problems = []
    if len(contacts) != len(set(ids)):
        problems.append(_("Choose only contacts of %(customer)s.") % {"customer": customer.legal_name})
    for contact in contacts:
        if not contact.email:
            problems.append(_("%(contact)s has no e-mail address.") % {"contact": contact.name})
        elif contact.email_invalid_since is not None:
            problems.append(
                _("The e-mail address of %(contact)s is marked undeliverable (%(reason)s); correct it first.")
                % {"contact": contact.name, "reason": contact.email_invalid_reason or _("bounced")}
            )
    if problems:
        errors["to"] = problems
    return contacts


def _chosen_invoices(customer, invoice_ids, errors: dict) -> list[Invoice]:
    ids = sorted({int(pk) for pk in invoice_ids or ()})
    if not ids:
        return []
    invoices = [invoice for invoice in open_invoices(customer) if invoice.pk in ids]
    if len(invoices) != len(ids):
        errors["invoices"] = [_("Choose only open invoices of %(customer)s.") % {"customer": customer.legal_name}]
    elif len({invoice.currency for invoice in invoices}) > 1:
        errors["invoices"] = [_("Choose invoices of one currency for one plan.")]
    return invoices


def _plan(customer, plan: PlanRequest | None, invoices: list[Invoice], today: date, errors: dict):
    if plan is None:
        errors["plan"] = [_("Describe the payment plan: number of instalments, first date and interval.")]
        return [], None, customer.currency
    currency = invoices[0].currency if invoices else customer.currency
    open_total = sum(
        (invoice.open_amount for invoice in (invoices or open_invoices(customer)) if invoice.currency == currency),
        Decimal(0),
    )
    amount = plan.amount if plan.amount is not None else (open_total if invoices else None)
    if amount is None:
        errors["amount"] = [_("Choose the invoices the plan covers or enter its amount.")]
        return [], None, currency
    if amount > open_total:
        errors["amount"] = [
            _("The plan's %(amount)s is more than the open %(open)s.")
            % {
                "amount": money_text(amount, currency),
                "open": money_text(open_total, currency),
            }
        ]
        return [], amount, currency
    try:
        if plan.rows:
            instalments = payment_plan_rows(rows=plan.rows, amount=amount, currency=currency, today=today)
        else:
            instalments = payment_plan_split(
                amount=amount,
                currency=currency,
                count=plan.count,
                first_date=plan.first_date,
                interval=plan.interval,
                today=today,
            )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return [], amount, currency
    return instalments, amount, currency


def _instalment_lines(instalments: list[Instalment], currency: str, language: str) -> str:
    return "\n".join(
        f"{number}. {format_day(row.due_date, language)}: {format_money(row.amount, currency, language)}"
        for number, row in enumerate(instalments, start=1)
    )


def letter_prepare(
    *,
    customer,
    template: str,
    contact_ids,
    subject: str,
    body: str,
    as_of: datetime,
    invoice_ids=(),
    plan: PlanRequest | None = None,
) -> Letter:
    """Check a letter and build it as it will be sent (the preview shows exactly this)."""
    errors: dict[str, list[str]] = {}
    if template not in LetterTemplate.values:
        errors["template"] = [_("Choose a template: free text, payment plan or account statement.")]
    contacts = _chosen_contacts(customer, contact_ids, errors)
    invoices = _chosen_invoices(customer, invoice_ids, errors)
    subject = " ".join((subject or "").split())
    if not subject:
        errors["subject"] = [_("The subject must not be empty.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the text of the letter; it must not be empty.")]
    language = document_language(customer.language)
    today = timezone.localdate(as_of)
    instalments, amount, currency = [], None, customer.currency
    if template == LetterTemplate.PAYMENT_PLAN and "invoices" not in errors:
        instalments, amount, currency = _plan(customer, plan, invoices, today, errors)
    if errors:
        raise ValidationError(errors)
    text = _tidy(body)
    attachments = []
    if template == LetterTemplate.PAYMENT_PLAN:
        lines = _instalment_lines(instalments, currency, language)
        text = text.replace(AMOUNT_PLACEHOLDER, format_money(amount, currency, language))
        text = text.replace(INSTALMENTS_PLACEHOLDER, lines) if INSTALMENTS_PLACEHOLDER in text else f"{text}\n{lines}\n"
    if template == LetterTemplate.STATEMENT:
        pdf = account_statement_pdf(
            customer=customer, period_start=today.replace(day=1), period_end=today, as_of=as_of, language=language
        )
        attachments.append(
            AttachmentSpec(filename=statement_filename(customer, today), content_type="application/pdf", data=pdf)
        )
    profile = CompanyProfile.objects.filter(pk=1).first()
    with translation.override(language):
        body_text = render_to_string(
            "casework/letters/mail.txt", {"text": text, "company_footer": company_footer(profile)}
        )
    return Letter(
        customer=customer,
        template=template,
        language=language,
        subject=subject,
        body_text=_tidy(body_text),
        to=[{"name": c.name, "email": c.email, "contact_id": c.pk} for c in contacts],
        contacts=contacts,
        invoices=invoices,
        instalments=instalments,
        amount=amount,
        currency=currency,
        attachments=attachments,
    )


def letter_send(
    *,
    customer,
    template: str,
    contact_ids,
    subject: str,
    body: str,
    as_of: datetime,
    by=None,
    invoice_ids=(),
    plan: PlanRequest | None = None,
) -> OutboxMessage:
    """Queue a letter in the outbox (tracked like every other message; the timeline shows it).

    The message belongs to ``customer`` and is about the chosen invoices (its subjects)."""
    letter = letter_prepare(
        customer=customer,
        template=template,
        contact_ids=contact_ids,
        subject=subject,
        body=body,
        as_of=as_of,
        invoice_ids=invoice_ids,
        plan=plan,
    )
    with transaction.atomic():
        return message_queue(
            customer=customer,
            template=letter.template,
            language=letter.language,
            subject=letter.subject,
            body_text=letter.body_text,
            to=letter.to,
            cause=str(LetterTemplate(letter.template).label),
            as_of=as_of,
            by=by,
            subjects=letter.invoices,
            attachments=letter.attachments,
        )
