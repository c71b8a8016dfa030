"""The bank statement books a batch we submitted (``payments.bank.confirmations`` confirmer).

Which items a line books, first rule that finds any:

1. its end-to-end id is an item's (a single-entry booking, or one transaction of a batch entry
   with ``TxDtls``): that item;
2. its payment information id is a batch's (CAMT ``Btch/PmtInfId`` or ``TxDtls/Refs/PmtInfId``,
   MT940 ``KREF+`` of a Sammler, cut to 16 characters in ``:61:``): the batch's pending items;
3. its batch message id is a batch's ``MsgId``: that batch's pending items.

A booked total (2, 3) equal to the pending items books them all. One that differs (items rejected
before settlement) books the items that can be told apart: the pending total less one or two
items whose amounts make up exactly the difference, when exactly one such choice exists; the rest
stay pending with a follow-up task. A total that includes items returned before the credit was
seen records their payments and returns them at once (the money came and went). Anything else
goes to review with a task: never an ordinary match, which would record the money a second time.

A direct-debit item booked becomes a payment (``payment_record``: channel direct debit, source
bank statement, external id = end-to-end id, so a re-import or re-delivery finds it and records
nothing twice), allocated to the item's invoice; the item ``collected``; the mandate's last
collection; the batch ``confirmed`` when nothing is pending. A refund batch (pain.001) is booked
by a debit line: its items' refunds are booked already (``payment_refund``), so the items are
marked booked and the line is linked to the refunded payments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.followups import followups_close_about
from core.formatting import money_text
from core.locks import lock_for_money_work, lock_rows
from core.messages import Money, message, message_define
from invoicing.models import DocumentStatus, Invoice
from payments.bank.confirmations import confirmation_signal, line_confirmation_record
from payments.models import AllocationRule, BankStatementLine, PaymentChannel, PaymentSource, PaymentStatus
from payments.services import payment_allocate, payment_record, payment_return

from ..models import BatchItem, BatchItemStatus, BatchKind, BatchStatus
from .states import batch_confirm_if_booked, item_transition, items_locked, mandate_collected
from .undecided import BATCH_TASK, batch_task_open, left_pending_after_entry, line_to_review

COLLECTED = message_define(
    "sepa.bank.collected", gettext_noop("collected by our direct debit %(reference)s (batch %(batch)s)")
)
BOOKED_ITEM = message_define(
    "sepa.bank.booked_item", gettext_noop("books the item %(reference)s of our batch %(batch)s")
)
BOOKED_BATCH = message_define(
    "sepa.bank.booked_batch", gettext_noop("books %(count)s items of our batch %(batch)s, %(amount)s in all")
)
SEEN = (BatchStatus.SUBMITTED, BatchStatus.CONFIRMED)
# How many items a booked total may leave out and still tell which: beyond two, guessing.
MAX_LEFT_OUT = 2


def _clean(value: str) -> str:
    value = (value or "").strip()
    return "" if value.upper() in ("NOTPROVIDED", "NONREF") else value


def _kind(line: BankStatementLine) -> str:
    return BatchKind.DIRECT_DEBIT if line.credit else BatchKind.CREDIT_TRANSFER


def items_of_line(line: BankStatementLine) -> tuple[list[BatchItem], str]:
    """The items of our submitted batches the line names, and by what (``end_to_end``,
    ``payment_info``, ``message``; ``""`` with no items). Reads only."""
    base = (
        BatchItem.objects.filter(batch__kind=_kind(line), batch__status__in=SEEN, currency=line.currency)
        .select_related("batch", "mandate", "invoice", "customer")
        .order_by("pk")
    )
    reference = _clean(line.end_to_end_id)
    if reference:
        item = base.filter(end_to_end_id=reference).first()
        if item is not None:
            return [item], "end_to_end"
    if line.batch_index:
        return [], ""  # one transaction of a batch entry, not ours by its end-to-end id
    info = _clean(line.payment_info_id)
    if info:
        items = list(base.filter(payment_info_id=info))
        if not items and len(info) == 16:  # MT940 :61: cuts the customer reference to 16 characters
            found = set(base.filter(payment_info_id__startswith=info).values_list("payment_info_id", flat=True))
            items = list(base.filter(payment_info_id=found.pop())) if len(found) == 1 else []
        if items:
            return items, "payment_info"
    message_id = _clean(line.batch_message_id)
    if message_id:
        items = list(base.filter(batch__message_id=message_id))
        if items:
            return items, "message"
    return [], ""


def left_out_items(pending: list[BatchItem], difference: Decimal) -> list[BatchItem] | None:
    """The one choice of at most ``MAX_LEFT_OUT`` pending items whose amounts add up to
    ``difference`` (what the bank did not book), or None when there is none or more than one."""
    found = None
    for size in range(1, MAX_LEFT_OUT + 1):
        for chosen in combinations(pending, size):
            if sum((item.amount for item in chosen), Decimal("0")) == difference:
                if found is not None:
                    return None  # two ways to make up the difference: which items were left out is a guess
                found = list(chosen)
    return found


def line_confirm_batch(*, line: BankStatementLine, as_of: datetime) -> bool:
    """The confirmer (``payments.bank.confirmations``): True when the line names one of our
    batches or items and was decided (booked, or sent to review with a task), False otherwise."""
    if line.status != "BOOK" or line.reversal or line.return_reason:
        return False  # money of ours coming back (a reversal, a returned transfer): not a booking of a batch
    items, found_by = items_of_line(line)
    if not items:
        return False
    batch = items[0].batch
    if found_by == "end_to_end":
        item = items[0]
        if item.status != BatchItemStatus.PENDING or item.amount != line.amount:
            return line_to_review(line, batch=batch, items=items, as_of=as_of)
        _book(line, booked=[item], returned_unpaid=[], as_of=as_of, reference=item.end_to_end_id, single=True)
        if line.batch_size > 1 and line.batch_index == line.batch_size:
            left_pending_after_entry(batch, line=line, as_of=as_of)
        return True
    pending = [item for item in items if item.status == BatchItemStatus.PENDING]
    total = sum((item.amount for item in pending), Decimal("0"))
    returned_unpaid = [
        item for item in items if line.credit and item.status == BatchItemStatus.RETURNED and item.payment_id is None
    ]
    if pending and line.amount == total:
        _book(line, booked=pending, returned_unpaid=[], as_of=as_of, reference=batch.message_id)
        return True
    if returned_unpaid and line.amount == total + sum((item.amount for item in returned_unpaid), Decimal("0")):
        _book(line, booked=pending, returned_unpaid=returned_unpaid, as_of=as_of, reference=batch.message_id)
        return True
    left_out = left_out_items(pending, total - line.amount) if line.amount < total else None
    if left_out is None:
        return line_to_review(line, batch=batch, items=items, as_of=as_of)
    booked = [item for item in pending if item not in left_out]
    _book(line, booked=booked, returned_unpaid=[], as_of=as_of, reference=batch.message_id)
    batch_task_open(batch=batch, left_out=left_out, booked=line.amount, currency=line.currency, as_of=as_of)
    return True


def _book(
    line: BankStatementLine,
    *,
    booked: list[BatchItem],
    returned_unpaid: list[BatchItem],
    as_of: datetime,
    reference: str,
    single: bool = False,
) -> None:
    """The money work first (payments, allocations, returns), then the items and batches under
    their locks, then the line's decision."""
    collections = [item for item in [*booked, *returned_unpaid] if item.batch.kind == BatchKind.DIRECT_DEBIT]
    payments = {item.pk: _record_collection(item, line=line, as_of=as_of) for item in collections}
    # Several customers' money in one transaction: every lock up front, in the one order
    # (customers, payments, invoices), so allocating item by item re-locks only rows held.
    lock_for_money_work(
        customers=sorted({item.customer_id for item in collections}),
        payments=sorted(payment.pk for payment in payments.values()),
        invoices=sorted({item.invoice_id for item in collections}),
    )
    for item in collections:
        _allocate_collection(item, payment=payments[item.pk], as_of=as_of)
    for item in returned_unpaid:
        if payments[item.pk].status == PaymentStatus.COMPLETED:
            payment_return(
                payment=payments[item.pk],
                as_of=as_of,
                reason=_("direct debit returned before the bank booked its batch"),
                return_code=item.return_reason,
                data={"bank_line": line.pk, "end_to_end_id": item.end_to_end_id},
            )
    locked = items_locked([item.pk for item in [*booked, *returned_unpaid]])
    bookings = []
    for item in [*booked, *returned_unpaid]:
        current = locked[item.pk]
        payment = payments.get(item.pk) or current.source_payment
        if current.batch.kind == BatchKind.DIRECT_DEBIT and current.payment_id is None:
            current.payment = payment
            if current.status != BatchItemStatus.PENDING:
                current.save(update_fields=["payment"])
        if current.status == BatchItemStatus.PENDING:
            item_transition(
                item=current,
                to=BatchItemStatus.COLLECTED,
                as_of=as_of,
                data={"bank_line": line.pk, "payment": getattr(payment, "pk", None)},
            )
            if current.mandate_id:
                mandate_collected(mandate_id=current.mandate_id, day=line.value_date or line.booking_date)
        bookings.append((payment, current.customer, current.invoice, current.amount))
    for batch_id in sorted({item.batch_id for item in [*booked, *returned_unpaid]}):
        batch_confirm_if_booked(batch_id=batch_id, as_of=as_of, bank_line_id=line.pk)
    batch = (booked or returned_unpaid)[0].batch
    if single:
        stored = message(BOOKED_ITEM, reference=reference, batch=batch.message_id)
    else:
        stored = message(
            BOOKED_BATCH, count=len(bookings), batch=batch.message_id, amount=Money(line.amount, line.currency)
        )
    line_confirmation_record(
        line=line, bookings=bookings, signal=confirmation_signal("sepa_batch", stored), as_of=as_of
    )


def _record_collection(item: BatchItem, *, line: BankStatementLine, as_of: datetime):
    """The collection as the customer's payment, recorded once (the end-to-end id is its external id)."""
    return payment_record(
        customer=item.customer,
        channel=PaymentChannel.DIRECT_DEBIT,
        amount=item.amount,
        currency=item.currency,
        value_date=line.value_date or line.booking_date,
        as_of=as_of,
        payer_name=item.mandate.debtor_name if item.mandate else "",
        payer_iban=item.mandate.debtor_iban if item.mandate else "",
        remittance=item.remittance,
        external_id=item.end_to_end_id,
        source=PaymentSource.BANK_STATEMENT,
        allocate=False,
    )


def _allocate_collection(item: BatchItem, *, payment, as_of: datetime) -> None:
    """Apply the collection to its invoice up to what is open of it (the rest stays unapplied, e.g.
    when the customer also transferred); a payment applied before (a rerun) is left alone."""
    if payment.status != PaymentStatus.COMPLETED or payment.allocations.filter(reversed_at__isnull=True).exists():
        return
    invoice = Invoice.objects.get(pk=item.invoice_id)
    share = min(payment.unapplied_amount, invoice.open_amount)
    if invoice.status == DocumentStatus.ISSUED and share > 0:
        payment_allocate(
            payment=payment,
            targets=[{"invoice": invoice, "amount": share}],
            as_of=as_of,
            rule=AllocationRule.MATCHING,
            explanation=[message(COLLECTED, reference=item.end_to_end_id, batch=item.batch.message_id)],
        )


def batch_line_book_items(*, line: BankStatementLine, items: list[BatchItem], as_of: datetime, by) -> None:
    """A person says which pending items an undecided line booked (a total the rules could not
    tell apart): they must be pending items of our submitted batches of the line's direction and
    currency and add up to the line's amount exactly. Booked as the rules would; ``by`` is kept on
    the line's decision. Refused with a ``ValidationError`` naming ``items`` otherwise."""
    with transaction.atomic():
        locked = lock_rows(BankStatementLine, [line.pk]).get(line.pk)
        if locked is None or locked.match_status in (
            BankStatementLine.MatchStatus.MATCHED,
            BankStatementLine.MatchStatus.IGNORED,
        ):
            raise ValidationError({"line": [_("This statement line was already decided.")]})
        chosen = list(
            BatchItem.objects.filter(
                pk__in=[item.pk for item in items],
                status=BatchItemStatus.PENDING,
                batch__kind=_kind(locked),
                batch__status__in=SEEN,
                currency=locked.currency,
            )
            .select_related("batch", "mandate", "invoice", "customer")
            .order_by("pk")
        )
        total = sum((item.amount for item in chosen), Decimal("0"))
        if not chosen or len(chosen) != len({item.pk for item in items}) or total != locked.amount:
            raise ValidationError(
                {
                    "items": [
                        _("Choose pending items of our batches that add up to the line's %(amount)s exactly.")
                        % {"amount": money_text(locked.amount, locked.currency)}
                    ]
                }
            )
        _book(locked, booked=chosen, returned_unpaid=[], as_of=as_of, reference=chosen[0].batch.message_id)
        locked.matches.filter(decision="accepted", decided_by__isnull=True).update(decided_by=by)
        followups_close_about(
            kind=BATCH_TASK,
            about=locked,
            as_of=as_of,
            by=by,
            resolution=_("booked by hand: %(count)s items") % {"count": len(chosen)},
        )
