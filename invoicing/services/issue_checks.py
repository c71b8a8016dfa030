"""What must hold before a document is issued (complete, XRechnung-ready, credit note within the
invoice, dates in order), and the lookups these checks need."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from core.fonts import check_drawable
from core.money import quantize
from customers.services.common import PRINTED_CUSTOMER_FIELDS

from ..models import (
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Invoice,
    VatCategory,
)
from .draft_cleaning import REFERENCE_AND_CONTACT_FIELDS, exemption_problems, vat_rate_known


class InvoiceIssueError(ValidationError):
    """The draft cannot be issued yet; field-level reasons."""


def _check_complete(invoice: Invoice, lines: list, allowances: list, *, supply_date: date) -> dict[str, list[str]]:
    """§ 14 (4) UStG, § 14a UStG and the EN 16931 category rules a draft must meet to be issued."""
    errors: dict[str, list[str]] = {}
    customer = invoice.customer
    categories = {row.vat_category for row in [*lines, *allowances]}
    if not lines:
        errors.setdefault("lines", []).append(_("An invoice needs at least one line (BR-16)."))
    if bool(invoice.service_period_start) != bool(invoice.service_period_end):
        errors.setdefault("service_period_end", []).append(_("A service period needs its first and its last day."))
    if categories & {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY} and not customer.vat_id:
        errors.setdefault("lines", []).append(
            _(
                "Reverse charge (AE) and intra-community supplies (K) need the buyer's VAT ID (BR-AE-02, BR-IC-02); "
                "customer %(customer)s has none."
            )
            % {"customer": customer.number}
        )
    if VatCategory.INTRA_COMMUNITY in categories and not invoice.deliver_to_country:
        errors.setdefault("deliver_to_country", []).append(
            _("Intra-community supplies need the deliver-to country (BR-IC-12).")
        )
    if VatCategory.NOT_SUBJECT in categories and len(categories) > 1:
        errors.setdefault("lines", []).append(_("An invoice with category O has only category O lines (BR-O-11)."))
    for index, line in enumerate(lines):
        if line.vat_category in VatCategory.values:
            for path, message in exemption_problems(line.exemption_reason, line.exemption_code, line.vat_category):
                errors.setdefault(f"lines.{index}.{path}", []).append(message)
    _merge(errors, _undrawable_texts(invoice, customer, lines, allowances))
    # The draft was checked against the rates of its dates then; the dates may have moved since.
    for prefix, rows in (("lines", lines), ("allowances_charges", allowances)):
        for index, row in enumerate(rows):
            if not vat_rate_known(category=row.vat_category, rate=row.vat_rate, on=supply_date):
                errors.setdefault(f"{prefix}.{index}.vat_rate", []).append(
                    _(
                        "%(rate)s %% is not a rate for category %(category)s on the supply date %(date)s "
                        "in the VAT rate table."
                    )
                    % {"rate": row.vat_rate, "category": row.vat_category, "date": f"{supply_date:%d.%m.%Y}"}
                )
    return errors


# Texts an issued document prints or sends, checked again at issue: data typed before the font
# check existed (or written around the services) must not reach a PDF/A as empty .notdef boxes.
_PRINTED_LINE_FIELDS = ("description", "item_number", "exemption_reason", "note", "allowance_reason", "charge_reason")
# The buyer's contact is copied from the customer's contact after the draft's own fields were checked.
_PRINTED_INVOICE_FIELDS = ("note", "buyer_reference", "purchase_order_reference", *REFERENCE_AND_CONTACT_FIELDS)


def _undrawable_texts(invoice: Invoice, customer, lines: list, allowances: list) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    check_drawable(errors, {f: getattr(invoice, f, "") for f in _PRINTED_INVOICE_FIELDS})
    customer_errors: dict[str, list[str]] = {}
    check_drawable(customer_errors, {f: getattr(customer, f, "") for f in PRINTED_CUSTOMER_FIELDS})
    for field, messages in customer_errors.items():
        label = customer._meta.get_field(field).verbose_name
        errors.setdefault("customer", []).extend(
            _("Customer %(customer)s, %(field)s: %(problem)s")
            % {"customer": customer.number, "field": label, "problem": m}
            for m in messages
        )
    for prefix, rows, fields in (
        ("lines", lines, _PRINTED_LINE_FIELDS),
        ("allowances_charges", allowances, ("reason",)),
    ):
        for index, row in enumerate(rows):
            row_errors: dict[str, list[str]] = {}
            check_drawable(row_errors, {f: getattr(row, f, "") for f in fields})
            for field, messages in row_errors.items():
                errors.setdefault(f"{prefix}.{index}.{field}", []).extend(messages)
    return errors


def _check_xrechnung(invoice: Invoice, customer, seller: dict, *, is_invoice: bool) -> dict[str, list[str]]:
    """What an XRechnung needs and the snapshot must carry, refused before issue rather than
    found by validation afterwards (an issued invoice can no longer be completed):
    seller contact BR-DE-2/5/6/7, payment instructions BR-DE-1/23, buyer reference BR-DE-15,
    buyer electronic address BT-49 (PEPPOL-EN16931-R010)."""
    from .documents import wants_xrechnung

    buyer = {"kind": customer.kind, "leitweg_id": customer.leitweg_id, "e_invoice_format": customer.e_invoice_format}
    if not wants_xrechnung(buyer):
        return {}
    errors: dict[str, list[str]] = {}
    missing = [
        label
        for label, value in (
            (_("contact person (BR-DE-5)"), seller.get("contact_name")),
            (_("phone (BR-DE-6)"), seller.get("phone")),
            (_("e-mail (BR-DE-7)"), seller.get("email")),
            *([(_("IBAN (BR-DE-1, BR-DE-23)"), seller.get("iban"))] if is_invoice else []),
        )
        if not value
    ]
    if missing:
        errors["seller"] = [
            _("Customer %(customer)s receives XRechnung; the company profile lacks: %(missing)s.")
            % {"customer": customer.number, "missing": ", ".join(missing)}
        ]
    if not (invoice.buyer_reference or customer.leitweg_id):
        errors["buyer_reference"] = [
            _("An XRechnung needs the buyer reference (BT-10, BR-DE-15): the Leitweg-ID or the customer's reference.")
        ]
    if not (customer.e_invoice_scheme and customer.e_invoice_address):
        errors["customer"] = [
            _(
                "Customer %(customer)s receives XRechnung but has no electronic address with its scheme (BT-49), "
                "e.g. the Leitweg-ID with scheme 0204."
            )
            % {"customer": customer.number}
        ]
    return errors


def _merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> dict[str, list[str]]:
    for path, messages in more.items():
        errors.setdefault(path, []).extend(messages)
    return errors


def _latest_issued_date(document_type: str) -> date | None:
    return Invoice.objects.filter(
        document_type=document_type, status__in=[DocumentStatus.ISSUED, DocumentStatus.CANCELLED]
    ).aggregate(latest=Max("invoice_date"))["latest"]


def _date_order_error(invoice_date: date, latest: date | None, series: str) -> str | None:
    if latest and invoice_date < latest:
        if series == "credit_note":
            message = _("%(date)s lies before the last issued credit note (%(latest)s); numbers must follow dates.")
        else:
            message = _("%(date)s lies before the last issued invoice (%(latest)s); numbers must follow dates.")
        return message % {"date": f"{invoice_date:%d.%m.%Y}", "latest": f"{latest:%d.%m.%Y}"}
    return None


def _exchange_rate(invoice: Invoice, on: date, *, daily: bool) -> ExchangeRate | None:
    if invoice.currency == "EUR":
        return None
    if daily:
        return (
            ExchangeRate.objects.filter(currency=invoice.currency, kind="daily", date__lte=on).order_by("-date").first()
        )
    return ExchangeRate.objects.filter(currency=invoice.currency, kind="monthly", date=on.replace(day=1)).first()


def _tax_total_eur(tax_total: Decimal, units_per_eur: Decimal) -> Decimal:
    """BT-111: the VAT in EUR, divided exactly before the one rounding (1/rate would round first)."""
    with localcontext() as context:
        context.prec = 60
        return quantize(tax_total / units_per_eur, "EUR")


def _customer_open_total(customer, *, exclude_pk: int) -> Decimal:
    total = (
        Invoice.objects.filter(customer=customer, status=DocumentStatus.ISSUED, document_type=DocumentType.INVOICE)
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("open_amount"))["total"]
    )
    return total or Decimal("0")


def _check_credit_note(credit_note: Invoice, invoice: Invoice | None) -> dict[str, list[str]]:
    """A credit note corrects an issued invoice of the same customer and currency, by at most what is left."""
    if invoice is None or invoice.document_type != DocumentType.INVOICE:
        return {"corrected_invoice": [_("A credit note must reference the invoice it corrects (BT-25).")]}
    errors: dict[str, list[str]] = {}
    if invoice.status != DocumentStatus.ISSUED:
        errors.setdefault("corrected_invoice", []).append(
            _("%(document)s is %(status)s; only issued invoices can be credited.")
            % {"document": invoice.number or invoice.pk, "status": invoice.get_status_display()}
        )
    if invoice.customer_id != credit_note.customer_id:
        errors.setdefault("corrected_invoice", []).append(
            _("%(number)s belongs to another customer.") % {"number": invoice.number}
        )
    if invoice.currency != credit_note.currency:
        errors.setdefault("currency", []).append(
            _("A credit note is in the currency of its invoice (%(currency)s), not %(other)s.")
            % {"currency": invoice.currency, "other": credit_note.currency}
        )
    remaining = invoice.tax_inclusive_total - invoice.credited_amount
    if credit_note.tax_inclusive_total > remaining:
        errors.setdefault("lines", []).append(_exceeds(credit_note.tax_inclusive_total, invoice.number, remaining))
    return errors


def _exceeds(amount, number, remaining) -> str:
    return _("The credit note (%(amount)s) exceeds what is left to credit on %(number)s (%(remaining)s).") % {
        "amount": amount,
        "number": number,
        "remaining": remaining,
    }
