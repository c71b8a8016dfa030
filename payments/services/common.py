"""The engine's shared machinery: row locks in one fixed order, the settlement state of an
invoice, and the single place where money moves from a source to a target.

Lock order (every service, so two of them can never deadlock): ``core.locks.LOCK_ORDER`` —
the customer, then payments, invoices and credit notes (one table), open items, bank lines, each
in primary-key order; ``lock_all`` takes them through ``core.locks.lock_for_money_work``.

Values read before the locks are only candidates; every decision is taken on the locked rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.locks import lock_for_money_work, lock_savepoint
from core.money import minor_unit, quantize
from core.transitions import transition_check
from invoicing.models import DocumentStatus, DocumentType, Invoice, InvoiceEvent, SettlementState

from ..models import (
    PAYMENT_TRANSITIONS,
    Allocation,
    OpenItem,
    Payment,
    PaymentEvent,
    PaymentStatus,
    SettlementDiscount,
)
from .errors import PaymentConflict

ZERO = Decimal("0")
HUNDRED = Decimal("100")
PARTS = ("allocated_amount", "credit_amount", "refunded_amount", "returned_amount", "unapplied_amount")


def user_or_none(by):
    return by if getattr(by, "pk", None) else None


def lock_all(*, customers=(), payments=(), invoices=(), items=()):
    """Take every lock a service needs in the one lock order (``core.locks``); returns
    (payments, invoices, items) by pk. The customer comes first: work that reads across a
    customer's items (by-law allocation, the credit limit at issue) holds it."""
    locked = lock_for_money_work(customers=customers, payments=payments, invoices=invoices, items=items)
    return locked["payments"], locked["invoices"], locked["items"]


class _CustomerChanged(Exception):
    """The payment's customer changed between reading it and locking it."""


LOCK_PAYMENT_ATTEMPTS = 3


def lock_payment(payment: Payment) -> Payment:
    """The payment, locked after its customer (``core.locks.LOCK_ORDER``: customer before payment).

    Which customer to lock is known only from a read before the lock (``payment.customer_id``),
    so a relink committed in between would leave the old customer locked and the new one free:
    two services could then work on one customer's money at once. The locked payment says whose
    it is now; when that differs, the locks are given back (savepoint rollback) and taken again
    for the customer it belongs to. Refused as a conflict if it keeps changing."""
    customer_id = payment.customer_id
    for _attempt in range(LOCK_PAYMENT_ATTEMPTS):
        try:
            with lock_savepoint():
                locked = lock_all(customers=[customer_id] if customer_id else [], payments=[payment.pk])[0][payment.pk]
                if locked.customer_id != customer_id:
                    raise _CustomerChanged(locked.customer_id)
        except _CustomerChanged as changed:
            customer_id = changed.args[0]
            continue
        return locked
    raise PaymentConflict(_("The payment was moved to another customer meanwhile; try again."))


def settlement_state_of(invoice: Invoice) -> str:
    """Open / partially paid / paid, the way ``invoicing.services.issue._apply_credit_note`` sees it:
    nothing open is paid; something paid (amount due − credited − open > 0) is partially paid."""
    if invoice.open_amount == 0:
        return SettlementState.PAID
    if invoice.amount_due - invoice.credited_amount - invoice.open_amount > 0:
        return SettlementState.PARTIALLY_PAID
    return SettlementState.OPEN


def invoice_set_open(*, invoice: Invoice, open_amount: Decimal, as_of: datetime, by, reason: str, data: dict) -> None:
    """Change a locked invoice's (or credit note's) open amount, its settlement state, and record
    SETTLEMENT_CHANGED when the state moves."""
    if open_amount < 0:
        raise ValidationError({"amount": [_("This would leave a negative open amount.")]})
    old_state = invoice.settlement_state
    invoice.open_amount = open_amount
    if invoice.document_type == DocumentType.CREDIT_NOTE:
        invoice.settlement_state = SettlementState.OPEN if open_amount > 0 else SettlementState.PAID
    else:
        invoice.settlement_state = settlement_state_of(invoice)
    invoice.updated_at = as_of
    invoice.save(update_fields=["open_amount", "settlement_state", "updated_at"])
    if invoice.settlement_state != old_state:
        InvoiceEvent.objects.create(
            invoice=invoice,
            kind=InvoiceEvent.Kind.SETTLEMENT_CHANGED,
            at=as_of,
            by=user_or_none(by),
            from_state=old_state,
            to_state=invoice.settlement_state,
            reason=reason,
            data=data,
        )


def payment_event(*, payment: Payment, kind: str, as_of: datetime, by, reason: str = "", data=None, **states):
    return PaymentEvent.objects.create(
        payment=payment, kind=kind, at=as_of, by=user_or_none(by), reason=reason, data=data or {}, **states
    )


def payment_transition(
    *,
    payment: Payment,
    to: str,
    as_of: datetime,
    by,
    kind: str = PaymentEvent.Kind.STATUS_CHANGED,
    reason: str = "",
    data: dict | None = None,
    fields: tuple[str, ...] = (),
) -> PaymentEvent:
    """Move a locked payment to ``to``: refused with ``PaymentConflict`` (API 409) unless
    ``PAYMENT_TRANSITIONS`` allows it; else the status is saved (with ``fields`` the caller changed
    alongside) and the typed event written, naming both states."""
    transition_check(
        PAYMENT_TRANSITIONS,
        current=payment.status,
        to=to,
        labels=dict(PaymentStatus.choices),
        conflict=lambda message: PaymentConflict(message, field="status"),
    )
    from_state = payment.status
    payment.status = to
    payment.updated_at = as_of
    payment.save(update_fields=["status", "updated_at", *fields])
    return payment_event(
        payment=payment, kind=kind, as_of=as_of, by=by, reason=reason, data=data, from_state=from_state, to_state=to
    )


def payment_save(payment: Payment, as_of: datetime, *extra: str) -> None:
    payment.updated_at = as_of
    payment.save(update_fields=[*PARTS, "updated_at", *extra])


# --- Targets -------------------------------------------------------------------------------------


def target_label(target) -> str:
    if isinstance(target, Invoice):
        return target.number or str(target.pk)
    return f"{target.get_kind_display()} #{target.pk}"


def check_target(*, target, customer_id: int | None, currency: str, field: str) -> None:
    """Refuse a target money cannot go to: drafts, cancelled invoices, credit notes, another
    customer's items, another currency, cancelled open items."""
    if isinstance(target, Invoice):
        if target.document_type != DocumentType.INVOICE:
            message = _("A credit note cannot receive a payment; %(n)s is one.")
            raise ValidationError({field: [message % {"n": target.number}]})
        if target.status != DocumentStatus.ISSUED:
            raise ValidationError(
                {
                    field: [
                        _("Only issued invoices can be paid; %(n)s is %(status)s.")
                        % {"n": target.number or target.pk, "status": target.get_status_display()}
                    ]
                }
            )
    elif target.cancelled_at is not None:
        raise ValidationError({field: [_("The open item %(n)s is cancelled.") % {"n": target.pk}]})
    if customer_id is not None and target.customer_id != customer_id:
        raise ValidationError({field: [_("%(n)s belongs to another customer.") % {"n": target_label(target)}]})
    if target.currency != currency:
        raise ValidationError(
            {
                field: [
                    _("Currency mismatch: %(n)s is in %(target)s, the money in %(source)s.")
                    % {"n": target_label(target), "target": target.currency, "source": currency}
                ]
            }
        )


def check_amount(amount, currency: str, field: str = "amount") -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount.")]})
    if amount <= 0:
        raise ValidationError({field: [_("The amount must be above zero.")]})
    if quantize(amount, currency) != amount:
        message = _("The amount has more decimals than %(currency)s allows.")
        raise ValidationError({field: [message % {"currency": currency}]})
    return amount


# --- Skonto (§ 17 UStG) ----------------------------------------------------------------------------


def skonto_amount_to_pay(invoice: Invoice, value_date: date) -> Decimal | None:
    """The amount that would settle the invoice in full with Skonto on that value date, or None."""
    for to_pay, _offer, _discount in _skonto_offers(invoice, value_date):
        return to_pay
    return None


def skonto_match(invoice: Invoice, *, amount: Decimal, value_date: date):
    """The (offer, discount) a payment of ``amount`` on ``value_date`` takes, or None; see ``_skonto_offers``."""
    for to_pay, offer, discount in _skonto_offers(invoice, value_date):
        if amount == to_pay:
            return offer, discount
    return None


def _skonto_offers(invoice: Invoice, value_date: date):
    """The discount offers still open on ``value_date``, in offer order (earliest deadline first).

    An offer (fixed at issue) applies while the value date is on or before its deadline. The
    amount that settles the invoice in full is what remains of the offer's ``amount_to_pay``:
    the open amount less the discount, so earlier partial payments count in full towards it.
    The discount is the offer's; when credit notes reduced the invoice, it shrinks in
    proportion (Skonto is granted on what is actually owed). Yields (amount to pay, offer, discount)."""
    if not isinstance(invoice, Invoice) or invoice.document_type != DocumentType.INVOICE:
        return
    for offer in invoice.discount_offers or []:
        if value_date > date.fromisoformat(offer["deadline"]):
            continue
        discount = Decimal(offer["discount_amount"])
        if invoice.credited_amount and invoice.amount_due:
            owed = max(invoice.amount_due - invoice.credited_amount, ZERO)
            discount = quantize(discount * owed / invoice.amount_due, invoice.currency)
        if discount <= 0 or discount >= invoice.open_amount:
            continue
        yield invoice.open_amount - discount, offer, discount


def vat_split(invoice: Invoice, discount: Decimal) -> list[dict]:
    """The discount's VAT correction per VAT breakdown row of the invoice (see ``vat_split_of``)."""
    rows = invoice.vat_breakdown.all().order_by("vat_category", "vat_rate", "id")
    return vat_split_of(rows, discount, currency=invoice.currency)


def vat_split_of(rows, discount: Decimal, *, currency: str) -> list[dict]:
    """The discount's VAT correction per VAT breakdown row (§ 17 (1) UStG): pro rata to each
    rate's gross amount, rounded per currency, the last row taking the remainder so the gross
    parts sum to the discount exactly; per row net + vat = its gross part. ``rows`` have
    ``vat_category``, ``vat_rate``, ``taxable_amount`` and ``tax_amount``."""
    rows = list(rows)
    grosses = [row.taxable_amount + row.tax_amount for row in rows]
    total = sum(grosses, ZERO)
    if not rows or total <= 0:
        return [{"vat_category": "", "vat_rate": None, "net": str(discount), "vat": "0.00"}]
    split, left = [], discount
    for index, (row, gross) in enumerate(zip(rows, grosses, strict=True)):
        part = left if index == len(rows) - 1 else quantize(discount * gross / total, currency)
        left -= part
        rate = row.vat_rate or ZERO
        vat = quantize(part * rate / (HUNDRED + rate), currency) if rate else quantize(ZERO, currency)
        split.append(
            {
                "vat_category": row.vat_category,
                "vat_rate": str(row.vat_rate) if row.vat_rate is not None else None,
                "gross": str(part),
                "net": str(part - vat),
                "vat": str(vat),
            }
        )
    return split


# --- Moving money -----------------------------------------------------------------------------------


def apply_money(
    *,
    target,
    amount: Decimal,
    currency: str,
    rule: str,
    as_of: datetime,
    by,
    payment: Payment | None = None,
    from_credit: bool = False,
    credit_note: Invoice | None = None,
    explanation: str | list[dict] = "",
    settle_discount: bool = True,
) -> Allocation:
    """Move ``amount`` from a locked source (a payment's unapplied money or credit, or a credit
    note's open credit) to a locked target. The caller validated; this keeps every sum in step
    and records the events. With a matching Skonto offer the invoice is settled in full.
    ``explanation``: why, as stored messages (``core.messages``, worded when read), or a text a
    person typed (kept as it is)."""
    match = None
    if settle_discount and isinstance(target, Invoice):
        value_date = payment.value_date if payment is not None else as_of.date()
        match = skonto_match(target, amount=amount, value_date=value_date)
    if amount > target.open_amount:
        raise ValidationError({"amount": [_("More than the open amount of %(n)s.") % {"n": target_label(target)}]})
    allocation = Allocation.objects.create(
        payment=payment,
        credit_note=credit_note,
        invoice=target if isinstance(target, Invoice) else None,
        item=target if isinstance(target, OpenItem) else None,
        amount=amount,
        currency=currency,
        rule=rule,
        explanation="" if isinstance(explanation, list) else explanation[:500],
        explanation_messages=explanation if isinstance(explanation, list) else [],
        created_by=user_or_none(by),
        created_at=as_of,
    )
    discount = ZERO
    if match is not None:
        offer, discount = match
        SettlementDiscount.objects.create(
            invoice=target,
            allocation=allocation,
            percent=Decimal(offer["percent"]),
            amount=discount,
            vat_split=vat_split(target, discount),
            created_at=as_of,
        )
    data = {"allocation": allocation.pk, "amount": str(amount), "rule": rule}
    if isinstance(target, Invoice):
        data.update(invoice=target.number, invoice_id=target.pk)
        if discount:
            data["discount"] = str(discount)
        invoice_set_open(
            invoice=target,
            open_amount=target.open_amount - amount - discount,
            as_of=as_of,
            by=by,
            reason=_("payment allocated")
            if payment is not None
            else _("credit note %(n)s applied") % {"n": credit_note.number},
            data=data,
        )
    else:
        data.update(item=target.pk)
        target.open_amount -= amount
        target.save(update_fields=["open_amount"])
    if payment is not None:
        if from_credit:
            payment.credit_amount -= amount
        else:
            payment.unapplied_amount -= amount
        payment.allocated_amount += amount
        payment_event(
            payment=payment,
            kind=PaymentEvent.Kind.ALLOCATED,
            as_of=as_of,
            by=by,
            data={**data, "from_credit": from_credit},
        )
    else:
        invoice_set_open(
            invoice=credit_note,
            open_amount=credit_note.open_amount - amount,
            as_of=as_of,
            by=by,
            reason=_("credit applied to %(n)s") % {"n": target_label(target)},
            data=data,
        )
    return allocation


def unapply_money(*, allocation: Allocation, payment, credit_note, target, as_of: datetime, by, reason: str) -> None:
    """Undo an allocation on locked rows: the money goes back where it came from (unapplied, or
    credit when it came from credit, or the credit note's credit), the target reopens."""
    discount = ZERO
    record = SettlementDiscount.objects.filter(allocation=allocation, reversed_at__isnull=True).first()
    if record is not None:
        discount = record.amount
        record.reversed_at = as_of
        record.save(update_fields=["reversed_at"])
    allocation.reversed_at = as_of
    allocation.reversed_by = user_or_none(by)
    allocation.reversal_reason = reason[:255]
    allocation.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    data = {"allocation": allocation.pk, "amount": str(allocation.amount)}
    if isinstance(target, Invoice):
        data.update(invoice=target.number, invoice_id=target.pk)
        invoice_set_open(
            invoice=target,
            open_amount=target.open_amount + allocation.amount + discount,
            as_of=as_of,
            by=by,
            reason=_("allocation reversed: %(reason)s") % {"reason": reason},
            data=data,
        )
    else:
        data.update(item=target.pk)
        target.open_amount += allocation.amount
        target.save(update_fields=["open_amount"])
    if payment is not None:
        from_credit = PaymentEvent.objects.filter(
            payment=payment, kind=PaymentEvent.Kind.ALLOCATED, data__allocation=allocation.pk, data__from_credit=True
        ).exists()
        payment.allocated_amount -= allocation.amount
        if from_credit:
            payment.credit_amount += allocation.amount
        else:
            payment.unapplied_amount += allocation.amount
        payment_event(
            payment=payment,
            kind=PaymentEvent.Kind.ALLOCATION_REVERSED,
            as_of=as_of,
            by=by,
            reason=reason,
            data={**data, "to_credit": from_credit},
        )
    else:
        invoice_set_open(
            invoice=credit_note,
            open_amount=credit_note.open_amount + allocation.amount,
            as_of=as_of,
            by=by,
            reason=_("allocation reversed: %(reason)s") % {"reason": reason},
            data=data,
        )


def split_pro_rata(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` in whole minor units that sum exactly:
    every share rounded down, the cents left over go to the largest remainders (ties: the
    earlier position). No share exceeds its weight while total ≤ sum(weights)."""
    unit = minor_unit(currency)
    whole = sum(weights, ZERO)
    exact = [total * w / whole for w in weights]
    shares = [e.quantize(unit, rounding=ROUND_DOWN) for e in exact]
    left = int((total - sum(shares, ZERO)) / unit)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += unit
    return shares
