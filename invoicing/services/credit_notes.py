"""Creating a credit note for an issued invoice: drafted from the invoice and issued at once."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.languages import document_language, document_locale
from core.locks import lock_rows
from customers.models import Customer

from ..models import (
    DocumentStatus,
    DocumentType,
    Invoice,
)
from .draft_cleaning import ALLOWANCE_FIELDS, LINE_FIELDS, REFERENCE_AND_CONTACT_FIELDS
from .drafts import DocumentStateConflict, invoice_draft_create
from .issue import invoice_issue
from .issue_checks import _exceeds
from .locks import invoices_lock


def credit_note_note(invoice) -> str:
    """The note a credit note starts with, naming the invoice it corrects, in the invoice's language."""
    language = document_language(invoice.language)
    with translation.override(language):
        pattern = pgettext("date format in document notes (CLDR pattern)", "dd MMM y")
        text = pgettext("credit note", "Correction of invoice %(number)s of %(date)s")
    return text % {
        "number": invoice.number,
        "date": format_date(invoice.invoice_date, pattern, locale=document_locale(language)),
    }


def credit_note_create(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    lines: list[dict] | None = None,
    reason: str = "",
    issue: bool = False,
) -> Invoice:
    """A credit note (draft, or issued with ``issue=True``) correcting an issued invoice (BT-25).

    Full (``lines=None``: all lines and allowances, only while nothing has been credited) or
    partial with the given lines. Refused when it would credit more than is left; nothing is
    saved then.
    """
    with transaction.atomic():
        if issue:
            # Issuing locks the customer, which comes before the invoice (core.locks.LOCK_ORDER).
            lock_rows(Customer, [invoice.customer_id])
        invoice = invoices_lock(invoice.pk)[invoice.pk]
        if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
            raise DocumentStateConflict(
                _("Only issued invoices can be credited; %(document)s is %(type)s %(status)s.")
                % {
                    "document": invoice.number or invoice.pk,
                    "type": invoice.get_document_type_display(),
                    "status": invoice.get_status_display(),
                }
            )
        already = invoice.credited_amount
        full = lines is None
        if full:
            if already:
                raise ValidationError(
                    {
                        "invoice": [
                            _("%(number)s has been credited partly (%(amount)s); credit the rest line by line.")
                            % {"number": invoice.number, "amount": already}
                        ]
                    }
                )
            lines = [
                {field: getattr(line, field) for field in LINE_FIELDS} for line in invoice.lines.order_by("position")
            ]
            allowances = [
                {field: getattr(a, field) for field in ALLOWANCE_FIELDS}
                for a in invoice.allowances_charges.order_by("position")
            ]
        else:
            allowances = []
        # German: "Rechnungskorrektur", not "Gutschrift": in German VAT law that word means
        # self-billing (§ 14 (2) Satz 2 UStG).
        note = credit_note_note(invoice)
        if reason.strip():
            note = f"{note}: {reason.strip()}"
        credit_note = invoice_draft_create(
            customer=invoice.customer,
            as_of=as_of,
            by=by,
            document_type=DocumentType.CREDIT_NOTE,
            corrected_invoice=invoice,
            data={
                "currency": invoice.currency,
                "language": invoice.language,
                "service_date": invoice.service_date,
                "service_period_start": invoice.service_period_start,
                "service_period_end": invoice.service_period_end,
                "deliver_to_country": invoice.deliver_to_country,
                "buyer_reference": invoice.buyer_reference,
                "purchase_order_reference": invoice.purchase_order_reference,
                # The references and the buyer's contact of the invoice it corrects, as issued.
                **{field: getattr(invoice, field) for field in REFERENCE_AND_CONTACT_FIELDS},
                "note": note,
            },
            lines=lines,
            allowances_charges=allowances,
        )
        remaining = invoice.tax_inclusive_total - already
        if credit_note.tax_inclusive_total > remaining:
            # Raising rolls the draft back: crediting more would credit the same supply twice.
            raise ValidationError({"lines": [_exceeds(credit_note.tax_inclusive_total, invoice.number, remaining)]})
        if credit_note.tax_inclusive_total <= 0:
            raise ValidationError({"lines": [_("A credit note credits an amount above zero.")]})
        if issue:
            credit_note = invoice_issue(invoice=credit_note, as_of=as_of, by=by)
    return credit_note
