"""Lines that name our batch but cannot be booked by the rules alone: to review with a task, and
the task for items a booking left pending (rejected before settlement)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.followups import followup_kind_register, followup_open
from core.formatting import money_text
from core.messages import Money, Term, message, message_define
from payments.bank.confirmations import confirmation_signal
from payments.models import BankStatementLine

from ..models import BatchItem, BatchItemStatus

BATCH_TASK = followup_kind_register(
    "direct_debit_batch_incomplete", gettext_lazy("SEPA batch not completely booked by the bank")
)
BATCH_TASK_RULE = "sepa-batch-incomplete"

NOT_IDENTIFIED = message_define(
    "sepa.bank.not_identified",
    gettext_noop("books %(amount)s for our batch %(batch)s, whose pending items make %(pending)s: decide by hand"),
)
ALREADY_BOOKED = message_define(
    "sepa.bank.already_booked",
    gettext_noop("names our item %(reference)s, which is %(status)s already: check for a double booking"),
)

ITEM_STATUS_MSGIDS = {
    BatchItemStatus.PENDING: "pending at the bank",
    BatchItemStatus.COLLECTED: "booked",
    BatchItemStatus.RETURNED: "returned",
    BatchItemStatus.CANCELLED: "cancelled",
}


def _status_term(item: BatchItem) -> Term:
    # The label's msgid (``BatchItemStatus``, context "sepa item status"), worded when read.
    return Term(ITEM_STATUS_MSGIDS.get(item.status, item.status), context="sepa item status")


def line_to_review(line: BankStatementLine, *, batch, items: list[BatchItem], as_of: datetime) -> bool:
    """The line names our batch or item but cannot be booked as it stands: a person decides."""
    pending = sum((item.amount for item in items if item.status == BatchItemStatus.PENDING), Decimal("0"))
    if len(items) == 1 and items[0].status != BatchItemStatus.PENDING:
        stored = message(ALREADY_BOOKED, reference=items[0].end_to_end_id, status=_status_term(items[0]))
    else:
        stored = message(
            NOT_IDENTIFIED,
            amount=Money(line.amount, line.currency),
            batch=batch.message_id,
            pending=Money(pending, line.currency),
        )
    line.matches.filter(decision="").delete()
    line.matches.create(
        customer=items[0].customer if len(items) == 1 else None,
        invoice=items[0].invoice if len(items) == 1 else None,
        amount=line.amount,
        confidence=0,
        signals=[confirmation_signal("sepa_batch", stored) | {"weight": 0}],
        rank=1,
        created_at=as_of,
    )
    if not line.kind:
        line.kind = BankStatementLine.Kind.PAYMENT if line.credit else BankStatementLine.Kind.OUTGOING
    line.match_status = BankStatementLine.MatchStatus.REVIEW
    line.save(update_fields=["match_status", "kind"])
    followup_open(
        kind=BATCH_TASK,
        title=_("Bank line of %(amount)s for SEPA batch %(batch)s needs a decision")
        % {"amount": money_text(line.amount, line.currency), "batch": batch.message_id},
        description=_(
            "The line names our batch, but its amount does not tell which items the bank booked "
            "(pending: %(pending)s). Decide the line in the bank statement review queue."
        )
        % {"pending": money_text(pending, line.currency)},
        about=line,
        rule=BATCH_TASK_RULE,
        as_of=as_of,
        customer=items[0].customer if len(items) == 1 else None,
        priority="high",
    )
    return True


def left_pending_after_entry(batch, *, line: BankStatementLine, as_of: datetime) -> None:
    """The last transaction of a batch entry was booked: items of the batch the entry did not list
    (rejected before settlement) stay pending, and a person is told."""
    items = list(batch.items.select_related("invoice", "customer").order_by("pk"))
    left_out = [item for item in items if item.status == BatchItemStatus.PENDING]
    if left_out:
        booked = sum((item.amount for item in items if item.status == BatchItemStatus.COLLECTED), Decimal("0"))
        batch_task_open(batch=batch, left_out=left_out, booked=booked, currency=line.currency, as_of=as_of)


def batch_task_open(*, batch, left_out: list[BatchItem], booked: Decimal, currency: str, as_of: datetime) -> None:
    followup_open(
        kind=BATCH_TASK,
        title=_("SEPA batch %(batch)s booked without %(count)s items")
        % {"batch": batch.message_id, "count": len(left_out)},
        description="\n".join(
            [
                _("The bank booked %(amount)s; these items were not booked and stay pending:")
                % {"amount": money_text(booked, currency)},
                *(
                    f"{item.end_to_end_id}: {money_text(item.amount, item.currency)}"
                    + (f" ({item.invoice.number})" if item.invoice_id else "")
                    for item in left_out
                ),
                _("Ask the bank whether they were rejected; cancel them or wait for their return."),
            ]
        ),
        about=batch,
        rule=BATCH_TASK_RULE,
        as_of=as_of,
        customer=left_out[0].customer if len({item.customer_id for item in left_out}) == 1 else None,
        priority="high",
    )
