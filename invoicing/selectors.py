"""Reads of invoices and credit notes, with their prefetching, for the API and the admin.

Every list here takes a fixed number of queries whatever the number of rows or lines
(the API tests pin them).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from core.languages import document_language

from .models import (
    DocumentStatus,
    DocumentType,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceDocument,
    InvoiceEvent,
    InvoiceLine,
    InvoiceVatBreakdown,
    VatCategory,
)
from .services.drafts import document_totals
from .services.snapshots import exemption_of
from .totals import TotalsError, VatBreakdownRow

# Attribute names of the draft-only prefetches (a list of rows each; empty for issued documents).
DRAFT_LINES_ATTR = "draft_lines"
DRAFT_ALLOWANCES_ATTR = "draft_allowances"


def _documents_prefetch() -> Prefetch:
    return Prefetch("documents", queryset=InvoiceDocument.objects.order_by("kind", "id"))


def _breakdown_prefetch() -> Prefetch:
    return Prefetch("vat_breakdown", queryset=InvoiceVatBreakdown.objects.order_by("vat_category", "vat_rate", "id"))


def invoice_list_queryset() -> QuerySet[Invoice]:
    """Invoices with their customer and VAT breakdown, ready for a list page.

    Issued documents have their breakdown stored (BG-23, fixed at issue); a draft's is
    computed from its lines and allowances, so those are prefetched for drafts only: one
    query each for the whole page, with no line rows loaded for issued documents.
    """
    draft = Q(invoice__status=DocumentStatus.DRAFT)
    return Invoice.objects.select_related("customer", "document_state").prefetch_related(
        _breakdown_prefetch(),
        _documents_prefetch(),
        Prefetch(
            "lines", queryset=InvoiceLine.objects.filter(draft).order_by("position", "id"), to_attr=DRAFT_LINES_ATTR
        ),
        Prefetch(
            "allowances_charges",
            queryset=InvoiceAllowanceCharge.objects.filter(draft).order_by("position", "id"),
            to_attr=DRAFT_ALLOWANCES_ATTR,
        ),
    )


def invoice_detail_queryset() -> QuerySet[Invoice]:
    """Invoices with everything their detail shows: lines, allowances and charges,
    breakdown, events (with who) and the credit notes that correct them."""
    lines = InvoiceLine.objects.order_by("position", "id")
    allowances = InvoiceAllowanceCharge.objects.order_by("position", "id")
    return Invoice.objects.select_related("customer", "corrected_invoice", "document_state").prefetch_related(
        Prefetch("lines", queryset=lines),
        _documents_prefetch(),
        Prefetch("allowances_charges", queryset=allowances),
        _breakdown_prefetch(),
        Prefetch("events", queryset=InvoiceEvent.objects.select_related("by").order_by("at", "id")),
        Prefetch(
            "credit_notes",
            queryset=Invoice.objects.filter(document_type=DocumentType.CREDIT_NOTE).order_by("id"),
        ),
    )


def invoice_search(queryset: QuerySet[Invoice], term: str) -> QuerySet[Invoice]:
    """Documents whose number, or whose customer's name or number, contains ``term``."""
    term = (term or "").strip()
    if not term:
        return queryset
    return queryset.filter(
        Q(number__icontains=term) | Q(customer__legal_name__icontains=term) | Q(customer__number__icontains=term)
    )


def invoice_overdue(queryset: QuerySet[Invoice], as_of: date) -> QuerySet[Invoice]:
    """Issued invoices with an open amount, due before ``as_of`` (overdue is computed, never stored)."""
    return queryset.overdue(as_of=as_of)


def is_overdue(invoice: Invoice, as_of: date) -> bool:
    """The same rule as ``InvoiceQuerySet.overdue``, for one loaded invoice."""
    return (
        invoice.status == DocumentStatus.ISSUED
        and invoice.document_type == DocumentType.INVOICE
        and invoice.due_date is not None
        and invoice.due_date < as_of
        and invoice.open_amount > 0
    )


def vat_breakdown_of(invoice: Invoice) -> list[dict]:
    """BG-23 of a document: stored for issued ones, computed from the draft's rows otherwise.

    Expects a queryset of this module (prefetched rows); the draft computation uses the
    same EN 16931 arithmetic (invoicing.totals) the services store the draft totals with.
    """
    if invoice.status != DocumentStatus.DRAFT:
        return [
            {
                "vat_category": row.vat_category,
                "vat_rate": row.vat_rate,
                "taxable_amount": row.taxable_amount,
                "tax_amount": row.tax_amount,
                "exemption_reason": row.exemption_reason,
                "exemption_code": row.exemption_code,
            }
            for row in invoice.vat_breakdown.all()
        ]
    # The list's draft-only prefetch, else the detail's full one (or a query per relation).
    lines = getattr(invoice, DRAFT_LINES_ATTR, None)
    if lines is None:
        lines = list(invoice.lines.all())
    allowances = getattr(invoice, DRAFT_ALLOWANCES_ATTR, None)
    if allowances is None:
        allowances = list(invoice.allowances_charges.all())
    rows = _draft_breakdown(invoice, lines, allowances)
    exemption = exemption_of(lines, document_language(invoice.language))
    return [
        {
            "vat_category": row.vat_category,
            "vat_rate": row.vat_rate,
            "taxable_amount": row.taxable_amount,
            "tax_amount": row.tax_amount,
            **(exemption if row.vat_category == VatCategory.EXEMPT else {"exemption_reason": "", "exemption_code": ""}),
        }
        for row in rows
    ]


def _draft_breakdown(invoice: Invoice, lines: list, allowances: list) -> tuple[VatBreakdownRow, ...]:
    if not lines:
        return ()
    try:
        totals = document_totals(invoice, lines, allowances)
    except TotalsError:
        # A draft the services stored always computes; rows changed behind their back
        # (e.g. a VAT rate edited in the table) show no breakdown rather than an error.
        return ()
    return totals.breakdown
