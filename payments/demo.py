"""Demo payments for the quick start, through the services, on invoices the invoicing demo left
open: paid on time, late, in part, over-paid (kept as credit), with Skonto, returned (a direct
debit that bounced), and one whose payer is not known yet. Safe to run again: does nothing when
payments exist. Then a bank statement with auto-matched lines and a review queue (``bank.demo``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer, PaymentTerms
from invoicing.models import DocumentStatus, DocumentType, Invoice, SettlementState
from invoicing.services import invoice_draft_create, invoice_issue

from .bank import demo as bank_demo
from .models import Payment
from .services import payment_keep_as_credit, payment_record, payment_return

SKONTO_TERMS = "2 % Skonto 10 Tage, 30 Tage netto"  # seeded by customers' initial migration


def _open_invoices():
    return (
        Invoice.objects.filter(
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.ISSUED,
            settlement_state=SettlementState.OPEN,
            open_amount__gt=0,
        )
        .select_related("customer")
        .order_by("invoice_date", "id")
    )


def _skonto_offer(invoice: Invoice) -> dict | None:
    return invoice.discount_offers[0] if invoice.discount_offers else None


def _skonto_invoice(fallback_customer, *, as_of: datetime, by) -> Invoice | None:
    terms = PaymentTerms.objects.filter(active=True, name=SKONTO_TERMS).first()
    if terms is None:
        return None
    customer = Customer.objects.filter(legal_name="Nordlicht Software AG").first() or fallback_customer
    lines = [
        {"description": "Schulung Mahnwesen (Tag)", "quantity": "1", "unit_code": "DAY", "unit_price": "950.00",
         "vat_category": "S", "vat_rate": "19"},
    ]  # fmt: skip
    draft = invoice_draft_create(
        customer=customer,
        as_of=as_of,
        by=by,
        data={"service_date": timezone.localdate(as_of), "payment_terms": terms},
        lines=lines,
    )
    invoice = invoice_issue(invoice=draft, as_of=as_of, by=by)
    return invoice if invoice.discount_offers else None


def _pay(invoice: Invoice, *, amount: Decimal, value_date: date, as_of: datetime, by, channel="bank_transfer", **extra):
    return payment_record(
        customer=invoice.customer,
        channel=channel,
        amount=amount,
        currency=invoice.currency,
        value_date=value_date,
        as_of=as_of,
        by=by,
        payer_name=invoice.customer.legal_name,
        remittance=f"Rechnung {invoice.number}",
        **extra,
    )


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    _load_payments(as_of=as_of, by=by, stdout=stdout)
    # Then a bank statement imported through the real path (idempotent on its own).
    bank_demo.load(as_of=as_of, by=by, stdout=stdout)


def _load_payments(*, as_of: datetime, by=None, stdout=None) -> None:
    # The generator's payments (source bank statement, external id GEN-…) are history; the demo's
    # own are entered by hand — their presence means the demo ran already.
    if Payment.objects.exclude(external_id__startswith="GEN-").exists():
        return
    today = timezone.localdate(as_of)
    invoices = [invoice for invoice in _open_invoices() if invoice.currency == "EUR" and invoice.due_date]
    if not invoices:
        return
    used: set[int] = set()

    def take(predicate) -> Invoice | None:
        for invoice in invoices:
            if invoice.pk not in used and predicate(invoice):
                used.add(invoice.pk)
                return invoice
        return None

    made = []
    # Skonto: an invoice on "2 % Skonto 10 Tage" paid with the discounted amount within the period
    # settles in full (the discount is booked with its VAT correction per rate, § 17 UStG).
    skonto = _skonto_invoice(invoices[-1].customer, as_of=as_of, by=by)
    if skonto:
        offer = _skonto_offer(skonto)
        made.append(_pay(skonto, amount=Decimal(offer["amount_to_pay"]), value_date=today, as_of=as_of, by=by))
    past_due = lambda i: i.due_date < today - timedelta(days=20)  # noqa: E731
    # on time, twice
    for _ in range(2):
        invoice = take(past_due)
        if invoice:
            made.append(
                _pay(
                    invoice,
                    amount=invoice.open_amount,
                    value_date=invoice.due_date - timedelta(days=2),
                    as_of=as_of,
                    by=by,
                )
            )
    # late
    invoice = take(past_due)
    if invoice:
        made.append(
            _pay(
                invoice,
                amount=invoice.open_amount,
                value_date=invoice.due_date + timedelta(days=14),
                as_of=as_of,
                by=by,
            )
        )
    # in part
    invoice = take(past_due)
    if invoice:
        half = (invoice.open_amount / 2).quantize(Decimal("0.01"))
        made.append(_pay(invoice, amount=half, value_date=invoice.due_date, as_of=as_of, by=by))
    # over-paid: the rest is kept as the customer's credit
    invoice = take(past_due)
    if invoice:
        payment = _pay(
            invoice, amount=invoice.open_amount + Decimal("25.00"), value_date=invoice.due_date, as_of=as_of, by=by
        )
        if payment.unapplied_amount > 0:
            payment_keep_as_credit(payment=payment, as_of=as_of, by=by)
        made.append(payment)
    # a direct debit that came back (SEPA return reason MD06: the debtor disputed it)
    invoice = take(past_due)
    if invoice:
        payment = _pay(
            invoice, amount=invoice.open_amount, value_date=invoice.due_date, as_of=as_of, by=by, channel="direct_debit"
        )
        payment_return(payment=payment, as_of=as_of, by=by, reason="Rücklastschrift", return_code="MD06")
        made.append(payment)
    # money from someone not yet known: stays unapplied until a person assigns it
    made.append(
        payment_record(
            customer=None,
            channel="bank_transfer",
            amount=Decimal("48.30"),
            currency="EUR",
            value_date=today,
            as_of=as_of,
            by=by,
            payer_name="M. Unbekannt",
            remittance="Zahlung Kd.-Nr. fehlt",
        )
    )
    if stdout is not None:
        stdout.write(f"Demo payments: {len(made)}.")
