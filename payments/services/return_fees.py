"""Return fees charged on to the customer (§ 280 (1) BGB: damages, only the bank's actual fee and
only where the customer caused the return).

``return_fee_assess`` runs when a return of one of our collections was linked: the rule for the
reason code (``ReturnFeeRule``, the ``*`` row for codes without one) decides — charge: an open item
of kind ``return_fee`` for exactly the fee the bank reported; ask: a follow-up task, resolved by
``return_fee_charge`` or ``return_fee_decline``; never: only an event saying why. Without a fee
reported by the bank nothing is charged. A charged fee can be waived by a person
(``return_fee_waive``). Every transition is checked against ``ReturnFee.TRANSITIONS`` and logged.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import event_record, scrub_free_text
from core.followups import followup_kind_register, followup_open, followups_close_about
from core.formatting import money_text
from core.locks import lock_rows
from core.money import quantize
from core.transitions import transition_check

from ..models import OpenItem, OpenItemKind, ReturnFee, ReturnFeeDecision, ReturnFeeRule, ReturnFeeStatus
from ..return_fee_models import ANY_REASON
from .common import user_or_none
from .errors import PaymentConflict

FEE_TASK = followup_kind_register("return_fee_decision", gettext_lazy("decide on a return fee"))
FEE_TASK_RULE = "return-fee-ask"
MANDATE_IN_DOUBT = "MD01"


def return_fee_rule(reason_code: str) -> str:
    """The decision for a reason code: its own rule, else the ``*`` rule, else ask a person."""
    code = (reason_code or "").strip().upper()
    rules = dict(
        ReturnFeeRule.objects.filter(reason_code__in=[code, ANY_REASON]).values_list("reason_code", "decision")
    )
    return rules.get(code) or rules.get(ANY_REASON) or ReturnFeeDecision.ASK


def _reason_text(code: str) -> str:
    from ..bank.debits.codes import return_reason_text

    return return_reason_text(code) or "—"


def _transition(fee: ReturnFee, to: str) -> None:
    transition_check(
        ReturnFee.TRANSITIONS,
        current=fee.status,
        to=to,
        labels=dict(ReturnFeeStatus.choices),
        conflict=lambda message: PaymentConflict(message, field="status"),
    )


def _event(fee: ReturnFee, kind: str, *, as_of: datetime, **data) -> None:
    event_record(
        type=f"return_fee.{kind}",
        obj=fee,
        customer_id=fee.customer_id,
        data={
            "fee": str(fee.amount),
            "currency": fee.currency,
            "reason_code": fee.reason_code,
            "bank_line": fee.bank_line_id,
            **data,
        },
        at=as_of,
    )


def return_fee_assess(
    *, line, customer, invoice, reason_code: str, fee: Decimal | None, mandate_signed: bool, as_of: datetime
) -> ReturnFee | None:
    """Decide on the fee the bank charged for the return ``line`` (run inside the linking
    transaction). MD01 ("no valid mandate") is asked only where we hold a signed mandate for the
    collection (``mandate_signed``); without one the return is ours and never charged. Idempotent:
    a line assessed before returns its fee as it stands. Returns the ``ReturnFee`` (None for
    "never" and when the bank reported no fee)."""
    if not fee or fee <= 0 or customer is None:
        return None
    existing = ReturnFee.objects.filter(bank_line=line).first()
    if existing is not None:
        return existing
    code = (reason_code or "").strip().upper()
    decision = return_fee_rule(code)
    why = ""
    if code == MANDATE_IN_DOUBT and decision == ReturnFeeDecision.ASK and not mandate_signed:
        decision, why = ReturnFeeDecision.NEVER, "no signed mandate"
    amount = quantize(fee, line.currency)
    if decision == ReturnFeeDecision.NEVER:
        event_record(
            type="return_fee.not_charged",
            obj=line,
            customer_id=customer.pk,
            data={
                "fee": str(amount),
                "currency": line.currency,
                "reason_code": code,
                "why": why or "rule",
                "invoice": getattr(invoice, "number", ""),
            },
            at=as_of,
        )
        return None
    fee_row = ReturnFee.objects.create(
        customer=customer,
        invoice=invoice,
        bank_line=line,
        reason_code=code,
        amount=amount,
        currency=line.currency,
        status=ReturnFeeStatus.PENDING,
        created_at=as_of,
    )
    if decision == ReturnFeeDecision.CHARGE:
        _charge(fee_row, as_of=as_of, by=None, why="rule")
        return fee_row
    _event(fee_row, "asked", as_of=as_of)
    followup_open(
        kind=FEE_TASK,
        title=_("Decide on the return fee of %(amount)s (%(reason)s)")
        % {"amount": money_text(amount, line.currency), "reason": code or "—"},
        description="\n".join(
            [
                _reason_text(code),
                _(
                    "Charge the bank's fee to the customer only where the customer caused the return "
                    "(§ 280 BGB); otherwise decline it. Decide in the return fee's admin page."
                ),
            ]
        ),
        about=fee_row,
        rule=FEE_TASK_RULE,
        as_of=as_of,
        customer=customer,
    )
    return fee_row


def _charge(fee: ReturnFee, *, as_of: datetime, by, why: str) -> None:
    _transition(fee, ReturnFeeStatus.CHARGED)
    invoice = fee.invoice
    with translation.override(getattr(fee.customer, "language", None) or translation.get_language()):
        description = _("Return fee of the bank: %(reason)s") % {"reason": _reason_text(fee.reason_code)}
        if invoice is not None:
            description = _("%(text)s (invoice %(number)s)") % {"text": description, "number": invoice.number}
    fee.open_item = OpenItem.objects.create(
        customer=fee.customer,
        kind=OpenItemKind.RETURN_FEE,
        invoice=invoice,
        description=description[:255],
        currency=fee.currency,
        amount=fee.amount,
        open_amount=fee.amount,
        due_date=timezone.localdate(as_of),
        created_at=as_of,
    )
    fee.status = ReturnFeeStatus.CHARGED
    fee.decided_by, fee.decided_at = user_or_none(by), as_of
    fee.save(update_fields=["open_item", "status", "decided_by", "decided_at"])
    _event(fee, "charged", as_of=as_of, open_item=fee.open_item_id, why=why)


def _locked(fee: ReturnFee) -> ReturnFee:
    return lock_rows(ReturnFee, [fee.pk], select_related=("customer", "invoice")).get(fee.pk)


def return_fee_charge(*, fee: ReturnFee, as_of: datetime, by) -> ReturnFee:
    """A person decides the customer caused the return: the fee becomes an open item."""
    with transaction.atomic():
        locked = _locked(fee)
        _charge(locked, as_of=as_of, by=by, why="person")
        followups_close_about(kind=FEE_TASK, about=locked, as_of=as_of, by=by, resolution=_("charged to the customer"))
    return locked


def return_fee_decline(*, fee: ReturnFee, as_of: datetime, by, reason: str) -> ReturnFee:
    """A person decides not to charge the fee (the return was not the customer's doing)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the fee is not charged.")]})
    with transaction.atomic():
        locked = _locked(fee)
        _transition(locked, ReturnFeeStatus.DECLINED)
        locked.status = ReturnFeeStatus.DECLINED
        locked.why = reason
        locked.decided_by, locked.decided_at = user_or_none(by), as_of
        locked.save(update_fields=["status", "why", "decided_by", "decided_at"])
        _event(locked, "declined", as_of=as_of, reason=scrub_free_text(reason))
        followups_close_about(
            kind=FEE_TASK,
            about=locked,
            as_of=as_of,
            by=by,
            resolution=_("not charged: %(reason)s") % {"reason": reason},
        )
    return locked


def return_fee_waive(*, open_item: OpenItem, as_of: datetime, by, reason: str) -> ReturnFee:
    """A person waives a charged return fee: what is still open of its item is cancelled (what the
    customer paid of it stays paid). The reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the fee is waived.")]})
    with transaction.atomic():
        item = lock_rows(OpenItem, [open_item.pk]).get(open_item.pk)
        fee = ReturnFee.objects.filter(open_item_id=open_item.pk).first()
        if item is None or fee is None:
            raise ValidationError({"open_item": [_("This open item is not a charged return fee.")]})
        fee = _locked(fee)
        _transition(fee, ReturnFeeStatus.WAIVED)
        waived = item.open_amount
        item.open_amount = Decimal("0")
        item.cancelled_at = as_of
        item.save(update_fields=["open_amount", "cancelled_at"])
        fee.status = ReturnFeeStatus.WAIVED
        fee.why = reason
        fee.decided_by, fee.decided_at = user_or_none(by), as_of
        fee.save(update_fields=["status", "why", "decided_by", "decided_at"])
        _event(fee, "waived", as_of=as_of, amount=str(waived), reason=scrub_free_text(reason))
    return fee
