"""Drafts: freely editable and deletable; totals are recomputed on every save (live totals)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.events import event_record
from customers.models import PaymentTerms

from ..models import (
    DocumentStatus,
    DocumentType,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceEvent,
    InvoiceLine,
)
from ..totals import AllowanceChargeInput, LineInput, Totals, TotalsError, compute_totals
from .draft_cleaning import MAX_STORED_AMOUNT, _clean_all, _grouped


def document_totals(invoice: Invoice, lines: list, allowances: list) -> Totals:
    """The EN 16931 totals of stored rows (drafts' live totals; raises TotalsError)."""
    return compute_totals(
        lines=[LineInput.of(line) for line in lines],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=a.is_charge,
                vat_category=a.vat_category,
                vat_rate=a.vat_rate,
                amount=a.amount,
                percent=a.percent,
                base_amount=a.base_amount,
                reason=a.reason or a.reason_code,  # BR-33/BR-38 accept a reason or a reason code
            )
            for a in allowances
        ],
        prepaid_amount=Decimal(str(invoice.prepaid_amount)),  # a fresh instance holds the int default
        currency=invoice.currency,
    )


def recompute_totals(invoice: Invoice):
    """Store line nets and totals of a draft (EN 16931 arithmetic, invoicing.totals) and return them.

    Refused (field errors) when an amount outgrows its column or the prepaid amount exceeds
    the total (the amount due would be negative).
    """
    lines = list(invoice.lines.order_by("position"))
    allowances = list(invoice.allowances_charges.order_by("position"))
    try:
        totals = document_totals(invoice, lines, allowances)
    except TotalsError as exc:
        raise ValidationError({key: [message] for key, message in exc.errors.items()}) from None
    errors: dict[str, list[str]] = {}
    for index, result in enumerate(totals.lines):
        if abs(result.net_amount) >= MAX_STORED_AMOUNT:
            errors.setdefault(f"lines.{index}.quantity", []).append(
                _("The line amount %(amount)s is too large (at most %(maximum)s − 0.01).")
                % {"amount": result.net_amount, "maximum": _grouped(MAX_STORED_AMOUNT)}
            )
    for index, result in enumerate(totals.allowances_charges):
        if abs(result.amount) >= MAX_STORED_AMOUNT:
            errors.setdefault(f"allowances_charges.{index}.amount", []).append(
                _("The amount %(amount)s is too large.") % {"amount": result.amount}
            )
    if not errors and any(
        abs(amount) >= MAX_STORED_AMOUNT
        for amount in (totals.line_total, totals.tax_exclusive_total, totals.tax_inclusive_total, totals.amount_due)
    ):
        errors.setdefault("lines", []).append(
            _("The invoice total is too large (below %(maximum)s).") % {"maximum": _grouped(MAX_STORED_AMOUNT)}
        )
    if totals.prepaid_amount > 0 and totals.amount_due < 0:
        errors.setdefault("prepaid_amount", []).append(
            _("The prepaid amount %(prepaid)s exceeds the invoice total %(total)s.")
            % {"prepaid": totals.prepaid_amount, "total": totals.tax_inclusive_total}
        )
    if errors:
        raise ValidationError(errors)
    for line, result in zip(lines, totals.lines, strict=True):
        if line.net_amount != result.net_amount:
            line.net_amount = result.net_amount
            line.save(update_fields=["net_amount"])
    for allowance, result in zip(allowances, totals.allowances_charges, strict=True):
        if allowance.computed_amount != result.amount:
            allowance.computed_amount = result.amount
            allowance.save(update_fields=["computed_amount"])
    invoice.line_total = totals.line_total
    invoice.allowance_total = totals.allowance_total
    invoice.charge_total = totals.charge_total
    invoice.tax_exclusive_total = totals.tax_exclusive_total
    invoice.tax_total = totals.tax_total
    invoice.tax_inclusive_total = totals.tax_inclusive_total
    invoice.amount_due = totals.amount_due
    invoice.save(
        update_fields=[
            "line_total",
            "allowance_total",
            "charge_total",
            "tax_exclusive_total",
            "tax_total",
            "tax_inclusive_total",
            "amount_due",
        ]
    )
    return totals


def _write_children(invoice: Invoice, lines: list[dict] | None, allowances: list[dict] | None) -> None:
    if lines is not None:
        invoice.lines.all().delete()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, position=index + 1, **row) for index, row in enumerate(lines)
        )
    if allowances is not None:
        invoice.allowances_charges.all().delete()
        InvoiceAllowanceCharge.objects.bulk_create(
            InvoiceAllowanceCharge(invoice=invoice, position=index + 1, **row) for index, row in enumerate(allowances)
        )


BUYER_CONTACT_FIELDS = ("buyer_contact_name", "buyer_contact_phone", "buyer_contact_email")


def _invoice_contact_defaults(customer, data: dict) -> dict:
    """BG-9 of a new draft: the customer's contact who receives invoices (the first by name), unless
    the caller gives any of the contact fields (an empty one included: "no contact on this invoice")."""
    if any(field in data for field in BUYER_CONTACT_FIELDS):
        return {}
    contact = customer.contacts.filter(receives_invoices=True).order_by("name", "id").first()
    if contact is None:
        return {}
    return {
        "buyer_contact_name": contact.name,
        "buyer_contact_phone": contact.phone,
        "buyer_contact_email": contact.email,
    }


def invoice_draft_create(
    *,
    customer,
    as_of: datetime,
    data: dict | None = None,
    lines: list[dict] = (),
    allowances_charges: list[dict] = (),
    by=None,
    document_type: str = DocumentType.INVOICE,
    corrected_invoice: Invoice | None = None,
) -> Invoice:
    """A new draft for a customer (currency, language and terms default to the customer's).

    Credit notes reference the invoice they correct (BT-25); ``credit_note_create`` builds them.
    """
    if (document_type == DocumentType.CREDIT_NOTE) != (corrected_invoice is not None):
        raise ValidationError(
            {"corrected_invoice": [_("A credit note references the invoice it corrects; an invoice references none.")]}
        )
    header, clean_line_rows, clean_allowance_rows = _clean_all(
        data=dict(data or {}), lines=list(lines), allowances=list(allowances_charges), instance=None, as_of=as_of
    )
    for field, value in _invoice_contact_defaults(customer, data or {}).items():
        header.setdefault(field, value)
    with transaction.atomic():
        invoice = Invoice(
            document_type=document_type,
            customer=customer,
            corrected_invoice=corrected_invoice,
            currency=header.pop("currency", None) or customer.currency,
            language=header.pop("language", None) or customer.language,
            payment_terms=header.pop("payment_terms", None)
            or customer.payment_terms
            or PaymentTerms.objects.filter(is_default=True).first(),
            created_at=as_of,
            updated_at=as_of,
            created_by=by if getattr(by, "pk", None) else None,
            **header,
        )
        invoice.save()
        _write_children(invoice, clean_line_rows, clean_allowance_rows)
        recompute_totals(invoice)
        InvoiceEvent.objects.create(
            invoice=invoice,
            kind=InvoiceEvent.Kind.CREATED,
            at=as_of,
            by=invoice.created_by,
            to_state=DocumentStatus.DRAFT,
        )
    return invoice


def invoice_draft_update(
    *,
    invoice: Invoice,
    as_of: datetime,
    data: dict | None = None,
    lines: list[dict] | None = None,
    allowances_charges: list[dict] | None = None,
    by=None,
) -> Invoice:
    """Change a draft; lists given replace the draft's lines or allowances entirely."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != DocumentStatus.DRAFT:
            raise DocumentNotEditable(invoice)
        header, clean_line_rows, clean_allowance_rows = _clean_all(
            data=dict(data or {}), lines=lines, allowances=allowances_charges, instance=invoice, as_of=as_of
        )
        for field, value in header.items():
            setattr(invoice, field, value)
        invoice.updated_at = as_of
        invoice.save()
        _write_children(invoice, clean_line_rows, clean_allowance_rows)
        recompute_totals(invoice)
        event_record(
            type="invoice.draft_changed",
            obj=invoice,
            customer_id=invoice.customer_id,
            data={"fields": sorted(header), "lines": lines is not None, "allowances": allowances_charges is not None},
            at=as_of,
        )
    return invoice


def invoice_draft_delete(*, invoice: Invoice, as_of: datetime, by=None) -> None:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != DocumentStatus.DRAFT:
            raise DocumentNotEditable(invoice)
        # Logged before the delete: the log keeps the draft's id, which nothing else will.
        event_record(type="invoice.draft_deleted", obj=invoice, customer_id=invoice.customer_id, at=as_of)
        invoice.delete()


class DocumentStateConflict(ValidationError):
    """The document is in the wrong state for this act (e.g. crediting a draft): the API answers 409.

    Still a ValidationError keyed "invoice", so forms and services handle it like one.
    """

    def __init__(self, message: str):
        super().__init__({"invoice": [message]})
        self.reason = message

    def __str__(self) -> str:
        return self.reason


class DocumentNotEditable(Exception):
    """An issued or cancelled document was to be changed: the API answers 409 with this reason."""

    def __init__(self, invoice: Invoice):
        self.invoice = invoice
        super().__init__(
            _(
                "%(document)s is %(status)s: issued documents cannot be changed or deleted (GoBD); "
                "correct them with a credit note."
            )
            % {"document": invoice.number or invoice.pk, "status": invoice.get_status_display()}
        )
