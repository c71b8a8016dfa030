"""A customer's account: open items with aging, balance, and the account statement PDF.

The statement (Kontoauszug / Saldenbestätigung-style) lists what is open on the statement date,
aged by days past due in the buckets accountants report (current, 1–30, 31–60, 61–90, over 90
days), the payments received and credits granted in the period, and the balance. It is rendered
through ``core.documents.pdf_render`` with the invoice's look (``templates/documents/base.html``)
and is deterministic: the creation date is ``as_of``, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.documents import pdf_render
from core.languages import document_language
from core.models import CompanyProfile
from invoicing.documents.html import DocumentFormat, css_string, iban_blocks, logo_data_uri
from invoicing.models import DocumentStatus, DocumentType, Invoice

from .models import Payment, PaymentStatus
from .selectors import customer_open_items

TEMPLATE = "payments/statement.html"
ZERO = Decimal("0.00")

# (key, lowest days past due, highest or None)
BUCKETS = (("current", None, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))


def aging_bucket(days_overdue: int) -> str:
    """The aging bucket of an item ``days_overdue`` days past its due date (≤ 0: not yet due)."""
    for key, low, high in BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return key
    raise AssertionError(days_overdue)  # pragma: no cover - the buckets cover every integer


def bucket_labels() -> dict[str, str]:
    """Bucket names in the active language."""
    return {
        "current": _("not yet due"),
        "1_30": _("1–30 days"),
        "31_60": _("31–60 days"),
        "61_90": _("61–90 days"),
        "over_90": _("over 90 days"),
    }


@dataclass(frozen=True)
class AccountRow:
    """One open item or credit of a customer's account; credits have a negative ``open_amount``."""

    kind: str  # invoice, credit_note, payment_credit, or an OpenItem kind
    id: int
    number: str
    description: str
    currency: str
    date: date | None
    due_date: date | None
    amount: Decimal
    open_amount: Decimal
    days_overdue: int

    @property
    def bucket(self) -> str:
        return aging_bucket(self.days_overdue)

    @property
    def is_credit(self) -> bool:
        return self.open_amount < 0


def _description(row: dict) -> str:
    labels = {
        "invoice": _("Invoice"),
        "credit_note": _("Credit note"),
        "payment_credit": _("Customer credit"),
        "unapplied_payment": _("Payment not yet applied"),
    }
    return str(labels.get(row["kind"], row.get("description") or row["kind"]))


def account_rows(*, customer, as_of: date) -> list[AccountRow]:
    """The customer's open items (issued invoices, open fees and interest), oldest due first, then
    the credits (credit notes' credit, payments' credit and unapplied money) with a negative open
    amount; from ``payments.selectors.customer_open_items`` (a fixed number of queries)."""
    return [
        AccountRow(
            kind=row["kind"],
            id=row["id"],
            number=row.get("number") or "",
            description=_description(row),
            currency=row["currency"],
            date=row.get("date"),
            due_date=row.get("due_date"),
            amount=row["amount"],
            open_amount=-row["open_amount"] if row["is_credit"] else row["open_amount"],
            days_overdue=row.get("days_overdue") or 0,
        )
        for row in customer_open_items(customer=customer, as_of=as_of)
    ]


def open_item_rows(items, *, as_of: date) -> list[dict]:
    """The API's open-item rows from ``payments.selectors.customer_open_items``, with their aging bucket."""
    return [
        {
            **{key: value for key, value in row.items() if key != "object"},
            "number": row.get("number") or "",
            "description": row.get("description") or "",
            "days_overdue": row.get("days_overdue") or 0,
            "aging": None if row["is_credit"] else aging_bucket(row.get("days_overdue") or 0),
        }
        for row in items
    ]


def balance_rows(balance: dict) -> list[dict]:
    """The API's balance rows (one per currency) from ``payments.selectors.customer_balance``."""
    return [
        {
            "currency": currency,
            "open_receivables": values["receivables"],
            "credit": values["credit"],
            "unapplied": values["unapplied"],
            "balance": values["balance"],
        }
        for currency, values in sorted(balance.items())
    ]


def _buyer_address(customer, fmt: DocumentFormat, home: str) -> list[str]:
    lines = [customer.legal_name, customer.billing_street, customer.billing_street2]
    lines.append(" ".join(filter(None, [customer.billing_postal_code, customer.billing_city])))
    if customer.billing_country and customer.billing_country != home:
        lines.append(fmt.country(customer.billing_country).upper())
    return [line for line in lines if line]


def statement_filename(customer, period_end: date) -> str:
    safe_number = re.sub(r"[^A-Za-z0-9_-]", "-", customer.number or str(customer.pk))
    return f"statement-{safe_number}-{period_end.isoformat()}.pdf"


def statement_context(*, customer, period_start: date, period_end: date, as_of: datetime, language: str) -> dict:
    """The template context; call under ``language``."""
    fmt = DocumentFormat(language)
    profile = CompanyProfile.objects.filter(pk=1).first()
    seller = profile.snapshot() if profile else {}
    home = seller.get("country", "DE") or "DE"
    statement_date = timezone.localdate(as_of)
    rows = account_rows(customer=customer, as_of=statement_date)
    labels = bucket_labels()
    currencies = sorted({row.currency for row in rows}) or [customer.currency]

    per_currency = []
    for currency in currencies:
        mine = [row for row in rows if row.currency == currency]
        buckets = {key: ZERO for key, _low, _high in BUCKETS}
        for row in mine:
            if not row.is_credit:
                buckets[row.bucket] += row.open_amount
        receivable = sum((row.open_amount for row in mine if not row.is_credit), ZERO)
        credit = -sum((row.open_amount for row in mine if row.is_credit), ZERO)
        per_currency.append(
            {
                "currency": currency,
                "items": [
                    {
                        "number": row.number,
                        "description": row.description,
                        "date": fmt.date(row.date) if row.date else "",
                        "due_date": fmt.date(row.due_date) if row.due_date else "",
                        "days_overdue": row.days_overdue if row.days_overdue > 0 else "",
                        "bucket": labels[row.bucket] if not row.is_credit else "",
                        "amount": fmt.money(row.amount, currency),
                        "open_amount": fmt.money(row.open_amount, currency),
                    }
                    for row in mine
                ],
                "buckets": [{"label": labels[key], "amount": fmt.money(buckets[key], currency)} for key in buckets],
                "receivable": fmt.money(receivable, currency),
                "credit": fmt.money(credit, currency),
                "balance": fmt.money(receivable - credit, currency),
                "balance_value": receivable - credit,
            }
        )

    payments = (
        Payment.objects.filter(customer=customer, value_date__gte=period_start, value_date__lte=period_end)
        .exclude(status__in=[PaymentStatus.PENDING, PaymentStatus.FAILED])  # money not (or never) received
        .prefetch_related("allocations__invoice")
        .order_by("value_date", "id")
    )
    payment_rows = [
        {
            "date": fmt.date(payment.value_date),
            "channel": payment.get_channel_display(),
            "status": payment.get_status_display(),
            "returned": payment.status != PaymentStatus.COMPLETED,
            "reference": payment.external_id or payment.remittance[:60],
            "invoices": ", ".join(
                sorted(
                    {
                        a.invoice.number
                        for a in payment.allocations.all()
                        if a.invoice_id and a.reversed_at is None and a.invoice.number
                    }
                )
            ),
            "amount": fmt.money(payment.amount, payment.currency),
        }
        for payment in payments
    ]
    credit_notes = Invoice.objects.filter(
        customer=customer,
        document_type=DocumentType.CREDIT_NOTE,
        status=DocumentStatus.ISSUED,
        invoice_date__gte=period_start,
        invoice_date__lte=period_end,
    ).select_related("corrected_invoice")
    credit_rows = [
        {
            "date": fmt.date(note.invoice_date),
            "number": note.number,
            "corrects": note.corrected_invoice.number if note.corrected_invoice else "",
            "amount": fmt.money(note.amount_due, note.currency),
        }
        for note in credit_notes.order_by("invoice_date", "id")
    ]

    title = _("Account statement")
    page_label = _("Page %(page)s of %(pages)s") % {"page": "counter(page)", "pages": "counter(pages)"}
    page_counters = " ".join(
        part if part in ("counter(page)", "counter(pages)") else css_string(part)
        for part in re.split(r"(counter\(pages?\))", page_label)
        if part
    )
    return {
        "language": language,
        "title": title,
        # A CSS value (@page margin box), escaped for CSS; autoescaping must not touch it.
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
        "statement_date": fmt.date(statement_date),
        "period": f"{fmt.date(period_start)} – {fmt.date(period_end)}",
        "accounts": per_currency,
        "payments": payment_rows,
        "credit_notes": credit_rows,
    }


def account_statement_pdf(
    *, customer, period_start: date, period_end: date, as_of: datetime, language: str | None = None
) -> bytes:
    """The account statement of ``customer`` as a PDF/A-3b: open items on ``as_of``'s date with
    aging, the payments (by value date) and credit notes of the period, and the balance.

    ``language`` one of ``settings.LANGUAGES``; the customer's (else the default) when left out.
    Deterministic: the PDF's dates are ``as_of`` and its identifier is derived from customer,
    period and ``as_of``.
    """
    if period_start > period_end:
        raise ValueError("period_start is after period_end")
    language = language or document_language(customer.language)
    with translation.override(language):
        context = statement_context(
            customer=customer, period_start=period_start, period_end=period_end, as_of=as_of, language=language
        )
        html = render_to_string(TEMPLATE, context)
        title = f"{context['title']} {customer.number}"
    return pdf_render(
        html=html,
        base_url=(settings.BASE_DIR / "templates").as_uri() + "/",
        identifier=f"statement/{customer.pk}/{period_start}/{period_end}/{as_of.isoformat()}".encode(),
        created=as_of,
        lang=language,
        title=title,
        author=context["seller"].get("name", ""),
    )
