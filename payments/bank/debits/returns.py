"""Return and reversal debit lines, decided: the payment a line takes back is returned through the
payments service (``payment_return``: what it paid reopens, the payment becomes ``returned``, its
event names the ISO return reason and the bank's charges), automatically when exactly one payment
fits the deciding signal (``candidates``), or by a person (``line_link_return``).

A line that cannot be placed waits in review with its ranked suggestions, and a follow-up task
(``bank_return_unlinked``) is opened at once: until the return is linked, the invoice the payment
paid looks paid but is not. The task is done when the line is linked.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.followups import followup_kind_register, followup_open, followups_close_about
from core.formatting import date_text, money_text
from core.locks import lock_rows
from core.messages import Money
from core.messages import message as stored_message
from customers.models import BankAccount

from ...models import BankLineMatch, BankStatementLine, Payment, PaymentStatus
from ...services import payment_return
from ...services.errors import PaymentAlreadyReturned
from ..confirmations import line_link_to_collection, payment_returned_by_line
from ..matching.text import compact_iban
from ..matching.wording import signal_text
from .candidates import (
    BANK_CHARGES,
    CHOSEN_BY_HAND,
    LINKED_BY,
    ReturnCandidate,
    _signal,
    clean_reference,
    fit_problem,
    line_date,
    return_candidates,
    return_charges,
    return_reason,
)
from .codes import Kind, line_kind

RETURN_TASK = followup_kind_register("bank_return_unlinked", gettext_lazy("return debit without its payment"))
RETURN_TASK_RULE = "bank-return-unlinked"
MAX_SUGGESTIONS = 10
TAKES_BACK = (Kind.RETURN, Kind.REVERSAL)

logger = logging.getLogger(__name__)


# --- deciding -----------------------------------------------------------------------------------------


def _lock(line: BankStatementLine) -> BankStatementLine:
    locked = lock_rows(BankStatementLine, [line.pk], select_related=("statement",)).get(line.pk)
    if locked is None:
        raise BankStatementLine.DoesNotExist(line.pk)
    return locked


def _close_task(line: BankStatementLine, *, as_of: datetime, by, resolution: str) -> None:

    followups_close_about(kind=RETURN_TASK, about=line, as_of=as_of, by=by, resolution=resolution)


def _link(
    *, line: BankStatementLine, payment: Payment, signals: list[dict], confidence: int, as_of: datetime, by
) -> BankLineMatch:
    """Return the payment for the (locked) line, record the charges on the return's event, and
    keep the decision as the line's accepted match."""
    charges = return_charges(line)
    payment_return(
        payment=payment,
        as_of=as_of,
        by=by,
        reason=return_reason(line),
        return_code=line.return_reason,
        data={
            "charges": str(charges) if charges else None,
            "bank_line": line.pk,
            "end_to_end_id": clean_reference(line.end_to_end_id),
        },
    )
    explanation = "; ".join(signal_text(signal) for signal in signals)
    if charges:
        explanation += "; " + _("bank charges %(charges)s") % {"charges": charges}
        booked = stored_message(BANK_CHARGES, charges=Money(charges, line.currency))
        signals = [*signals, _signal("bank_charges", booked)]
    if by is not None:
        explanation = _("linked by %(user)s: %(explanation)s") % {"user": by, "explanation": explanation}
        signals = [_signal("linked_by", stored_message(LINKED_BY, user=str(by))), *signals]
    # The chosen suggestion becomes the decision; a person's choice rejects the other suggestions.
    line.matches.filter(decision="", payment=payment).delete()
    if by is None:
        line.matches.filter(decision="").delete()
    else:
        line.matches.filter(decision="").update(
            decision=BankLineMatch.Decision.REJECTED, decided_by=by, decided_at=as_of
        )
    decision = BankLineMatch.objects.create(
        line=line,
        customer=payment.customer,
        amount=payment.amount,
        confidence=confidence,
        explanation=explanation,
        signals=signals,
        rank=1 if by is None else 0,
        decision=BankLineMatch.Decision.ACCEPTED,
        decided_by=by,
        decided_at=as_of,
        payment=payment,
        created_at=as_of,
    )
    line.match_status = BankStatementLine.MatchStatus.MATCHED
    line.save(update_fields=["match_status", "kind"])
    _close_task(
        line,
        as_of=as_of,
        by=by,
        resolution=_("linked to payment #%(payment)s, which is returned") % {"payment": payment.pk},
    )
    payment_returned_by_line(line=line, payment=payment, as_of=as_of, by=by)
    return decision


def line_return_payment_locked(
    *, line: BankStatementLine, payment: Payment, signals: list[dict], confidence: int, as_of: datetime, by=None
) -> BankLineMatch:
    """Decide a locked return line as taking back ``payment`` (for a registered return linker,
    ``bank.confirmations``, that found the payment by its own means): the payment is returned,
    the decision kept as the line's accepted match, its task closed. Runs in the caller's
    transaction; a payment that cannot be returned raises (``PaymentConflict``)."""
    return _link(line=line, payment=payment, signals=signals, confidence=confidence, as_of=as_of, by=by)


def _not_fitting(candidate: ReturnCandidate) -> list[dict]:
    stored = candidate.problem_message
    if not stored:
        return []
    return [{"code": "not_fitting", "weight": 0, "message": stored["code"], "params": stored["params"]}]


def _review(
    *, line: BankStatementLine, candidates: list[ReturnCandidate], why: str, as_of: datetime, open_task: bool
) -> None:

    line.matches.filter(decision="").delete()
    BankLineMatch.objects.bulk_create(
        [
            BankLineMatch(
                line=line,
                customer=candidate.payment.customer,
                amount=candidate.payment.amount,
                confidence=candidate.confidence,
                explanation=candidate.explanation,
                # Why a payment does not fit is a message too, worded when read (``fit_problem_message``).
                signals=[*candidate.signals, *_not_fitting(candidate)],
                rank=rank,
                payment=candidate.payment,
                created_at=as_of,
            )
            for rank, candidate in enumerate(candidates[:MAX_SUGGESTIONS], start=1)
        ]
    )
    line.match_status = BankStatementLine.MatchStatus.REVIEW
    line.save(update_fields=["match_status", "kind"])
    if not open_task:
        return
    customers = {c.payment.customer_id for c in candidates if c.payment.customer_id}
    if not customers and line.counterparty_iban:
        customers = set(
            BankAccount.objects.filter(iban=compact_iban(line.counterparty_iban)).values_list("customer_id", flat=True)
        )
    day = line_date(line)
    followup_open(
        kind=RETURN_TASK,
        title=_("Return of %(amount)s from %(date)s is not linked to a payment")
        % {"amount": money_text(line.amount, line.currency), "date": date_text(day)},
        description="\n".join(
            [
                return_reason(line),
                why,
                _(
                    "Until the return is linked to the payment it takes back, the invoices that payment paid "
                    "look paid but are not. Link it in the bank statement review queue."
                ),
            ]
        ),
        about=line,
        rule=RETURN_TASK_RULE,
        as_of=as_of,
        customer=_single_customer(customers),
        priority="high",
    )


def _single_customer(customer_ids: set[int]):
    from customers.models import Customer

    if len(customer_ids) != 1:
        return None
    return Customer.objects.filter(pk=next(iter(customer_ids))).first()


def book_return_locked(*, line: BankStatementLine, as_of: datetime) -> BankStatementLine:
    """Look for the payment a (locked, undecided) return or reversal line takes back: return it
    when exactly one fits the deciding signal and nobody rejected it for this line; otherwise
    suggestions, review and a follow-up task. A return of one of our own collections is linked
    by its registered linker first (``bank.confirmations``: by end-to-end id and mandate)."""
    if line_link_to_collection(line=line, as_of=as_of):
        return line
    candidates, deciding = return_candidates(line)
    rejected = set(
        line.matches.filter(decision=BankLineMatch.Decision.REJECTED, payment__isnull=False).values_list(
            "payment_id", flat=True
        )
    )
    in_tier = [c for c in candidates if deciding in c.codes]
    fitting = [c for c in in_tier if c.fits and c.payment.pk not in rejected]
    if len(fitting) == 1:
        best = fitting[0]
        try:
            with transaction.atomic():
                _link(
                    line=line,
                    payment=best.payment,
                    signals=best.signals,
                    confidence=best.confidence,
                    as_of=as_of,
                    by=None,
                )
            return line
        except ValidationError as exc:  # e.g. the payment changed state since it was read
            logger.warning("return line %s not linked to payment %s: %s", line.pk, best.payment.pk, exc)
            why = _("Payment #%(payment)s fits but could not be returned: %(error)s") % {
                "payment": best.payment.pk,
                "error": " ".join(exc.messages),
            }
            _review(line=line, candidates=candidates, why=why, as_of=as_of, open_task=True)
            return line
    if not candidates:
        why = _("No payment was found for it (end-to-end id, mandate, bank reference, counterparty IBAN).")
    elif len(fitting) > 1:
        why = _("%(count)s payments fit; a person has to say which one it takes back.") % {"count": len(fitting)}
    else:
        why = _("No payment found fits: %(problems)s") % {
            "problems": "; ".join(f"#{c.payment.pk}: {c.problem}" for c in in_tier[:3] if c.problem)
        }
    # A payment already returned (by another line) reopened its invoices already: nothing looks paid.
    all_returned = bool(in_tier) and all(c.payment.status == PaymentStatus.RETURNED for c in in_tier)
    _review(line=line, candidates=candidates, why=why, as_of=as_of, open_task=not all_returned)
    return line


def _decided(line: BankStatementLine) -> bool:
    return line.match_status in (BankStatementLine.MatchStatus.MATCHED, BankStatementLine.MatchStatus.IGNORED)


def line_link_return(*, line: BankStatementLine, payment: Payment, as_of: datetime, by) -> BankLineMatch:
    """A person says which payment a return or reversal line takes back. The same checks as the
    automatic link (completed, same currency, the line's amount with or without its charges);
    a refusal explains itself under ``payment``. Linking a line again to the payment it is
    already linked to returns that decision (nothing is returned twice)."""
    with transaction.atomic():
        line = _lock(line)
        if _decided(line):
            done = line.matches.filter(decision=BankLineMatch.Decision.ACCEPTED, payment=payment).first()
            if done is not None and not line.credit:
                return done
            message = _("This statement line was already decided (%(status)s).")
            raise ValidationError({"line": [message % {"status": line.get_match_status_display()}]})
        if not line.kind:
            line.kind = line_kind(line)
        if line.credit or line.kind not in TAKES_BACK:
            raise ValidationError({"line": [_("Only return and reversal debit lines take a payment back.")]})
        payment = Payment.objects.select_related("customer").get(pk=payment.pk)
        problem = fit_problem(line, payment)
        if problem and payment.status == PaymentStatus.RETURNED and payment.currency == line.currency:
            # Not bad input: the payment was taken back already (by another line or by hand).
            raise PaymentAlreadyReturned(
                _("Payment #%(payment)s cannot be linked: %(problem)s.") % {"payment": payment.pk, "problem": problem}
            )
        if problem:
            raise ValidationError(
                {
                    "payment": [
                        _("Payment #%(payment)s cannot be linked: %(problem)s.")
                        % {"payment": payment.pk, "problem": problem}
                    ]
                }
            )
        suggested = line.matches.filter(decision="", payment=payment).order_by("rank", "id").first()
        signals = list(suggested.signals) if suggested else []
        signals.append(_signal("by_hand", stored_message(CHOSEN_BY_HAND)))
        return _link(
            line=line,
            payment=payment,
            signals=signals,
            confidence=suggested.confidence if suggested else 0,
            as_of=as_of,
            by=by,
        )


def line_find_return(*, line: BankStatementLine, as_of: datetime) -> BankStatementLine:
    """Look again for the payment an undecided return or reversal line takes back (each line in
    its own transaction). A decided line, or a line of another kind, is returned as it is."""
    with transaction.atomic():
        line = _lock(line)
        if _decided(line) or line.credit:
            return line
        if not line.kind:
            line.kind = line_kind(line)
        if line.kind not in TAKES_BACK:
            return line
        return book_return_locked(line=line, as_of=as_of)


def returns_relink(*, as_of: datetime) -> dict:
    """Try again every return and reversal line waiting in review (after new payments appeared,
    e.g. when the collection's credit line was accepted later). Returns counts."""
    counts = {"lines": 0, "matched": 0}
    waiting = BankStatementLine.objects.filter(
        match_status=BankStatementLine.MatchStatus.REVIEW,
        credit=False,
        kind__in=TAKES_BACK,
        status="BOOK",
        superseded_by__isnull=True,
    ).order_by("pk")
    for line in waiting:
        counts["lines"] += 1
        try:
            found = line_find_return(line=line, as_of=as_of)
        except ValidationError as exc:  # this line stays in review; the others are still looked at
            logger.warning("return line %s not linked: %s", line.pk, exc)
            continue
        if found.match_status == BankStatementLine.MatchStatus.MATCHED:
            counts["matched"] += 1
    return counts
