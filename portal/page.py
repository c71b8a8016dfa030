"""What the customer page shows, worded for its reader (call under the page's language).

Amounts and dates go through ``core.formatting`` in the page's language; statuses are words. The
rules of § 270a BGB and of a pending direct debit are decided here, once:

- no surcharge for any way of paying: every amount offered is the open amount;
- while a direct-debit collection of an invoice is pending at the bank, neither a GiroCode nor
  "pay now" is offered for it (the customer would pay twice); the notice says when and how much
  will be collected instead;
- an invoice issued for direct debit (its pre-notification announced the collection) shows that
  announcement instead of bank details and GiroCode; "pay now" stays (a paid invoice is not collected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from core.formatting import date_text, money_text, number_text
from core.girocode import girocode_svg
from core.models import CompanyProfile
from invoicing.documents.html import iban_blocks
from invoicing.models import DocumentStatus, DocumentType, Invoice, InvoiceDocument, SettlementState
from invoicing.payment_means import is_direct_debit, payment_means_text
from providers import checkout
from sepa.models import BatchItem, BatchItemStatus
from sepa.selectors import invoices_collection_pending, mandate_active_for

from .selectors import account_view

ZERO = Decimal("0.00")


def status_word(invoice: Invoice, *, today: date) -> str:
    """The invoice's state as the customer reads it."""
    if invoice.status == DocumentStatus.CANCELLED:
        return _("cancelled")
    if invoice.document_type == DocumentType.CREDIT_NOTE:
        return _("credit note")
    if invoice.open_amount <= 0 or invoice.settlement_state == SettlementState.PAID:
        return _("paid")
    if invoice.due_date and invoice.due_date < today:
        return _("overdue")
    if invoice.settlement_state == SettlementState.PARTIALLY_PAID:
        return _("partially paid")
    return _("open")


def mask_iban(iban: str) -> str:
    """``DE89 •••• 3000``: the customer recognises the account; a screenshot does not leak it."""
    iban = "".join((iban or "").split())
    return f"{iban[:4]} •••• {iban[-4:]}" if len(iban) > 8 else iban


def mask_reference(reference: str) -> str:
    """The mandate reference with its middle hidden (its start and end are what a bank statement shows)."""
    return reference if len(reference) <= 8 else f"{reference[:3]}…{reference[-4:]}"


@dataclass
class PagePaths:
    """The page's URLs for one token (built by the view)."""

    page: str
    pay: str
    statement: str
    document: object  # (invoice_id, kind) -> path


def _documents(invoice: Invoice, paths: PagePaths) -> list[dict]:
    labels = {
        InvoiceDocument.Kind.PDF: _("Invoice (PDF)"),
        InvoiceDocument.Kind.FACTURX: _("E-invoice (ZUGFeRD XML)"),
        InvoiceDocument.Kind.XRECHNUNG: _("E-invoice (XRechnung XML)"),
    }
    order = list(labels)
    stored = sorted(invoice.documents.all(), key=lambda d: (order.index(d.kind) if d.kind in order else 9, d.pk))
    return [{"label": labels.get(d.kind, d.kind), "url": paths.document(invoice.pk, d.kind)} for d in stored]


def _pending_items(invoice_ids: set[int]) -> dict[int, BatchItem]:
    if not invoice_ids:
        return {}
    items = BatchItem.objects.filter(invoice_id__in=invoice_ids, status=BatchItemStatus.PENDING).select_related(
        "batch", "mandate"
    )
    return {item.invoice_id: item for item in items}


def page_context(*, link, today: date, paths: PagePaths) -> dict:
    """Everything the page template shows for ``link`` (already checked open)."""
    customer = link.customer
    account = account_view(customer=customer, today=today)
    invoice_ids = {row.id for row in account.items if row.kind == DocumentType.INVOICE}
    if link.invoice_id:
        invoice_ids.add(link.invoice_id)
    pending_ids = invoices_collection_pending(invoice_ids)
    pending = _pending_items(pending_ids)
    mandate = mandate_active_for(customer)
    profile = CompanyProfile.objects.filter(pk=1).first()
    can_pay_online = checkout.provider_available()

    context: dict = {
        "customer_name": customer.legal_name,
        "customer_number": customer.number,
        "seller_name": profile.name if profile else "",
        "paths": paths,
        "statement_url": paths.statement,
        "invoice": None,
    }

    seller = profile.snapshot() if profile else {}
    invoice = link.invoice
    if invoice is not None:
        invoice = Invoice.objects.prefetch_related("documents", "lines").get(pk=invoice.pk)
        seller = invoice.seller or seller
        is_pending = invoice.pk in pending_ids
        open_amount = invoice.open_amount if invoice.document_type == DocumentType.INVOICE else ZERO
        payable = open_amount > 0 and invoice.status == DocumentStatus.ISSUED
        # Issued for direct debit (payment means 59): the collection is announced, so no request to
        # transfer as well — the PDF prints none either; paying by card first is fine (a paid
        # invoice is not collected).
        announced = is_direct_debit(invoice.payment_means) and not is_pending
        girocode = None
        if payable and not is_pending and not announced and invoice.currency == "EUR":
            girocode = girocode_svg(
                name=seller.get("name", ""),
                iban=seller.get("iban", ""),
                bic=seller.get("bic", ""),
                amount=open_amount,
                reference=invoice.number,
            )
        context["invoice"] = {
            "id": invoice.pk,
            "number": invoice.number,
            "is_credit_note": invoice.document_type == DocumentType.CREDIT_NOTE,
            "invoice_date": date_text(invoice.invoice_date),
            "due_date": date_text(invoice.due_date) if invoice.due_date else "",
            "status": status_word(invoice, today=today),
            "total": money_text(invoice.tax_inclusive_total, invoice.currency),
            "open_amount": money_text(open_amount, invoice.currency),
            "payable": payable,
            "lines": [
                {
                    "description": line.description,
                    "quantity": number_text(line.quantity.normalize()),
                    "net": money_text(line.net_amount, invoice.currency),
                }
                for line in invoice.lines.all()
            ],
            "net_total": money_text(invoice.tax_exclusive_total, invoice.currency),
            "tax_total": money_text(invoice.tax_total, invoice.currency),
            "documents": _documents(invoice, paths),
            "collection": _collection(pending.get(invoice.pk), profile),
            "announced_debit": payment_means_text(
                invoice.payment_means, currency=invoice.currency, language=translation.get_language() or "de"
            )
            if announced and payable
            else "",
            "girocode": girocode,
            "pay_now": can_pay_online and payable and not is_pending,
        }

    context["bank"] = {
        "name": seller.get("name", ""),
        "iban": iban_blocks(seller.get("iban") or ""),
        "bic": seller.get("bic", ""),
        "reference": invoice.number if invoice is not None else "",
    }
    context["mandate"] = (
        {
            "reference": mask_reference(mandate.reference),
            "iban": mask_iban(mandate.debtor_iban),
            "creditor_id": profile.sepa_creditor_id if profile else "",
        }
        if mandate is not None
        else None
    )

    rows = []
    payable_now: list[int] = []
    currencies: set[str] = set()
    for row in account.items:
        is_invoice = row.kind == DocumentType.INVOICE
        row_pending = is_invoice and row.id in pending_ids
        if is_invoice and not row.is_credit and row.open_amount > 0 and not row_pending:
            payable_now.append(row.id)
            currencies.add(row.currency)
        rows.append(
            {
                "number": row.number,
                "description": row.description,
                "date": date_text(row.date) if row.date else "",
                "due_date": date_text(row.due_date) if row.due_date else "",
                "overdue": not row.is_credit and row.days_overdue > 0,
                "open_amount": money_text(row.open_amount, row.currency),
                "is_credit": row.is_credit,
                "pending": row_pending,
                "pdf_url": paths.document(row.id, InvoiceDocument.Kind.PDF)
                if row.kind in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE)
                else "",
                "is_this_invoice": is_invoice and row.id == link.invoice_id,
            }
        )
    context["open_items"] = rows
    context["open_totals"] = [money_text(amount, currency) for currency, amount in sorted(account.totals.items())]
    # One checkout in one currency: "pay all" needs the payable invoices to share it.
    single_currency = len(currencies) == 1
    context["pay_all"] = (
        {
            "count": len(payable_now),
            "amount": money_text(
                sum(
                    (row.open_amount for row in account.items if row.id in payable_now and row.kind == "invoice"), ZERO
                ),
                next(iter(currencies)),
            ),
        }
        # On an invoice's page its own button pays it alone; "pay all" is for more (or other) invoices.
        if can_pay_online and single_currency and payable_now and payable_now != [link.invoice_id]
        else None
    )
    context["any_pending"] = bool(pending_ids)
    return context


def _collection(item: BatchItem | None, profile) -> dict | None:
    """The direct-debit notice of a pending collection: when, how much, under which mandate."""
    if item is None:
        return None
    return {
        "date": date_text(item.batch.requested_date),
        "amount": money_text(item.amount, item.currency),
        "mandate_reference": mask_reference(item.mandate.reference) if item.mandate_id else "",
        "iban": mask_iban(item.mandate.debtor_iban) if item.mandate_id else "",
        "creditor_id": item.batch.creditor_id or (profile.sepa_creditor_id if profile else ""),
    }


def payable_invoices(*, link, today: date, invoice_id: int | None) -> list[Invoice]:
    """The invoices a "pay now" covers: ``invoice_id`` (one of the customer's open invoices) or,
    with None, every open invoice of the customer — never one in a pending direct debit, never
    another customer's. Empty when nothing may be paid."""
    account = account_view(customer=link.customer, today=today)
    open_ids = [row.id for row in account.items if row.kind == DocumentType.INVOICE and row.open_amount > 0]
    if invoice_id is not None:
        open_ids = [pk for pk in open_ids if pk == invoice_id]
    pending = invoices_collection_pending(open_ids)
    ids = [pk for pk in open_ids if pk not in pending]
    invoices = list(Invoice.objects.filter(customer=link.customer, pk__in=ids).order_by("due_date", "id"))
    if len({invoice.currency for invoice in invoices}) > 1:
        return []
    return invoices
