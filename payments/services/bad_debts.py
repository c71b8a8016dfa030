"""Bad-debt write-offs (§ 17 (2) Nr. 1 UStG) and their reversal when money arrives after all.

A finance manager writes off an invoice that cannot be collected (insolvency, collection failed,
uneconomic): its whole open amount is closed, and the VAT it contains is corrected per rate in
proportion to the invoice's VAT breakdown (``vat_split``, as Skonto does: each rate's gross part
pro rata, net + VAT per rate, summing exactly to the amount). The invoice's own open fee and
interest items are waived with it (they carry no VAT; a ``Waiver`` linked to the write-off), as
pursuing the principal is what was given up.

Money that arrives later for the invoice (a payment naming it, or a person's "money arrived"
action) reinstates the write-off for that amount, VAT included (§ 17 (2) Nr. 1 sentence 2 UStG),
and is then allocated to it. Splits are taken cumulatively — the part reinstated now is the split
of everything reinstated so far less the split of what was reinstated before — so the reversals
of a fully reinstated write-off add up, rate by rate, exactly to its split. The waived fee and
interest items are not revived (a person charges them again if wanted).

The small-difference write-off (``writeoffs.write_off``, the tolerance) is unchanged.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from core.documents import document_store
from core.events import event_record, scrub_free_text
from core.money import quantize
from core.roles import Role, role_of
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import (
    AllocationRule,
    BadDebtReason,
    BadDebtReversal,
    BadDebtWriteOff,
    OpenItem,
    Payment,
    Waiver,
)
from .common import ZERO, check_amount, invoice_set_open, lock_all, lock_payment, user_or_none, vat_split, vat_split_of

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _check_manager(by) -> None:
    role = role_of(by)
    if role is None or role < Role.FINANCE_MANAGER:
        raise ValidationError({"by": [_("Only finance managers may write off bad debts.")]})


def _store_evidence(evidence) -> tuple[str, str]:
    """(stored name, sha256) of an uploaded file (anything with ``name`` and ``read()``), or ("", "")."""
    if evidence is None:
        return "", ""
    data = evidence.read()
    if not data:
        raise ValidationError({"evidence": [_("The evidence file is empty.")]})
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": [_("The evidence file is larger than 10 MB.")]})
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", (getattr(evidence, "name", "") or "evidence").rsplit("/", 1)[-1])
    stored = document_store(folder="bad-debt-evidence", filename=filename[-100:] or "evidence", data=data)
    return stored.name, stored.sha256


def bad_debt_write_off(
    *, invoice: Invoice, reason: str, as_of: datetime, by, note: str = "", evidence=None
) -> BadDebtWriteOff:
    """Write off an issued invoice's whole open amount as uncollectible, VAT corrected per rate;
    its own open fees and interest are waived with it. Finance managers only; ``reason`` one of
    ``BadDebtReason``; ``evidence`` an optional upload stored with its SHA-256."""
    _check_manager(by)
    if reason not in BadDebtReason.values:
        raise ValidationError({"reason": [_("Choose why the debt is written off.")]})
    name, sha = _store_evidence(evidence)
    with transaction.atomic():
        item_pks = list(
            OpenItem.objects.filter(invoice_id=invoice.pk, open_amount__gt=0, cancelled_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _payments, invoices, items = lock_all(customers=[invoice.customer_id], invoices=[invoice.pk], items=item_pks)
        target = invoices[invoice.pk]
        if target.document_type != DocumentType.INVOICE or target.status != DocumentStatus.ISSUED:
            raise ValidationError({"invoice": [_("Only issued invoices can be written off.")]})
        if target.open_amount <= 0:
            raise ValidationError({"invoice": [_("Nothing is open on invoice %(n)s.") % {"n": target.number}]})
        amount = target.open_amount
        record = BadDebtWriteOff.objects.create(
            invoice=target,
            customer_id=target.customer_id,
            reason=reason,
            note=(note or "").strip(),
            amount=amount,
            currency=target.currency,
            vat_split=vat_split(target, amount),
            evidence_name=name,
            evidence_sha256=sha,
            created_by=user_or_none(by),
            created_at=as_of,
        )
        waived = []
        for item in items.values():
            if item.open_amount <= 0 or item.cancelled_at is not None or item.invoice_id != target.pk:
                continue
            Waiver.objects.create(
                item=item,
                amount=item.open_amount,
                reason=_("bad debt written off")[:255],
                bad_debt=record,
                created_by=user_or_none(by),
                created_at=as_of,
            )
            waived.append({"item": item.pk, "amount": str(item.open_amount)})
            item.open_amount = ZERO
            item.save(update_fields=["open_amount"])
        data = {"bad_debt_write_off": record.pk, "amount": str(amount), "reason": reason}
        invoice_set_open(
            invoice=target,
            open_amount=ZERO,
            as_of=as_of,
            by=by,
            reason=_("written off as a bad debt: %(reason)s") % {"reason": record.get_reason_display()},
            data=data,
        )
        event_record(
            type="bad_debt.written_off",
            obj=target,
            customer_id=target.customer_id,
            data={**data, "invoice": target.number, "vat_split": record.vat_split, "items_waived": waived},
            at=as_of,
        )
    return record


def written_off_remaining(*, invoice_ids) -> dict[int, Decimal]:
    """{invoice id: what its bad-debt write-offs still hold} for the invoices that have any."""
    if not invoice_ids:
        return {}
    rows = (
        BadDebtWriteOff.objects.filter(invoice_id__in=list(invoice_ids), reversed_amount__lt=F("amount"))
        .values("invoice_id")
        .annotate(left=Sum(F("amount") - F("reversed_amount")))
    )
    return {row["invoice_id"]: row["left"] for row in rows}


def split_difference(rows, *, currency: str, whole: Decimal, whole_split: list[dict], before, after) -> list[dict]:
    """The VAT split of ``after`` reinstated in total less the split of ``before`` (see the
    module): ``rows`` the invoice's VAT breakdown, ``whole_split`` the write-off's split of
    ``whole``. Sums to ``after - before``; the reversals up to ``whole`` sum to ``whole_split``."""
    rows = list(rows)
    later = whole_split if after == whole else vat_split_of(rows, after, currency=currency)
    if before <= 0:
        return later
    earlier = vat_split_of(rows, before, currency=currency)
    parts = []
    for new, old in zip(later, earlier, strict=True):
        part = dict(new)
        for key in ("gross", "net", "vat"):
            if key in new:
                part[key] = str(quantize(Decimal(new[key]) - Decimal(old.get(key, "0")), currency))
        parts.append(part)
    return parts


def _split_difference(invoice: Invoice, record: BadDebtWriteOff, before: Decimal, after: Decimal) -> list[dict]:
    rows = invoice.vat_breakdown.all().order_by("vat_category", "vat_rate", "id")
    return split_difference(
        rows, currency=invoice.currency, whole=record.amount, whole_split=record.vat_split, before=before, after=after
    )


def reinstate_locked(
    *, invoice: Invoice, amount: Decimal, as_of: datetime, by, payment: Payment | None = None, reason: str = ""
) -> list[BadDebtReversal]:
    """Reinstate ``amount`` of a locked invoice's bad-debt write-offs (oldest first): reversal
    records with their VAT split, the invoice's open amount back up, an event. Caller validated."""
    reversals = []
    left = amount
    for record in (
        BadDebtWriteOff.objects.select_for_update()
        .filter(invoice=invoice, reversed_amount__lt=F("amount"))
        .order_by("created_at", "id")
    ):
        if left <= 0:
            break
        part = min(left, record.remaining_amount)
        before = record.reversed_amount
        reversal = BadDebtReversal.objects.create(
            write_off=record,
            amount=part,
            vat_split=_split_difference(invoice, record, before, before + part),
            payment=payment,
            reason=reason[:255],
            created_by=user_or_none(by),
            created_at=as_of,
        )
        record.reversed_amount = before + part
        record.save(update_fields=["reversed_amount"])
        left -= part
        reversals.append(reversal)
        data = {"bad_debt_write_off": record.pk, "reversal": reversal.pk, "amount": str(part)}
        invoice_set_open(
            invoice=invoice,
            open_amount=invoice.open_amount + part,
            as_of=as_of,
            by=by,
            reason=_("bad-debt write-off reversed: money arrived"),
            data=data,
        )
        event_record(
            type="bad_debt.reversed",
            obj=invoice,
            customer_id=invoice.customer_id,
            data={
                **data,
                "invoice": invoice.number,
                "payment": getattr(payment, "pk", None),
                "vat_split": reversal.vat_split,
                "reason": scrub_free_text(reason),
            },
            at=as_of,
        )
    return reversals


def reinstate_for_payment_locked(*, invoice: Invoice, amount: Decimal, payment: Payment, as_of: datetime, by) -> None:
    """A payment naming a written-off invoice arrived (``recording``): reinstate what it brings."""
    if amount > 0:
        reinstate_locked(invoice=invoice, amount=amount, as_of=as_of, by=by, payment=payment, reason="")


def bad_debt_write_off_reverse(
    *,
    write_off: BadDebtWriteOff,
    amount: Decimal,
    as_of: datetime,
    by,
    reason: str,
    payment: Payment | None = None,
) -> list[BadDebtReversal]:
    """A person's "money arrived": reinstate ``amount`` of the write-off (proportional VAT split)
    and, with ``payment``, allocate that much of the payment's unapplied money to the invoice.
    Finance managers only; reason required; never above what the write-off still holds."""
    _check_manager(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say how the money arrived.")]})
    from .allocation import allocate_locked

    with transaction.atomic():
        record = BadDebtWriteOff.objects.get(pk=write_off.pk)
        amount = check_amount(amount, record.currency)
        locked_payment = lock_payment(payment) if payment is not None else None
        if locked_payment is not None and locked_payment.customer_id != record.customer_id:
            raise ValidationError({"payment": [_("The payment belongs to another customer.")]})
        invoices = lock_all(invoices=[record.invoice_id])[1]
        invoice = invoices[record.invoice_id]
        record = BadDebtWriteOff.objects.select_for_update().get(pk=record.pk)
        if amount > record.remaining_amount:
            message = _("%(a)s exceeds what the write-off still holds, %(r)s.")
            raise ValidationError({"amount": [message % {"a": amount, "r": record.remaining_amount}]})
        if locked_payment is not None and amount > locked_payment.unapplied_amount:
            message = _("%(a)s exceeds the payment's unapplied amount %(u)s.")
            raise ValidationError({"amount": [message % {"a": amount, "u": locked_payment.unapplied_amount}]})
        reversals = reinstate_locked(
            invoice=invoice, amount=amount, as_of=as_of, by=by, payment=locked_payment, reason=reason
        )
        if locked_payment is not None:
            allocate_locked(
                payment=locked_payment,
                targets=[{"invoice": invoice, "amount": amount}],
                invoices=invoices,
                items={},
                as_of=as_of,
                by=by,
                rule=AllocationRule.MANUAL,
                explanation=reason[:500],
                settle_discount=False,
            )
    return reversals
