"""Allocating payments to open items: by hand, by the payer's designation, or by law
(§ 366 (2), § 367 (1) BGB); and undoing an allocation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.messages import Term, message, message_define
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import Allocation, AllocationRule, OpenItem, OpenItemKind, Payment, PaymentStatus
from .common import (
    ZERO,
    apply_money,
    check_amount,
    check_target,
    lock_all,
    lock_payment,
    split_pro_rata,
    target_label,
    unapply_money,
)

# § 367 (1) BGB: costs first, then interest, then the principal.
COSTS = {OpenItemKind.DUNNING_FEE, OpenItemKind.FLAT_FEE, OpenItemKind.RETURN_FEE, OpenItemKind.OTHER_COST}
INTEREST = {OpenItemKind.DEFAULT_INTEREST}


LAW_COSTS = message_define("payments.law.costs", gettext_noop("§ 367 (1) BGB: costs first"))
LAW_INTEREST = message_define("payments.law.interest", gettext_noop("§ 367 (1) BGB: interest before the principal"))
LAW_PRINCIPAL = message_define(
    "payments.law.principal", gettext_noop("§ 367 (1) BGB: the principal, after costs and interest")
)
LAW_DUE = message_define("payments.law.due", gettext_noop("§ 366 (2) BGB: due before not yet due"))
LAW_NOT_DUE = message_define(
    "payments.law.not_due", gettext_noop("§ 366 (2) BGB: not yet due, after the debts that are due")
)
LAW_OLDER = message_define("payments.law.older", gettext_noop("§ 366 (2) BGB: the older debt first (due %(due)s)"))
LAW_YOUNGER = message_define(
    "payments.law.younger", gettext_noop("§ 366 (2) BGB: the younger debt, after the older ones (due %(due)s)")
)
LAW_PRO_RATA = message_define(
    "payments.law.pro_rata", gettext_noop("§ 366 (2) BGB: of equal age, pro rata with %(others)s")
)
# The open items of equal age a pro rata share names: an invoice by its number, another item by
# its kind and number, worded when read ("Mahngebühr #12") like the sentence around it.
ITEM_LABEL = message_define("payments.item_label", gettext_noop("%(kind)s #%(number)s"))
ITEM_KIND_TERMS = {
    OpenItemKind.DUNNING_FEE: gettext_noop("dunning fee"),
    OpenItemKind.FLAT_FEE: gettext_noop("flat fee for late payment"),
    OpenItemKind.RETURN_FEE: gettext_noop("return fee"),
    OpenItemKind.OTHER_COST: gettext_noop("other costs"),
    OpenItemKind.DEFAULT_INTEREST: gettext_noop("default interest"),
}
LAW_ONLY = message_define("payments.law.only", gettext_noop("§ 366 (2) BGB: the only open debt"))
LAW_ALL = message_define("payments.law.all", gettext_noop("§ 366 (2) BGB: the payment covers every open debt in full"))
# A text worded before explanations were stored as messages (or typed by a person), kept as it is.
TEXT = message_define("payments.text", gettext_noop("%(text)s"))
PAYER_DESIGNATED = message_define(
    "payments.payer_designated", gettext_noop("designated by the payer in the remittance information")
)
CREDIT_APPLIED = message_define("payments.credit_applied", gettext_noop("customer credit applied"))
CREDIT_NOTE = message_define("payments.credit_note", gettext_noop("credit of credit note %(number)s"))
# Security and burden (§ 366 (2) BGB, before age) cannot be seen from the data: see ``law_order``.


def by_law_explanation(groups: list[list], plan: list[tuple], money: Decimal) -> dict[tuple, list[dict]]:
    """Per target paid by law, which criterion decided its step (stored messages, worded when
    read): the first of § 367 (1) class, due/not due and age in which its group differs from the
    group after it (the debt it was preferred to), or from the group before it for the last one;
    pro rata when it shares its group. {(kind, pk): [message, ...]}"""
    keys = [_law_key(group[0]) for group in groups]
    everything = sum((t.open_amount for group in groups for t in group), ZERO) <= money
    reasons: dict[tuple, list[dict]] = {}
    for target, _share in plan:
        index = next(i for i, group in enumerate(groups) if target in group)
        group, key = groups[index], keys[index]
        why = []
        if everything and len(groups) > 1:
            why.append(message(LAW_ALL))
        elif len(groups) == 1:
            why.append(message(LAW_ONLY) if len(group) == 1 else None)
        else:
            other, later = (keys[index + 1], True) if index + 1 < len(keys) else (keys[index - 1], False)
            differs = next(position for position in range(4) if key[position] != other[position])
            due = key[2]
            if differs == 0:
                why.append(message((LAW_COSTS, LAW_INTEREST, LAW_PRINCIPAL)[key[0]]))
            elif differs == 1:
                why.append(message(LAW_DUE if key[1] == 0 else LAW_NOT_DUE))
            else:
                why.append(message(LAW_OLDER if later else LAW_YOUNGER, due=due))
        if len(group) > 1:
            others = [_label_param(t) for t in group if t is not target]
            why.append(message(LAW_PRO_RATA, others=others))
        reasons[_target_key(target)] = [item for item in why if item is not None]
    return reasons


def _label_param(target):
    """A target named in a stored message: the invoice number, or an open item's kind (a ``Term``,
    translated when read) and number."""
    if isinstance(target, Invoice):
        return target_label(target)
    return message(ITEM_LABEL, kind=Term(ITEM_KIND_TERMS[target.kind]), number=target.pk)


def _target_key(target) -> tuple:
    return ("invoice" if isinstance(target, Invoice) else "item", target.pk)


def _targets_of(targets: list[dict]) -> tuple[list[int], list[int]]:
    invoices, items = [], []
    for index, row in enumerate(targets):
        if not isinstance(row, dict) or ("invoice" in row) == ("item" in row):
            raise ValidationError({f"targets.{index}": [_("Name exactly one invoice or open item.")]})
        (invoices if "invoice" in row else items).append((row.get("invoice") or row.get("item")).pk)
    return invoices, items


def _check_source(payment: Payment, *, from_credit: bool) -> None:
    if payment.status != PaymentStatus.COMPLETED:
        message = _("Only completed payments can be allocated; this one is %(s)s.")
        raise ValidationError({"payment": [message % {"s": payment.get_status_display()}]})
    if payment.customer_id is None:
        raise ValidationError({"payment": [_("Assign the payment to a customer first.")]})


def allocate_locked(
    *,
    payment: Payment,
    targets: list[dict],
    invoices: dict,
    items: dict,
    as_of: datetime,
    by,
    rule: str,
    explanation: str | list[dict],
    from_credit: bool = False,
    settle_discount: bool = True,
) -> list[Allocation]:
    """Validate every target against the locked rows first, then apply: nothing half-applied."""
    _check_source(payment, from_credit=from_credit)
    available = payment.credit_amount if from_credit else payment.unapplied_amount
    wanted: dict[tuple[str, int], Decimal] = {}
    rows = []
    for index, row in enumerate(targets):
        field = f"targets.{index}"
        target = invoices.get(row["invoice"].pk) if "invoice" in row else items.get(row["item"].pk)
        if target is None:
            raise ValidationError({field: [_("No such invoice or open item.")]})
        amount = check_amount(row.get("amount"), payment.currency, f"{field}.amount")
        check_target(target=target, customer_id=payment.customer_id, currency=payment.currency, field=field)
        key = ("invoice" if isinstance(target, Invoice) else "item", target.pk)
        wanted[key] = wanted.get(key, ZERO) + amount
        if wanted[key] > target.open_amount:
            message = _("%(amount)s exceeds the open amount %(open)s.")
            raise ValidationError({f"{field}.amount": [message % {"amount": wanted[key], "open": target.open_amount}]})
        rows.append((target, amount, row.get("explanation", explanation)))
    total = sum((amount for _t, amount, _why in rows), ZERO)
    if total > available:
        source = _("customer credit") if from_credit else _("unapplied amount")
        raise ValidationError(
            {
                "amount": [
                    _("%(total)s exceeds the payment's %(source)s of %(available)s.")
                    % {"total": total, "source": source, "available": available}
                ]
            }
        )
    allocations = [
        apply_money(
            target=target,
            amount=amount,
            currency=payment.currency,
            rule=rule,
            as_of=as_of,
            by=by,
            payment=payment,
            from_credit=from_credit,
            explanation=why,
            settle_discount=settle_discount,
        )
        for target, amount, why in rows
    ]
    payment.updated_at = as_of
    payment.save(update_fields=["allocated_amount", "credit_amount", "unapplied_amount", "updated_at"])
    return allocations


def payment_allocate(
    *,
    payment: Payment,
    targets: list[dict],
    as_of: datetime,
    by=None,
    rule: str = AllocationRule.MANUAL,
    explanation: str | list[dict] = "",
    settle_discount: bool = True,
) -> list[Allocation]:
    """Apply a completed payment's unapplied money to the given targets
    (``[{"invoice": Invoice} or {"item": OpenItem}, "amount": Decimal]``).

    Refused as a whole (ValidationError naming the field, nothing applied) over the unapplied
    amount, over a target's open amount, across currencies or customers, to a draft or cancelled
    invoice or a credit note, with an amount ≤ 0, or for a payment that is not completed. An
    amount equal to a discount offer's remaining ``amount_to_pay`` within its deadline settles
    the invoice in full with a Skonto record (§ 17 UStG), unless ``settle_discount=False``.
    """
    invoice_pks, item_pks = _targets_of(targets)
    if not targets:
        raise ValidationError({"targets": [_("Name at least one invoice or open item.")]})
    with transaction.atomic():
        locked = lock_payment(payment)
        _payments, invoices, items = lock_all(invoices=invoice_pks, items=item_pks)
        allocations = allocate_locked(
            payment=locked,
            targets=targets,
            invoices=invoices,
            items=items,
            as_of=as_of,
            by=by,
            rule=rule,
            explanation=explanation,
            settle_discount=settle_discount,
        )
    _refresh(payment, locked)
    return allocations


def _refresh(stale: Payment, fresh: Payment) -> None:
    for field in ("allocated_amount", "credit_amount", "refunded_amount", "returned_amount", "unapplied_amount"):
        setattr(stale, field, getattr(fresh, field))
    stale.status, stale.updated_at = fresh.status, fresh.updated_at


def _age_key(target) -> tuple:
    if isinstance(target, Invoice):
        return (target.due_date or target.invoice_date, target.invoice_date)
    return (target.due_date, target.created_at.date())


def _law_key(target, value_date: date | None = None) -> tuple:
    """(class: costs 0, interest 1, principal 2; due 0 / not yet due 1; due date; issue date).
    ``law_order`` stores the value date's verdict on the target (``_law_due``) for the reasons."""
    if isinstance(target, OpenItem):
        klass = 0 if target.kind in COSTS else 1
    else:
        klass = 2
    due, issued = _age_key(target)
    if value_date is not None:
        target._law_due = 0 if due <= value_date else 1
    return (klass, target._law_due, due, issued)


def law_order(targets: list, value_date: date) -> list[list]:
    """Group targets in the order § 367 (1) and § 366 (2) BGB apply money to them: costs,
    interest, principal; in each class the due ones (due date ≤ value date) before the not yet
    due; then older first. Security and burden (§ 366 (2) BGB) cannot be seen from the data, so
    targets of equal age (same due date and invoice date) form one group paid pro rata."""

    def key(target) -> tuple:
        return _law_key(target, value_date)

    groups: list[list] = []
    last = None
    for target in sorted(targets, key=lambda t: (*key(t), isinstance(t, Invoice), t.pk)):
        if key(target) != last:
            groups.append([])
            last = key(target)
        groups[-1].append(target)
    return groups


def _by_law_plan(groups: list[list], money: Decimal, currency: str) -> list[tuple]:
    plan = []
    for group in groups:
        if money <= 0:
            break
        opens = [t.open_amount for t in group]
        whole = sum(opens, ZERO)
        shares = opens if money >= whole else split_pro_rata(money, opens, currency)
        for target, share in zip(group, shares, strict=True):
            if share > 0:
                plan.append((target, share))
        money -= sum(shares, ZERO)
    return plan


def candidates(*, customer_id: int, currency: str) -> tuple[list[int], list[int]]:
    invoice_pks = list(
        Invoice.objects.filter(
            customer_id=customer_id,
            currency=currency,
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.ISSUED,
            open_amount__gt=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    item_pks = list(
        OpenItem.objects.filter(
            customer_id=customer_id, currency=currency, open_amount__gt=0, cancelled_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return invoice_pks, item_pks


def allocate_by_law_locked(*, payment: Payment, invoices: dict, items: dict, as_of: datetime, by) -> list[Allocation]:
    open_targets = [
        t
        for t in [*items.values(), *invoices.values()]
        if t.open_amount > 0
        and (
            not isinstance(t, Invoice)
            or (t.status == DocumentStatus.ISSUED and t.document_type == DocumentType.INVOICE)
        )
        and (isinstance(t, Invoice) or t.cancelled_at is None)
    ]
    groups = law_order(open_targets, payment.value_date)
    plan = _by_law_plan(groups, payment.unapplied_amount, payment.currency)
    if not plan:
        return []
    reasons = by_law_explanation(groups, plan, payment.unapplied_amount)
    return allocate_locked(
        payment=payment,
        targets=[{_target_key(t)[0]: t, "amount": a, "explanation": reasons[_target_key(t)]} for t, a in plan],
        invoices=invoices,
        items=items,
        as_of=as_of,
        by=by,
        rule=AllocationRule.BGB_366_367,
        explanation=[],
    )


def payment_allocate_by_law(*, payment: Payment, as_of: datetime, by=None) -> list[Allocation]:
    """Apply a completed payment's unapplied money the way the law does when the payer did not
    say what it pays (§ 366 (2), § 367 (1) BGB; see ``law_order``). Each allocation records the
    rule and which criterion decided its step (``by_law_explanation``). What no open item needs stays unapplied.
    A payment that exactly meets an invoice's discounted amount settles it with Skonto."""
    with transaction.atomic():
        # The customer first: the candidates are all of the customer's open items.
        locked = lock_payment(payment)
        _check_source(locked, from_credit=False)
        invoice_pks, item_pks = candidates(customer_id=locked.customer_id, currency=locked.currency)
        _payments, invoices, items = lock_all(invoices=invoice_pks, items=item_pks)
        allocations = allocate_by_law_locked(payment=locked, invoices=invoices, items=items, as_of=as_of, by=by)
    _refresh(payment, locked)
    return allocations


def allocation_reverse(*, allocation: Allocation, as_of: datetime, by=None, reason: str) -> Allocation:
    """Undo an allocation (never deleted): the money returns to the payment's unapplied amount (or
    its credit when it came from credit, or the credit note's credit); the target reopens — its
    open amount (with any Skonto taken) comes back and its settlement state follows."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason for the reversal.")]})
    with transaction.atomic():
        current = Allocation.objects.get(pk=allocation.pk)
        payments, invoices, items = lock_all(
            payments=[current.payment_id] if current.payment_id else [],
            invoices=[pk for pk in (current.invoice_id, current.credit_note_id) if pk],
            items=[current.item_id] if current.item_id else [],
        )
        current = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if current.reversed_at is not None:
            raise ValidationError({"allocation": [_("This allocation has already been reversed.")]})
        unapply_money(
            allocation=current,
            payment=payments.get(current.payment_id),
            credit_note=invoices.get(current.credit_note_id),
            target=invoices[current.invoice_id] if current.invoice_id else items[current.item_id],
            as_of=as_of,
            by=by,
            reason=reason.strip(),
        )
        if current.payment_id:
            payment = payments[current.payment_id]
            payment.updated_at = as_of
            payment.save(update_fields=["allocated_amount", "credit_amount", "unapplied_amount", "updated_at"])
    return current
