"""Booking the debit lines of a statement after matching: returns and reversals are linked to the
payment they take back (``returns``), bank charges and outgoing payments are decided
automatically as no receivables business, except an outgoing payment to a customer's IBAN,
which waits in review (probably a refund of the customer's credit).

Every decision is kept as a ``BankLineMatch``: automatic ones with ``decided_by`` empty and an
explanation saying why ("bank charges", "outgoing payment").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop

from core.events import event_record
from core.locks import lock_rows
from core.messages import message, message_define
from customers.models import BankAccount

from ...models import BankLineMatch, BankStatementLine
from ..confirmations import line_confirm
from ..importing.redelivery import statement_delivery_ids
from ..matching.text import compact_iban
from .codes import Kind, line_kind, transaction_code_parts
from .jobs import relink_returns_enqueue
from .returns import TAKES_BACK, book_return_locked, returns_relink

CHARGES = message_define("bank.debit.charges", gettext_noop("bank charges"))
CHARGES_CODE = message_define("bank.debit.charges_code", gettext_noop("bank charges (code %(code)s)"))
CHARGED_FOR_RETURN = message_define(
    "bank.debit.charged_for_return", gettext_noop("charged for the return on line #%(line)s")
)
OUTGOING = message_define("bank.debit.outgoing", gettext_noop("outgoing payment"))
REFUND_TO_CUSTOMER = message_define(
    "bank.debit.refund_to_customer",
    gettext_noop(
        "the payee IBAN %(iban)s is a bank account of customer %(customer)s: probably a refund of the customer's "
        "credit; ignore the line with a reason once checked"
    ),
)

logger = logging.getLogger(__name__)
Status = BankStatementLine.MatchStatus


def statement_classify(*, statement) -> int:
    """Set the kind of every line of the statement not yet classified (credits too); returns how
    many lines were classified. Reads only the lines themselves (``codes.line_kind``)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for line in statement.lines.filter(kind="").only(
        "id", "credit", "reversal", "return_reason", "bank_transaction_code", "charges", "amount"
    ):
        by_kind[line_kind(line)].append(line.pk)
    for kind, pks in by_kind.items():
        BankStatementLine.objects.filter(pk__in=pks, kind="").update(kind=kind)
    return sum(len(pks) for pks in by_kind.values())


def _customers_of_iban(iban: str) -> list:
    if not iban:
        return []
    accounts = (
        BankAccount.objects.filter(iban=compact_iban(iban), is_active=True)
        .select_related("customer")
        .order_by("customer_id")
    )
    return [account.customer for account in accounts]


def _signals(code: str, messages: list[dict]) -> list[dict]:
    """Stored signals (``matching.wording``): the message codes and parameters, worded when read."""
    return [{"code": code, "weight": 0, "message": item["code"], "params": item["params"]} for item in messages]


def _ignore_automatically(line: BankStatementLine, *, code: str, messages: list[dict], as_of: datetime) -> None:
    line.matches.filter(decision="").delete()
    BankLineMatch.objects.create(
        line=line,
        amount=line.amount,
        confidence=0,
        signals=_signals(code, messages),
        rank=0,
        decision=BankLineMatch.Decision.REJECTED,
        decided_at=as_of,
        created_at=as_of,
    )
    line.match_status = Status.IGNORED
    line.save(update_fields=["match_status", "kind"])


def _charge_explanation(line: BankStatementLine) -> list[dict]:
    parts = transaction_code_parts(line.bank_transaction_code)
    code = parts["gvc"] or parts["subfamily"] or parts["swift"]
    explanation = [message(CHARGES) if not code else message(CHARGES_CODE, code=code)]
    if line.entry_reference:
        returned = (
            BankStatementLine.objects.filter(
                statement_id__in=statement_delivery_ids(line.statement_id),
                withdrawn_by__isnull=True,
                entry_reference=line.entry_reference,
                kind__in=TAKES_BACK,
            )
            .exclude(pk=line.pk)
            .first()
        )
        if returned is not None:
            explanation.append(message(CHARGED_FOR_RETURN, line=returned.pk))
    return explanation


def _to_review_as_refund(line: BankStatementLine, customers: list, *, as_of: datetime) -> None:
    line.matches.filter(decision="").delete()
    BankLineMatch.objects.bulk_create(
        [
            BankLineMatch(
                line=line,
                customer=customer,
                amount=line.amount,
                confidence=0,
                signals=_signals(
                    "refund_to_customer",
                    [message(REFUND_TO_CUSTOMER, iban=line.counterparty_iban, customer=str(customer))],
                ),
                rank=rank,
                created_at=as_of,
            )
            for rank, customer in enumerate(customers, start=1)
        ]
    )
    line.match_status = Status.REVIEW
    line.save(update_fields=["match_status", "kind"])


def book_debit_locked(*, line: BankStatementLine, as_of: datetime) -> BankStatementLine:
    """Decide a (locked, undecided) debit line by its kind."""
    if not line.kind:
        line.kind = line_kind(line)
    if line.kind in TAKES_BACK:
        return book_return_locked(line=line, as_of=as_of)
    if line.kind == Kind.CHARGE:
        _ignore_automatically(line, code="charge", messages=_charge_explanation(line), as_of=as_of)
        return line
    if line_confirm(line=line, as_of=as_of):  # one of our own batches (a refund by credit transfer)
        return line
    customers = _customers_of_iban(line.counterparty_iban)
    if customers:
        _to_review_as_refund(line, customers, as_of=as_of)
    else:
        _ignore_automatically(line, code="outgoing", messages=[message(OUTGOING)], as_of=as_of)
    return line


def _line_locked(pk: int) -> BankStatementLine:
    locked = lock_rows(BankStatementLine, [pk], select_related=("statement",)).get(pk)
    if locked is None:
        raise BankStatementLine.DoesNotExist(pk)
    return locked


def line_book_debit(*, line: BankStatementLine, as_of: datetime) -> BankStatementLine:
    """Book one debit line in its own transaction; a decided line or a credit line is left alone."""
    with transaction.atomic():
        line = _line_locked(line.pk)
        if line.credit or line.match_status in (Status.MATCHED, Status.IGNORED):
            return line
        return book_debit_locked(line=line, as_of=as_of)


def statement_book_debits(*, statement, as_of: datetime) -> dict:
    """Classify the statement's lines and book every new, booked, live debit line (each in its
    own transaction), then try the returns waiting in review again (``returns_relink``).

    Idempotent: only lines still ``new`` are booked. A ``ValidationError`` of one line sends that
    line to review; any other exception propagates (the job is retried). Returns counts."""
    statement_classify(statement=statement)
    counts = {"lines": 0, "matched": 0, "review": 0, "ignored": 0}
    lines = statement.lines.filter(
        match_status=Status.NEW, credit=False, status="BOOK", superseded_by__isnull=True
    ).order_by("position", "id")
    for line in lines:
        try:
            line = line_book_debit(line=line, as_of=as_of)
        except ValidationError as exc:
            logger.warning("debit line %s left for review: %s", line.pk, exc)
            BankStatementLine.objects.filter(pk=line.pk, match_status=Status.NEW).update(match_status=Status.REVIEW)
            line.refresh_from_db(fields=["match_status"])
        counts["lines"] += 1
        if line.match_status in counts:
            counts[line.match_status] += 1
    counts["relinked"] = returns_relink(as_of=as_of)["matched"]
    return counts


def lines_rematch(*, lines, as_of: datetime, by=None) -> dict:
    """Match lines waiting in review again, each in its own transaction ("Match again"): a credit
    line through ``line_match`` (e.g. after a customer's IBAN was added), a return or reversal by
    looking for its payment again, another debit line by its kind. Lines already decided are
    skipped; each line matched again is logged (``bank_line.rematched``, with its new status).
    Returns counts by outcome, and the lines whose matching failed under ``errors``.
    When a line was matched (a payment recorded), waiting returns look for it again (a job)."""
    from ..matching import OpenItems, line_match

    items = OpenItems()  # loaded once for all lines, refreshed after each applied one
    counts = {"lines": 0, "matched": 0, "review": 0, "ignored": 0, "skipped": 0, "errors": []}
    for line in sorted(lines, key=lambda line: line.pk):
        counts["lines"] += 1
        try:
            with transaction.atomic():
                locked = _line_locked(line.pk)
                if locked.match_status in (Status.MATCHED, Status.IGNORED):
                    counts["skipped"] += 1
                    continue
                if locked.credit:
                    line_match(line=locked, as_of=as_of, items=items)
                else:
                    book_debit_locked(line=locked, as_of=as_of)
                status = BankStatementLine.objects.values_list("match_status", flat=True).get(pk=line.pk)
                # Someone asked for it (admin or API): the log says who, and what came of it.
                event_record(
                    type="bank_line.rematched",
                    obj=locked,
                    data={"statement": locked.statement_id, "match_status": status},
                    at=as_of,
                )
        except ValidationError as exc:
            counts["errors"].append((line, exc))
            continue
        counts[status if status in counts else "review"] += 1
    if counts["matched"]:
        with transaction.atomic():
            relink_returns_enqueue(as_of=as_of, by=by)
    return counts
