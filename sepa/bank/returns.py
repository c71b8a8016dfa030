"""A return (R-transaction) of one of our collections (``payments.bank.confirmations`` return linker).

The return line names the collection by its end-to-end id; without one (or one we do not know) by
the mandate reference and the amount, when exactly one collection of that mandate fits. The
amount fits when it is the item's, or the item's plus the bank's fee (CAMT ``Chrgs``, a separate
charge line of the same entry, or simply the difference).

Linked, the collection is taken back: a booked item's payment is returned (``payment_return``
through ``payments.bank.debits.returns.line_return_payment_locked``: its invoice reopens); an item
still pending (the return came before the bank booked the batch) records no payment and its
invoice stays open. The item becomes ``returned`` with the reason, the mandate is marked for
attention where the reason puts it in doubt (``ATTENTION``), a follow-up task is opened, and the
bank's fee is assessed (``payments.services.return_fee_assess``).

Sequence type: since the SEPA rulebook of November 2016 a collection after a returned FRST may
be sent as RCUR, so the mandate's next sequence type is left as it is.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.followups import followup_kind_register, followup_open
from core.formatting import money_text
from core.messages import Money, message, message_define
from payments.bank.confirmations import confirmation_signal, line_confirmation_record
from payments.bank.debits import return_charges, return_reason_text
from payments.bank.debits.returns import line_return_payment_locked
from payments.models import BankStatementLine, PaymentStatus
from payments.services import return_fee_assess

from ..models import BatchItem, BatchItemStatus, BatchKind, BatchStatus, MandateStatus
from .states import item_transition, items_locked, mandate_flag

RETURNED_TASK = followup_kind_register("direct_debit_returned", gettext_lazy("direct debit returned"))
RETURNED_TASK_RULE = "sepa-direct-debit-returned"

RETURNS_ITEM = message_define(
    "sepa.bank.returns_item", gettext_noop("returns our collection %(reference)s of batch %(batch)s (%(amount)s)")
)

# Reason codes that put the mandate in doubt, and what to tell the person who looks at it.
ATTENTION = {
    "MD01": gettext_noop(
        "The payer's bank knows no valid mandate (never given or revoked): check the signed mandate "
        "before collecting again."
    ),
    "MD02": gettext_noop("The mandate data were missing or wrong: correct them before collecting again."),
    "MD07": gettext_noop("The payer has died: do not collect again."),
    "AC01": gettext_noop("The IBAN is wrong: ask the customer for the correct account."),
    "AC04": gettext_noop("The account is closed: ask the customer for a new account and mandate."),
    "AC06": gettext_noop("The account is blocked: ask the customer before collecting again."),
    "AC13": gettext_noop(
        "The payer is a consumer: a business-to-business mandate is not allowed, a core mandate is needed."
    ),
    "MS02": gettext_noop("The payer refused the collection: ask the customer before collecting again."),
    "MS03": gettext_noop(
        "The bank gave no reason (it may hide a closed account or a revoked mandate): check before collecting again."
    ),
    "SL01": gettext_noop("The payer's bank blocks our collections from this account: ask the customer."),
    "RC01": gettext_noop("The BIC is wrong: correct the mandate's bank data."),
}
TAKEN_BACK = (BatchItemStatus.PENDING, BatchItemStatus.COLLECTED)


def _clean(value: str) -> str:
    value = (value or "").strip()
    return "" if value.upper() in ("NOTPROVIDED", "NONREF") else value


def _fits(item: BatchItem, line: BankStatementLine) -> bool:
    """The line takes back the item's amount, possibly with the bank's fee on top."""
    return item.currency == line.currency and line.amount >= item.amount


def item_of_return(line: BankStatementLine) -> BatchItem | None:
    """The collection of ours a return line takes back: by end-to-end id, else by mandate reference
    and amount when exactly one pending or booked collection of the mandate fits. Reads only."""
    base = (
        BatchItem.objects.filter(
            batch__kind=BatchKind.DIRECT_DEBIT, batch__status__in=(BatchStatus.SUBMITTED, BatchStatus.CONFIRMED)
        )
        .select_related("batch", "mandate", "invoice", "customer", "payment")
        .order_by("pk")
    )
    reference = _clean(line.end_to_end_id)
    if reference:
        item = base.filter(end_to_end_id=reference).first()
        if item is not None:
            mandate = _clean(line.mandate_id)
            if mandate and item.mandate and item.mandate.reference != mandate:
                return None  # the line names another mandate: not ours to decide
            return item
    mandate = _clean(line.mandate_id)
    if not mandate:
        return None
    amounts = {line.amount}
    charges = return_charges(line)
    if charges and charges < line.amount:
        amounts.add(line.amount - charges)
    fitting = list(
        base.filter(
            mandate__reference=mandate,
            status__in=TAKEN_BACK,
            amount__in=amounts,
        )[:2]
    )
    return fitting[0] if len(fitting) == 1 else None


def _fee(item: BatchItem, line: BankStatementLine) -> Decimal | None:
    """The bank's fee for the return: reported on the line or a charge line of the entry, else the
    amount the line takes beyond the collection. None when the bank charged nothing."""
    charges = return_charges(line)
    if charges:
        return charges
    difference = line.amount - item.amount
    return difference if difference > 0 else None


def _mandate_signed(item: BatchItem) -> bool:
    """We hold a mandate signed before the collection and not revoked before it."""
    mandate = item.mandate
    if mandate is None or mandate.signed_on > item.batch.requested_date:
        return False
    if mandate.status == MandateStatus.REVOKED:
        changed = mandate.status_changed_at
        return changed is not None and timezone.localdate(changed) > item.batch.requested_date
    return True


def line_link_collection_return(*, line: BankStatementLine, as_of: datetime) -> bool:
    """The return linker: True when the (locked, undecided) line takes back one of our collections
    and was linked; False to leave it to the ordinary search for the payment."""
    item = item_of_return(line)
    if item is None or item.status not in TAKEN_BACK or not _fits(item, line):
        return False
    payment = item.payment
    if item.status == BatchItemStatus.COLLECTED and (payment is None or payment.status != PaymentStatus.COMPLETED):
        return False  # returned by hand or otherwise taken: the ordinary search explains it in review
    stored = message(
        RETURNS_ITEM,
        reference=item.end_to_end_id,
        batch=item.batch.message_id,
        amount=Money(item.amount, item.currency),
    )
    signal = confirmation_signal("sepa_collection", stored)
    if payment is not None:
        try:
            with transaction.atomic():
                # The payment is returned; ``item_returned_by_payment`` (a return listener) follows up.
                line_return_payment_locked(line=line, payment=payment, signals=[signal], confidence=100, as_of=as_of)
        except ValidationError:
            return False  # the payment changed meanwhile: the ordinary search puts the line in review
        return True
    # Returned before the bank's credit was seen: no payment to take back, the invoice stays open.
    line_confirmation_record(
        line=line, bookings=[(None, item.customer, item.invoice, line.amount)], signal=signal, as_of=as_of
    )
    _follow_up(item, line=line, as_of=as_of)
    return True


def item_returned_by_payment(*, line: BankStatementLine, payment, as_of: datetime, by=None) -> None:
    """The return listener: a return line took back the payment of one of our collections, linked
    by the linker above or by a person in the review queue. Nothing to do for other payments or
    for an item already returned."""
    item = (
        BatchItem.objects.filter(payment=payment, status=BatchItemStatus.COLLECTED, batch__kind=BatchKind.DIRECT_DEBIT)
        .select_related("batch", "mandate", "invoice", "customer")
        .first()
    )
    if item is not None:
        _follow_up(item, line=line, as_of=as_of)


def _follow_up(item: BatchItem, *, line: BankStatementLine, as_of: datetime) -> None:
    """The item returned with its reason, the mandate marked where the reason says so, the fee
    assessed, a task for a person."""
    code = (line.return_reason or "").strip().upper()
    locked = items_locked([item.pk])[item.pk]
    locked.return_reason = code[:4]
    item_transition(
        item=locked,
        to=BatchItemStatus.RETURNED,
        as_of=as_of,
        data={"bank_line": line.pk, "reason_code": code, "payment": locked.payment_id},
    )
    if locked.mandate is not None and code in ATTENTION:
        mandate_flag(mandate=locked.mandate, reason=_(ATTENTION[code]), code=code, item=locked, as_of=as_of)
    fee = _fee(locked, line)
    return_fee_assess(
        line=line,
        customer=locked.customer,
        invoice=locked.invoice,
        reason_code=code,
        fee=fee,
        mandate_signed=_mandate_signed(locked),
        as_of=as_of,
    )
    _open_task(locked, line=line, fee=fee, as_of=as_of)


def _open_task(item: BatchItem, *, line: BankStatementLine, fee: Decimal | None, as_of: datetime) -> None:
    reason = return_reason_text(item.return_reason) or _("no reason given")
    lines = [
        _("Direct debit %(reference)s of %(amount)s returned by the bank: %(reason)s.")
        % {"reference": item.end_to_end_id, "amount": money_text(item.amount, item.currency), "reason": reason},
        _("The invoice is open again: collect it again, ask the customer to transfer, or start dunning."),
    ]
    if fee:
        lines.append(_("The bank charged %(fee)s for the return.") % {"fee": money_text(fee, line.currency)})
    if item.mandate is not None and item.mandate.needs_attention:
        lines.append(_("The mandate needs attention: %(reason)s") % {"reason": item.mandate.attention_reason})
    followup_open(
        kind=RETURNED_TASK,
        title=_("Direct debit for invoice %(number)s returned: %(reason)s")
        % {"number": item.invoice.number if item.invoice else "—", "reason": reason},
        description="\n".join(lines),
        about=item,
        rule=RETURNED_TASK_RULE,
        as_of=as_of,
        customer=item.customer,
        priority="high",
    )
