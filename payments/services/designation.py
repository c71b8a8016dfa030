"""§ 367 BGB for a payment that names its invoices, and the payer's own order (§ 367 (2) BGB).

**Naming an invoice does not change § 367 (1).** A payer who names an invoice designates *which
debt* (§ 366 (1) BGB); within that debt the payment settles its costs first, then its interest,
then its principal (§ 367 (1)). So a named invoice's own open items of cost kinds (dunning fees,
the € 40 flat fee, return fees, other costs) take the money first, then its default interest,
then the invoice (``named_invoice_plan``); each allocation stores why (``NAMED_*`` messages).

**Another order designated by the payer** ("nur Hauptforderung", "ohne Zinsen", "principal
only" …) is the case of § 367 (2): the creditor may refuse the payment; if it keeps the money,
the payer's order applies (BGH, settled case law: the creditor cannot keep the money and apply it
its own way). Neither can be decided by a rule, so the designation is RECORDED
(``PaymentDesignation``, an event) and goes to a person as a follow-up task. Until decided the
payment stays **unapplied**, as a whole: applying it by § 367 (1) would disregard a designation
that binds a creditor who keeps the money, applying it as designated would silently accept it
and take away the right to refuse. Unapplied money is visible on the account and in the
payment list; the person then ``payment_designation_accept`` (applied in the payer's order) or
``payment_designation_refuse`` (the money becomes customer credit, to be paid back with
``payment_refund``).

Detection (``designation_in``) reads the remittance text for a small set of phrases, German and
English, that only occur when a payer restricts what the payment is for. It is deliberately
generous: a wrong hit costs a person one look, a miss would apply money against the payer's
stated will. It only counts when it makes a difference — the payment's debts include open costs
or interest; otherwise every order gives the same result and the payment is applied at once.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.events import event_record, scrub_free_text
from core.followups import followup_kind_register, followup_open, followups_close_about
from core.messages import message, message_define
from core.roles import Role, role_of
from core.transitions import transition_check
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import (
    AllocationRule,
    DesignatedOrder,
    DesignationSource,
    DesignationStatus,
    OpenItem,
    Payment,
    PaymentDesignation,
    PaymentStatus,
)
from .allocation import COSTS, INTEREST, allocate_locked, candidates, law_order
from .common import ZERO, lock_all, lock_payment, user_or_none
from .errors import PaymentConflict

NAMED_COSTS = message_define(
    "payments.law.named_costs", gettext_noop("§ 367 (1) BGB: invoice %(number)s named; its costs first")
)
NAMED_INTEREST = message_define(
    "payments.law.named_interest",
    gettext_noop("§ 367 (1) BGB: invoice %(number)s named; its interest before its principal"),
)
NAMED_PRINCIPAL = message_define(
    "payments.law.named_principal",
    gettext_noop("§ 367 (1) BGB: invoice %(number)s named; its principal, after its costs and interest"),
)
AS_DESIGNATED = message_define(
    "payments.law.as_designated",
    gettext_noop("§ 367 (2) BGB: in the order the payer designated, accepted by a person"),
)

DESIGNATION_TASK = followup_kind_register(
    "payment_designation", gettext_lazy("payer designated another order of application (§ 367 (2) BGB)")
)
DESIGNATION_RULE = "bgb-367-2-designation"

# Phrases that restrict a payment to the principal, casefolded; "ue"/"ü" both. Whole words only.
_FEES = r"(?:verzugs)?zinsen|mahngeb(?:ü|ue)hr(?:en)?|mahnkosten|kosten|geb(?:ü|ue)hren|verzugspauschale|pauschale"
_EN_FEES = r"(?:late\s+)?(?:interest|fees|charges|costs|dunning\s+fees?|late\s+payment\s+fees?)"
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (order, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"))
    for order, pattern in (
        (
            DesignatedOrder.PRINCIPAL_FIRST,
            r"(?:zuerst|vorrangig|zun(?:ä|ae)chst)\s+(?:auf\s+)?(?:die\s+)?hauptforderung",
        ),
        (DesignatedOrder.PRINCIPAL_FIRST, r"principal\s+first"),
        (DesignatedOrder.PRINCIPAL_ONLY, r"nur\s+(?:auf\s+)?(?:die\s+|den\s+)?(?:hauptforderung|rechnungsbetrag)"),
        (DesignatedOrder.PRINCIPAL_ONLY, rf"(?:ohne|keine|nicht(?:\s+auf)?)\s+(?:die\s+)?(?:{_FEES})"),
        (DesignatedOrder.PRINCIPAL_ONLY, r"(?:principal|invoice\s+amount)\s+only|only\s+(?:the\s+)?principal"),
        (DesignatedOrder.PRINCIPAL_ONLY, rf"(?:excluding|without|no|not\s+for)\s+(?:the\s+)?(?:{_EN_FEES})"),
    )
)


def designation_in(remittance: str) -> tuple[str, str] | None:
    """(order, the words found) when the remittance restricts the payment to the principal, else None."""
    text = " ".join((remittance or "").casefold().split())
    for order, pattern in PATTERNS:
        found = pattern.search(text)
        if found:
            return order, found.group(0)[:200]
    return None


def _own_items(items: dict, invoice_pk: int) -> list[OpenItem]:
    """The invoice's open fee and interest items in § 367 (1) order (costs, interest; older first)."""
    own = [i for i in items.values() if i.invoice_id == invoice_pk and i.open_amount > 0 and i.cancelled_at is None]
    return sorted(own, key=lambda i: (0 if i.kind in COSTS else 1, i.due_date, i.pk))


def designation_matters(*, named: list[int], items: dict) -> bool:
    wanted = [i for i in items.values() if i.open_amount > 0 and i.cancelled_at is None]
    if named:
        wanted = [i for i in wanted if i.invoice_id in named]
    return any(i.kind in COSTS | INTEREST for i in wanted)


def named_invoice_plan(*, named: list[int], invoices: dict, items: dict, money, principal_of) -> list[dict]:
    """Targets for a payment naming ``named`` (in the order named): per invoice its costs, its
    interest, then its principal (§ 367 (1) BGB), each up to its open amount while money lasts.
    ``principal_of(invoice, money_left)`` says what the principal takes (Skonto, reinstatement)."""
    plan = []
    for pk in named:
        invoice = invoices[pk]
        for item in _own_items(items, pk):
            if money <= 0:
                return plan
            share = min(money, item.open_amount)
            why = NAMED_COSTS if item.kind in COSTS else NAMED_INTEREST
            plan.append({"item": item, "amount": share, "explanation": [message(why, number=invoice.number)]})
            money -= share
        if money <= 0:
            return plan
        share = principal_of(invoice, money)
        if share > 0:
            plan.append(
                {"invoice": invoice, "amount": share, "explanation": [message(NAMED_PRINCIPAL, number=invoice.number)]}
            )
            money -= share
    return plan


def designation_record_locked(
    *, payment: Payment, order: str, source: str, matched_text: str, named: list[int], as_of: datetime, by
) -> PaymentDesignation:
    """Record the payer's order on a locked payment and ask a person (§ 367 (2) BGB)."""
    designation = PaymentDesignation.objects.create(
        payment=payment, order=order, source=source, matched_text=matched_text, created_at=as_of
    )
    if named:
        designation.invoices.set(named)
    event_record(
        type="payment_designation.recorded",
        obj=payment,
        customer_id=payment.customer_id,
        data={"designation": designation.pk, "order": order, "source": source, "invoices": named},
        at=as_of,
    )
    numbers = ", ".join(Invoice.objects.filter(pk__in=named).order_by("pk").values_list("number", flat=True))
    followup_open(
        kind=DESIGNATION_TASK,
        title=_("Payment of %(amount)s: the payer designated %(order)s") % {
            "amount": payment.amount, "order": designation.get_order_display()
        },
        description=_(
            "The payer asked for another order than costs, interest, principal (§ 367 (2) BGB)%(invoices)s. "
            "Accept it (the payment is applied as designated) or refuse the payment (it becomes credit to "
            "pay back). Until then the payment stays unapplied."
        ) % {"invoices": (_(" for %(numbers)s") % {"numbers": numbers}) if numbers else ""},
        rule=DESIGNATION_RULE,
        as_of=as_of,
        about=payment,
        customer=payment.customer,
    )  # fmt: skip
    return designation


def _check_manager(by) -> None:
    role = role_of(by)
    if role is None or role < Role.FINANCE_MANAGER:
        raise ValidationError({"by": [_("Only finance managers may decide on a payer's designation.")]})


def payment_designation_record(
    *, payment: Payment, order: str, invoices: list[Invoice] = (), as_of: datetime, by
) -> PaymentDesignation:
    """A person records the order the payer designated (a letter, a call): only for a completed
    payment with nothing allocated yet (reverse its allocations first). Opens the decision task."""
    if order not in DesignatedOrder.values:
        raise ValidationError({"order": [_("Unknown order %(o)s.") % {"o": order}]})
    with transaction.atomic():
        locked = lock_payment(payment)
        if locked.status != PaymentStatus.COMPLETED or locked.customer_id is None:
            raise ValidationError({"payment": [_("Only a completed payment of a known customer can be designated.")]})
        if locked.allocated_amount > 0:
            raise ValidationError({"payment": [_("Reverse the payment's allocations first.")]})
        if PaymentDesignation.objects.filter(payment=locked).exists():
            raise PaymentConflict(_("A designation is already recorded for this payment."), field="payment")
        for index, invoice in enumerate(invoices):
            if invoice.customer_id != locked.customer_id:
                raise ValidationError({f"invoices.{index}": [_("%(n)s belongs to another customer.") % {"n": invoice}]})
        return designation_record_locked(
            payment=locked,
            order=order,
            source=DesignationSource.PERSON,
            matched_text="",
            named=[invoice.pk for invoice in invoices],
            as_of=as_of,
            by=by,
        )


def _decide(designation: PaymentDesignation, to: str) -> None:
    transition_check(
        PaymentDesignation.TRANSITIONS,
        current=designation.status,
        to=to,
        labels=dict(DesignationStatus.choices),
        conflict=lambda text: PaymentConflict(text, field="status"),
    )


def _by_due(item: OpenItem) -> tuple:
    return (item.due_date, item.pk)


def payment_designation_accept(*, designation: PaymentDesignation, as_of: datetime, by) -> PaymentDesignation:
    """Accept the payer's order: the money goes to the principal of the named invoices (all open
    invoices by § 366 (2) when none was named); with ``principal_first`` what is left then pays
    their interest and costs; with ``principal_only`` it stays unapplied for a person."""
    _check_manager(by)
    with transaction.atomic():
        locked = lock_payment(designation.payment)
        current = PaymentDesignation.objects.select_for_update().get(pk=designation.pk)
        _decide(current, DesignationStatus.ACCEPTED)
        named = list(current.invoices.order_by("pk").values_list("pk", flat=True))
        invoice_pks, item_pks = candidates(customer_id=locked.customer_id, currency=locked.currency)
        if named:
            invoice_pks = [pk for pk in invoice_pks if pk in named]
            own = OpenItem.objects.filter(pk__in=item_pks, invoice_id__in=named)
            item_pks = list(own.order_by("pk").values_list("pk", flat=True))
        _payments, invoices, items = lock_all(invoices=invoice_pks, items=item_pks)
        open_invoices = [
            i
            for i in invoices.values()
            if i.open_amount > 0 and i.status == DocumentStatus.ISSUED and i.document_type == DocumentType.INVOICE
        ]
        targets = [t for group in law_order(open_invoices, locked.value_date) for t in group]
        if current.order == DesignatedOrder.PRINCIPAL_FIRST:
            rest = [i for i in items.values() if i.open_amount > 0 and i.cancelled_at is None]
            interest = [i for i in rest if i.kind in INTEREST]
            costs = [i for i in rest if i.kind in COSTS]
            targets += sorted(interest, key=_by_due) + sorted(costs, key=_by_due)
        plan, money = [], locked.unapplied_amount
        for target in targets:
            if money <= 0:
                break
            share = min(money, target.open_amount)
            key = "invoice" if isinstance(target, Invoice) else "item"
            plan.append({key: target, "amount": share, "explanation": [message(AS_DESIGNATED)]})
            money -= share
        if plan:
            allocate_locked(
                payment=locked,
                targets=plan,
                invoices=invoices,
                items=items,
                as_of=as_of,
                by=by,
                rule=AllocationRule.PAYER,
                explanation=[],
                settle_discount=False,
            )
        current.status, current.decided_at, current.decided_by = DesignationStatus.ACCEPTED, as_of, user_or_none(by)
        current.save(update_fields=["status", "decided_at", "decided_by"])
        _decided(current, locked, as_of=as_of, by=by, resolution=_("accepted: applied as the payer designated"))
    return current


def payment_designation_refuse(
    *, designation: PaymentDesignation, reason: str, as_of: datetime, by
) -> PaymentDesignation:
    """Refuse the payment (§ 367 (2) BGB): its unapplied money becomes customer credit, to be paid
    back (``payment_refund``); the reason is required."""
    _check_manager(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payment is refused.")]})
    with transaction.atomic():
        locked = lock_payment(designation.payment)
        current = PaymentDesignation.objects.select_for_update().get(pk=designation.pk)
        _decide(current, DesignationStatus.REFUSED)
        moved = locked.unapplied_amount
        locked.credit_amount += moved
        locked.unapplied_amount = ZERO
        locked.updated_at = as_of
        locked.save(update_fields=["credit_amount", "unapplied_amount", "updated_at"])
        current.status, current.decided_at, current.decided_by = DesignationStatus.REFUSED, as_of, user_or_none(by)
        current.reason = reason[:255]
        current.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        _decided(
            current,
            locked,
            as_of=as_of,
            by=by,
            resolution=_("payment refused: %(reason)s") % {"reason": reason},
            credit=str(moved),
            reason=scrub_free_text(reason),
        )
    return current


def _decided(designation, payment, *, as_of, by, resolution: str, **data) -> None:
    event_record(
        type=f"payment_designation.{designation.status}",
        obj=payment,
        customer_id=payment.customer_id,
        data={"designation": designation.pk, "order": designation.order, **data},
        at=as_of,
    )
    followups_close_about(kind=DESIGNATION_TASK, about=payment, as_of=as_of, by=by, resolution=resolution)


def pending_designation_invoices(*, invoice_ids) -> set[int]:
    """Invoices named by a payment whose designation waits for a decision (dunning: the money is
    there but not applied — no reminder for them)."""
    return set(
        PaymentDesignation.invoices.through.objects.filter(
            invoice_id__in=list(invoice_ids), paymentdesignation__status=DesignationStatus.PENDING
        ).values_list("invoice_id", flat=True)
    )
