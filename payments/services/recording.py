"""Recording a payment once, however it came, and applying it: first what the payer designated
(§ 366 (1) BGB), the rest by law (§ 366 (2), § 367 (1) BGB)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from core.messages import message
from core.money import minor_unit
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import (
    AllocationRule,
    BadDebtWriteOff,
    DesignationSource,
    OpenItem,
    Payment,
    PaymentChannel,
    PaymentEvent,
    PaymentSource,
    PaymentStatus,
)
from .allocation import PAYER_DESIGNATED, allocate_by_law_locked, allocate_locked, candidates
from .bad_debts import reinstate_for_payment_locked, written_off_remaining
from .common import ZERO, check_amount, lock_all, lock_payment, payment_event, skonto_amount_to_pay, user_or_none
from .designation import designation_in, designation_matters, designation_record_locked, named_invoice_plan

# Compared when the same (channel, external_id) arrives again.
IDENTITY = ("customer_id", "amount", "currency", "value_date")


def _validate(*, customer, channel, amount, currency, value_date, status, source, allocate) -> None:
    errors: dict[str, list] = {}
    if channel not in PaymentChannel.values:
        errors["channel"] = [_("Unknown payment channel %(c)s.") % {"c": channel}]
    if status not in PaymentStatus.values:
        errors["status"] = [_("Unknown payment status %(s)s.") % {"s": status}]
    if source not in PaymentSource.values:
        errors["source"] = [_("Unknown payment source %(s)s.") % {"s": source}]
    if not isinstance(value_date, date) or isinstance(value_date, datetime):
        errors["value_date"] = [_("Enter the value date.")]
    try:
        minor_unit(currency)
    except ValueError:
        errors["currency"] = [_("%(c)s is not an ISO 4217 currency code.") % {"c": currency}]
    else:
        try:
            check_amount(amount, currency)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if allocate and customer is not None and currency != customer.currency:
            issued_in_currency = Invoice.objects.filter(
                customer=customer, currency=currency, status=DocumentStatus.ISSUED, document_type=DocumentType.INVOICE
            ).exists()
            if not issued_in_currency:
                message = _("The customer is invoiced in %(customer)s, not %(c)s.")
                errors["currency"] = [message % {"customer": customer.currency, "c": currency}]
    if errors:
        raise ValidationError(errors)


def designated_invoices(*, customer_id: int, currency: str, remittance: str) -> list[int]:
    """Invoice numbers of this customer found in the remittance text, in the order named
    (§ 366 (1) BGB: the payer decides what a payment is for). A number counts only as a whole
    word, so RE-1 does not match inside RE-10."""
    if not remittance:
        return []
    text = remittance.casefold()
    found = []
    # Owed on the invoice: its principal, its own fees and interest (§ 367 (1) per invoice), or a
    # bad-debt write-off that money arriving for it reverses.
    owed = (
        Q(open_amount__gt=0)
        | Exists(OpenItem.objects.filter(invoice=OuterRef("pk"), open_amount__gt=0, cancelled_at__isnull=True))
        | Exists(BadDebtWriteOff.objects.filter(invoice=OuterRef("pk"), reversed_amount__lt=F("amount")))
    )
    rows = Invoice.objects.filter(
        owed,
        customer_id=customer_id,
        currency=currency,
        document_type=DocumentType.INVOICE,
        status=DocumentStatus.ISSUED,
    ).values_list("pk", "number")
    for pk, number in rows:
        match = re.search(rf"(?<![0-9a-z]){re.escape(number.casefold())}(?![0-9a-z])", text)
        if match:
            found.append((match.start(), pk))
    return [pk for _pos, pk in sorted(found)]


def payment_record(
    *,
    customer,
    channel: str,
    amount: Decimal,
    currency: str,
    value_date: date,
    as_of: datetime,
    by=None,
    payer_name: str = "",
    payer_iban: str = "",
    remittance: str = "",
    external_id: str = "",
    status: str = PaymentStatus.COMPLETED,
    source: str = PaymentSource.MANUAL,
    allocate: bool = True,
) -> Payment:
    """Record money received, once per (channel, external_id): the same data again returns the
    existing payment, different data is refused naming ``external_id``. Validation errors name
    their field and save nothing. With ``allocate``, a known customer and status completed the
    payment is applied at once — first to the invoices the payer named in the remittance, in
    that order, each up to its open amount (rule PAYER), the rest by law
    (``payment_allocate_by_law``); what is left stays unapplied.
    """
    external_id = (external_id or "").strip()
    _validate(
        customer=customer,
        channel=channel,
        amount=amount,
        currency=currency,
        value_date=value_date,
        status=status,
        source=source,
        allocate=allocate,
    )
    if external_id:
        existing = Payment.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return _same_or_refuse(existing, customer=customer, amount=amount, currency=currency, value_date=value_date)
    try:
        with transaction.atomic():
            return _record(
                customer=customer,
                channel=channel,
                amount=amount,
                currency=currency,
                value_date=value_date,
                as_of=as_of,
                by=by,
                payer_name=payer_name,
                payer_iban=payer_iban,
                remittance=remittance,
                external_id=external_id,
                status=status,
                source=source,
                allocate=allocate,
            )
    except IntegrityError:
        # Lost a race on payments_payment_once: the other transaction recorded it.
        existing = Payment.objects.filter(channel=channel, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return _same_or_refuse(existing, customer=customer, amount=amount, currency=currency, value_date=value_date)


def _same_or_refuse(existing: Payment, **data) -> Payment:
    customer = data.pop("customer")
    data["customer_id"] = getattr(customer, "pk", None)
    if any(getattr(existing, key) != data[key] for key in IDENTITY):
        raise ValidationError(
            {"external_id": [_("A different payment with this external id was already recorded for this channel.")]}
        )
    return existing


def _record(*, customer, amount, currency, as_of, by, status, allocate, remittance, **fields) -> Payment:
    payment = Payment.objects.create(
        customer=customer,
        amount=amount,
        currency=currency,
        status=status,
        remittance=remittance,
        unapplied_amount=amount,
        created_by=user_or_none(by),
        created_at=as_of,
        updated_at=as_of,
        **fields,
    )
    payment_event(
        payment=payment,
        kind=PaymentEvent.Kind.RECORDED,
        as_of=as_of,
        by=by,
        to_state=status,
        data={"amount": str(amount), "currency": currency, "channel": payment.channel, "source": payment.source},
    )
    if allocate and customer is not None and status == PaymentStatus.COMPLETED:
        payment_apply_automatically(payment=payment, as_of=as_of, by=by)
    return payment


def payment_apply_automatically(*, payment: Payment, as_of: datetime, by=None) -> None:
    """Payer designation first, then the law; runs inside the caller's transaction. The
    customer and the payment are locked before the invoices (``core.locks.LOCK_ORDER``).

    A named invoice takes the money for its own costs, then its interest, then its principal
    (§ 367 (1) BGB, ``designation.named_invoice_plan``); a written-off named invoice is first
    reinstated for what arrives (``bad_debts``). When the remittance designates another order
    (§ 367 (2) BGB) and that makes a difference, the designation is recorded, a person decides,
    and the payment stays unapplied meanwhile (``designation``)."""
    locked = lock_payment(payment)
    invoice_pks, item_pks = candidates(customer_id=locked.customer_id, currency=locked.currency)
    named = designated_invoices(customer_id=locked.customer_id, currency=locked.currency, remittance=locked.remittance)
    invoice_pks = sorted(set(invoice_pks) | set(named))
    _payments, invoices, items = lock_all(invoices=invoice_pks, items=item_pks)
    named = [pk for pk in named if pk in invoices]
    designated = designation_in(locked.remittance)
    if designated is not None and designation_matters(named=named, items=items):
        designation_record_locked(
            payment=locked,
            order=designated[0],
            source=DesignationSource.REMITTANCE,
            matched_text=designated[1],
            named=named,
            as_of=as_of,
            by=by,
        )
        return
    money = locked.unapplied_amount
    remaining = written_off_remaining(invoice_ids=named)
    # When the payment is exactly what the named invoices ask for (their own fees and interest,
    # and the principal with its discount), each takes its Skonto amount; otherwise each in turn
    # gets up to its open amount.
    wanted = [
        _discounted_amount(invoices[pk], locked.value_date)
        + sum((i.open_amount for i in items.values() if i.invoice_id == pk and i.cancelled_at is None), ZERO)
        for pk in named
    ]
    use_discounts = bool(wanted) and sum(wanted, ZERO) == money and not remaining

    def principal_of(invoice, left):
        if remaining.get(invoice.pk):
            reinstate_for_payment_locked(
                invoice=invoice, amount=min(left, remaining[invoice.pk]), payment=locked, as_of=as_of, by=by
            )
        if use_discounts:
            return _discounted_amount(invoice, locked.value_date)
        return min(left, invoice.open_amount)

    plan = named_invoice_plan(named=named, invoices=invoices, items=items, money=money, principal_of=principal_of)
    for row in plan:
        row["explanation"] = [message(PAYER_DESIGNATED), *row["explanation"]]
    if plan:
        allocate_locked(
            payment=locked,
            targets=plan,
            invoices=invoices,
            items=items,
            as_of=as_of,
            by=by,
            rule=AllocationRule.PAYER,
            explanation=[message(PAYER_DESIGNATED)],
        )
    if locked.unapplied_amount > 0:
        allocate_by_law_locked(payment=locked, invoices=invoices, items=items, as_of=as_of, by=by)
    for field in ("allocated_amount", "unapplied_amount", "updated_at"):
        setattr(payment, field, getattr(locked, field))


def _discounted_amount(invoice: Invoice, value_date: date) -> Decimal:
    """What settles the invoice on that value date: its Skonto amount, else the open amount."""
    return skonto_amount_to_pay(invoice, value_date) or invoice.open_amount
