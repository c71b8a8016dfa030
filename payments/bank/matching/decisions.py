"""Storing suggestions and deciding lines: automatically above the threshold (``line_match``,
``statement_match``) or by a person (``line_accept``, ``line_assign_to_customer``, ``line_ignore``).

Every decision that settles a line closes its "unmatched line" follow-up task in the same
transaction (``followup.line_task_close``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.events import event_record, scrub_free_text
from core.formatting import money_text
from core.locks import lock_rows
from core.messages import message
from customers.models import Customer
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ...models import AllocationRule, BankLineMatch, BankStatementLine, Payment, PaymentChannel, PaymentSource
from ...services import payment_allocate, payment_record
from ...services.allocation import TEXT
from ...services.errors import SuggestionStale
from ..confirmations import line_confirm
from ..followup import line_task_close
from . import text, wording
from .candidates import line_candidates
from .index import OpenItems
from .scoring import DEFAULT_THRESHOLD, LEAD, Candidate, Signal

# Suggestions stored per line (ranks); the rest of a long ranking is no help in the review queue.
KEPT = 10

logger = logging.getLogger(__name__)
Status = BankStatementLine.MatchStatus


def _threshold(threshold: int | None) -> int:
    if threshold is not None:
        return threshold
    return getattr(settings, "DEBITOR_MATCH_AUTO_THRESHOLD", DEFAULT_THRESHOLD)


def _line_locked(line: BankStatementLine) -> BankStatementLine:
    locked = lock_rows(BankStatementLine, [line.pk]).get(line.pk)
    if locked is None:
        raise BankStatementLine.DoesNotExist(line.pk)
    return locked


def _store(line: BankStatementLine, candidates: list[Candidate], as_of: datetime) -> list[list[BankLineMatch]]:
    """One row per candidate and invoice (one insert for all); a split candidate's rows share
    rank and confidence. Only the best ``KEPT`` candidates are stored."""
    groups = []
    for rank, candidate in enumerate(candidates[:KEPT], start=1):
        targets = candidate.targets or [(None, candidate.amount)]
        signals = [signal.as_json() for signal in candidate.signals]
        groups.append(
            [
                BankLineMatch(
                    line=line,
                    invoice=invoice,
                    customer=candidate.customer,
                    amount=amount,
                    confidence=candidate.confidence,
                    signals=signals,
                    rank=rank,
                    created_at=as_of,
                )
                for invoice, amount in targets
            ]
        )
    if groups:
        BankLineMatch.objects.bulk_create([row for group in groups for row in group])
    return groups


def _channel(line: BankStatementLine) -> str:
    if text.is_direct_debit_collection(line):
        return PaymentChannel.DIRECT_DEBIT
    return PaymentChannel.BANK_TRANSFER


def _record_payment(*, line: BankStatementLine, customer, as_of: datetime, by) -> Payment:
    """The line as the customer's payment: a bank transfer, or the collection of one of our direct
    debits (``text.is_direct_debit_collection``)."""
    return payment_record(
        customer=customer,
        channel=_channel(line),
        amount=line.amount,
        currency=line.currency,
        value_date=line.value_date or line.booking_date,
        as_of=as_of,
        by=by,
        payer_name=line.counterparty_name,
        payer_iban=line.counterparty_iban,
        remittance=line.remittance,
        external_id=f"line:{line.content_hash[:40]}",
        source=PaymentSource.BANK_STATEMENT,
        allocate=False,
    )


def _apply(*, line, customer, targets, explanation: list[dict], as_of: datetime, by) -> Payment:
    """Record the line as a payment (once: the external id) and allocate it to the targets,
    unless that payment was already allocated (a rerun)."""
    payment = _record_payment(line=line, customer=customer, as_of=as_of, by=by)
    if targets and not payment.allocations.filter(reversed_at__isnull=True).exists():
        payment_allocate(
            payment=payment,
            targets=[{"invoice": invoice, "amount": amount} for invoice, amount in targets],
            as_of=as_of,
            by=by,
            rule=AllocationRule.MATCHING,
            explanation=explanation,
        )
    return payment


def _relink_returns(*, as_of: datetime, by) -> None:
    """A person recorded a payment from a line: a return waiting in review may take it back, so
    look again after commit (a job; automatic matching relinks at the end of its own run)."""
    from ..debits.jobs import relink_returns_enqueue  # debits imports matching

    relink_returns_enqueue(as_of=as_of, by=by)


def _decided(line: BankStatementLine) -> bool:
    return line.match_status in (Status.MATCHED, Status.IGNORED)


def _refuse_decided(line: BankStatementLine) -> None:
    if line.superseded_by_id:
        message = _("This intraday line was confirmed by a line of the end-of-day statement; decide that one.")
        raise ValidationError({"line": [message]})
    if _decided(line):
        message = _("This statement line was already decided (%(status)s).")
        raise ValidationError({"line": [message % {"status": line.get_match_status_display()}]})


def _reject_open(line: BankStatementLine, *, as_of: datetime, by) -> None:
    line.matches.filter(decision="").update(decision=BankLineMatch.Decision.REJECTED, decided_by=by, decided_at=as_of)


def _set_status(line: BankStatementLine, status: str) -> None:
    line.match_status = status
    line.save(update_fields=["match_status"])


def _match_locked(
    line: BankStatementLine, *, as_of: datetime, threshold: int, by, items: OpenItems, touched: set
) -> list[BankLineMatch]:
    """``line_match`` on a line locked by the caller. The invoices it is about to pay are added to
    ``touched`` (the caller refreshes them in the index). A line that books one of our own
    batches is decided by its registered confirmer instead (``bank.confirmations``)."""
    if line_confirm(line=line, as_of=as_of):
        return list(line.matches.all())
    candidates = line_candidates(line=line, as_of=as_of, items=items)
    rejected = set(
        line.matches.filter(decision=BankLineMatch.Decision.REJECTED, invoice__isnull=False).values_list(
            "invoice_id", flat=True
        )
    )
    line.matches.filter(decision="").delete()
    groups = _store(line, candidates, as_of)
    best = candidates[0] if candidates else None
    second = candidates[1].confidence if len(candidates) > 1 else 0
    if (
        best is not None
        and best.targets
        and not (line.reversal or line.return_reason)  # money of ours coming back: a person looks
        and best.confidence >= threshold
        and best.confidence - second >= LEAD
        and not rejected.intersection(invoice.pk for invoice, _amount in best.targets)
    ):
        touched.update(invoice.pk for invoice, _amount in best.targets)
        payment = _apply(
            line=line, customer=best.customer, targets=best.targets, explanation=best.messages, as_of=as_of, by=by
        )
        for row in groups[0]:
            row.decision, row.decided_by, row.decided_at, row.payment = "accepted", None, as_of, payment
        BankLineMatch.objects.bulk_update(groups[0], ["decision", "decided_by", "decided_at", "payment"])
        _set_status(line, Status.MATCHED)
        line_task_close(line=line, as_of=as_of, by=by)
    else:
        _set_status(line, Status.REVIEW)
    return [row for group in groups for row in group]


def line_match(
    *, line: BankStatementLine, as_of: datetime, threshold: int | None = None, by=None, items: OpenItems | None = None
) -> list[BankLineMatch]:
    """Rank a credit line's candidates and store the best ``KEPT`` (earlier undecided
    suggestions are replaced; decisions are kept). The best is applied automatically when its
    confidence reaches the threshold, it leads the second by ``LEAD`` points, it names invoices
    nobody rejected for this line, and the bank does not mark the credit as a reversal: the line
    is recorded as the customer's payment and allocated (rule "matching") with the explanation,
    the match accepted with no person (``decided_by`` empty), the line ``matched``. Otherwise the
    line goes to ``review``. A matched or ignored line, and a debit line, are left alone.
    ``items``: the open-items index to search (built here when not given, which loads every open
    invoice of the currency: pass one ``OpenItems`` to match several lines in a row; the invoices
    an applied line paid are re-read into it)."""
    touched: set[int] = set()
    with transaction.atomic():
        line = _line_locked(line)
        if _decided(line) or not line.credit or line.superseded_by_id:
            return list(line.matches.all())
        rows = _match_locked(
            line, as_of=as_of, threshold=_threshold(threshold), by=by, items=items or OpenItems(), touched=touched
        )
    if items is not None:
        items.refresh(touched)
    return rows


def statement_match(*, statement, as_of: datetime, threshold: int | None = None) -> dict:
    """Match every new, booked, live credit line of a statement, each in its own transaction, so
    one failing line does not undo the others. The open items are loaded and indexed once for
    the run (``OpenItems``) and the payer IBANs of all lines looked up in one query; after a line
    was applied the invoices it paid are re-read. A line whose payment the services refuse
    (``ValidationError``, e.g. a line without any date) goes to review; any other error
    propagates (the job retries; lines done so far stay done). Idempotent: only lines still
    ``new`` are matched. Returns counts by outcome."""
    threshold = _threshold(threshold)
    counts = {"matched": 0, "review": 0, "lines": 0}
    lines = statement.lines.filter(match_status=Status.NEW, credit=True, status="BOOK", superseded_by__isnull=True)
    lines = list(lines.order_by("position", "id"))
    items = OpenItems()
    items.load_ibans(text.compact_iban(line.counterparty_iban) for line in lines if line.counterparty_iban)
    for line in lines:
        touched: set[int] = set()
        try:
            with transaction.atomic():
                locked = _line_locked(line)
                if locked.match_status != Status.NEW:
                    continue  # decided meanwhile (another run, a person)
                _match_locked(locked, as_of=as_of, threshold=threshold, by=None, items=items, touched=touched)
                status = locked.match_status
        except ValidationError as exc:  # e.g. a line without any date cannot become a payment
            logger.warning("statement line %s left for review: %s", line.pk, exc)
            BankStatementLine.objects.filter(pk=line.pk, match_status=Status.NEW).update(match_status=Status.REVIEW)
            status = Status.REVIEW
        items.refresh(touched)
        counts["lines"] += 1
        if status in counts:
            counts[status] += 1
    return counts


def line_accept(*, match: BankLineMatch, as_of: datetime, by, amounts: list[dict] | None = None) -> list[BankLineMatch]:
    """A person accepts a suggestion. Without ``amounts`` the suggestion is applied as proposed
    (all invoices of a split); with ``amounts`` ([{"invoice": inv, "amount": Decimal}, ...]) the
    money is split as given, within the customer's open invoices. What is left of the line stays
    unapplied on the payment. The other open suggestions are rejected by the same person."""
    with transaction.atomic():
        line = _line_locked(match.line)
        _refuse_decided(line)
        if not line.credit:
            raise ValidationError({"line": [_("Only credit lines can be recorded as payments.")]})
        match = BankLineMatch.objects.select_related("customer", "invoice").get(pk=match.pk)
        if match.decision or match.customer is None:
            raise ValidationError({"match": [_("This suggestion can no longer be accepted.")]})
        if amounts is None:
            group = list(line.matches.filter(rank=match.rank, decision="").select_related("invoice").order_by("id"))
            targets = [(row.invoice, row.amount) for row in group if row.invoice is not None]
            _refuse_stale(line, targets)
        else:
            targets = [(row["invoice"], row["amount"]) for row in amounts]
        # The allocation keeps the suggestion's explanation as messages (worded when read).
        explanation = [
            {"code": signal["message"], "params": signal.get("params") or {}}
            for signal in match.signals
            if signal.get("message")
        ]
        if not explanation and match.explanation:  # a suggestion stored before messages
            explanation = [message(TEXT, text=match.explanation)]
        if by is not None:
            explanation.insert(0, message(wording.ACCEPTED_BY, user=str(by)))
        try:
            payment = _apply(
                line=line, customer=match.customer, targets=targets, explanation=explanation, as_of=as_of, by=by
            )
        except ValidationError:
            if amounts is None:
                _refuse_stale(line, targets)  # changed between the check and the payments service's locks
            raise
        accepted = []
        for invoice, amount in targets or [(None, line.amount)]:
            row = line.matches.filter(invoice=invoice, decision="").order_by("rank", "id").first()
            if row is None:
                row = BankLineMatch(
                    line=line,
                    invoice=invoice,
                    customer=match.customer,
                    confidence=match.confidence,
                    explanation=match.explanation,
                    signals=match.signals,
                    rank=match.rank,
                    created_at=as_of,
                )
            row.amount, row.decision, row.decided_by, row.decided_at, row.payment = (
                amount,
                BankLineMatch.Decision.ACCEPTED,
                by,
                as_of,
                payment,
            )
            row.save()
            accepted.append(row)
        _reject_open(line, as_of=as_of, by=by)
        _set_status(line, Status.MATCHED)
        line_task_close(line=line, as_of=as_of, by=by)
        _relink_returns(as_of=as_of, by=by)
        return accepted


def _refuse_stale(line: BankStatementLine, targets: list[tuple]) -> None:
    """A suggestion as proposed is refused when an invoice it pays is no longer open for the amount
    proposed (another payment, a credit note or a write-off was applied since it was ranked): the
    person accepted amounts that are not true any more. ``SuggestionStale`` names the current
    open amounts; the caller shows a fresh suggestion (``line_suggest``)."""
    if not targets:
        return
    current = dict(
        Invoice.objects.filter(
            pk__in=[invoice.pk for invoice, _amount in targets],
            status=DocumentStatus.ISSUED,
            document_type=DocumentType.INVOICE,
        ).values_list("pk", "open_amount")
    )
    for invoice, amount in targets:
        now = current.get(invoice.pk, Decimal("0"))
        if amount > now:
            message = _(
                "The suggestion is out of date: invoice %(number)s is open for %(open)s now, not %(amount)s "
                "(a payment or credit was applied meanwhile). Check the fresh suggestion and accept again."
            ) % {
                "number": invoice.number,
                "open": money_text(now, invoice.currency),
                "amount": money_text(amount, invoice.currency),
            }
            raise SuggestionStale(
                message,
                open_amounts={invoice.pk: current.get(invoice.pk, Decimal("0")) for invoice, _amount in targets},
                line_id=line.pk,
            )


def line_suggest(*, line: BankStatementLine, as_of: datetime) -> list[BankLineMatch]:
    """Rank an undecided credit line again and store the suggestions, applying none of them (a
    person decides: used after a suggestion turned out stale). Decided lines are left alone."""
    with transaction.atomic():
        line = _line_locked(line)
        if _decided(line) or not line.credit or line.superseded_by_id:
            return list(line.matches.filter(decision=""))
        candidates = line_candidates(line=line, as_of=as_of)
        line.matches.filter(decision="").delete()
        groups = _store(line, candidates, as_of)
        if line.match_status != Status.REVIEW:
            _set_status(line, Status.REVIEW)
    return [row for group in groups for row in group]


def line_assign_to_customer(*, line: BankStatementLine, customer: Customer, as_of: datetime, by) -> BankLineMatch:
    """A person knows who paid but not for what: the line is recorded as the customer's payment
    and left unapplied (to be allocated or kept as credit later)."""
    with transaction.atomic():
        line = _line_locked(line)
        _refuse_decided(line)
        if not line.credit:
            raise ValidationError({"line": [_("Only credit lines can be recorded as payments.")]})
        payment = _record_payment(line=line, customer=customer, as_of=as_of, by=by)
        suggested = line.matches.filter(customer=customer, invoice__isnull=True, decision="").first()
        assigned = message(wording.ASSIGNED, number=customer.number)
        _reject_open(line, as_of=as_of, by=by)
        decision = BankLineMatch.objects.create(
            line=line,
            invoice=None,
            customer=customer,
            amount=line.amount,
            confidence=suggested.confidence if suggested else 0,
            signals=[Signal("assigned", 0, assigned).as_json()],
            rank=suggested.rank if suggested else 0,
            decision=BankLineMatch.Decision.ACCEPTED,
            decided_by=by,
            decided_at=as_of,
            payment=payment,
            created_at=as_of,
        )
        _set_status(line, Status.MATCHED)
        line_task_close(line=line, as_of=as_of, by=by)
        _relink_returns(as_of=as_of, by=by)
        return decision


def line_ignore(*, line: BankStatementLine, as_of: datetime, by, reason: str) -> BankLineMatch:
    """A person decides the line is not a customer's payment (a refund from a supplier, a
    transfer between own accounts …). The reason is required; the decision is kept as a
    rejected match without invoice or customer."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the line is ignored.")]})
    with transaction.atomic():
        line = _line_locked(line)
        _refuse_decided(line)
        _reject_open(line, as_of=as_of, by=by)
        decision = BankLineMatch.objects.create(
            line=line,
            amount=line.amount,
            confidence=0,
            signals=[Signal("ignored", 0, message(wording.IGNORED, reason=reason)).as_json()],
            rank=0,
            decision=BankLineMatch.Decision.REJECTED,
            decided_by=by,
            decided_at=as_of,
            created_at=as_of,
        )
        _set_status(line, Status.IGNORED)
        line_task_close(line=line, as_of=as_of, by=by)
        event_record(
            type="bank_line.ignored",
            obj=line,
            data={"statement": line.statement_id, "match": decision.pk, "reason": scrub_free_text(reason)},
            at=as_of,
        )
        return decision
