"""Pairing statement lines with the intraday lines they confirm when the hashes differ.

A CAMT.052 report or CAMT.054 notification line is normally confirmed by the CAMT.053 line with
the same content hash. Some banks assign the account servicer reference, or complete the
remittance, only at the end of the day; then the hashes differ, the intraday line would stay live
beside the statement line and the money would count twice. The fallback pairs a statement line
without a hash partner with exactly one live intraday line of the same account when they agree on

- amount, direction (credit/debit) and currency,
- date: the booking date, or the value date where a line has no booking date,
- who: the same end-to-end id when both lines carry one (two different ids are two movements,
  whatever else agrees), otherwise the same counterparty IBAN (both present).

Only an unambiguous pair is joined: if two intraday lines fit one statement line, or one intraday
line fits two statement lines, none of them is superseded and the statement gets a warning, so a
person compares them (both stay visible; nothing is double-booked silently in either direction).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext_noop

from core.messages import Money, message, message_define

from ...models import BankStatement, BankStatementKind, BankStatementLine
from ..types import location_param

BATCH = 2000
INTRADAY_KINDS = (BankStatementKind.REPORT, BankStatementKind.NOTIFICATION)

LATE_INTRADAY_AMBIGUOUS = message_define(
    "bank.statement.late_intraday_ambiguous",
    gettext_noop(
        "The intraday line %(amount)s of %(date)s (%(location)s) fits %(count)s statement "
        "lines of this account whose references differ, so it was stored as a movement of its own. "
        "Compare them: it may count twice."
    ),
)
INTRADAY_AMBIGUOUS = message_define(
    "bank.statement.intraday_ambiguous",
    gettext_noop(
        "The line %(amount)s of %(date)s (%(location)s) fits %(count)s intraday lines of "
        "this account whose references differ, so none of them was marked as confirmed. Compare them: "
        "an unconfirmed intraday line still counts beside the statement line."
    ),
)
INTRADAY_SHARED = message_define(
    "bank.statement.intraday_shared",
    gettext_noop(
        "The line %(amount)s of %(date)s (%(location)s) fits an intraday line of this account "
        "that other lines of this statement fit as well, so it was not marked as confirmed. Compare them: "
        "an unconfirmed intraday line still counts beside the statement line."
    ),
)


def _same_party(row: BankStatementLine, other: dict) -> bool:
    if row.end_to_end_id and other["end_to_end_id"]:
        return row.end_to_end_id == other["end_to_end_id"]
    return bool(row.counterparty_iban) and row.counterparty_iban == other["counterparty_iban"]


def _key(amount, credit: bool, currency: str, booking_date, value_date) -> tuple:
    return (amount, credit, currency, booking_date or value_date)


def intraday_partners(
    *, account: str, rows: list[BankStatementLine], taken: set[int], among=INTRADAY_KINDS
) -> tuple[list[tuple[int, BankStatementLine]], list[dict]]:
    """For the statement ``rows`` (not yet saved) without a hash partner: the pairs
    ``(intraday line id, row)`` to supersede, and a warning per ambiguous row. ``taken`` are
    intraday lines already confirmed by a hash partner in this import. Warnings are stored messages
    (``core.messages``), worded when read.

    ``among=(BankStatementKind.STATEMENT,)`` asks the other way round, for intraday rows that
    arrive after the statement that booked them: the pairs are then ``(statement line id, row)``,
    and such a row is already on record."""
    days = {row.booking_date or row.value_date for row in rows} - {None}
    if not days:
        return [], []
    intraday_statements = list(
        BankStatement.objects.filter(account_iban=account, kind__in=among).values_list("pk", flat=True)
    )
    if not intraday_statements:
        return [], []
    days = sorted(days)
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for start in range(0, len(days), BATCH):
        chunk = days[start : start + BATCH]
        candidates = (
            BankStatementLine.objects.filter(
                # Live lines only: a line an accepted re-delivery withdrew is no longer on the account.
                statement_id__in=intraday_statements,
                superseded_by__isnull=True,
                withdrawn_by__isnull=True,
            )
            .filter(Q(booking_date__in=chunk) | Q(booking_date__isnull=True, value_date__in=chunk))
            .exclude(pk__in=taken)
            .order_by("pk")
            .values(
                "id",
                "amount",
                "credit",
                "currency",
                "booking_date",
                "value_date",
                "end_to_end_id",
                "counterparty_iban",
            )
        )
        for candidate in candidates:
            key = _key(
                candidate["amount"],
                candidate["credit"],
                candidate["currency"],
                candidate["booking_date"],
                candidate["value_date"],
            )
            by_key[key].append(candidate)
    if not by_key:
        return [], []

    fits: dict[int, list[int]] = {}
    claimants: dict[int, int] = defaultdict(int)
    for index, row in enumerate(rows):
        key = _key(row.amount, row.credit, row.currency, row.booking_date, row.value_date)
        fitting = [candidate["id"] for candidate in by_key.get(key, ()) if _same_party(row, candidate)]
        if fitting:
            fits[index] = fitting
            for candidate_id in fitting:
                claimants[candidate_id] += 1

    pairs, warnings = [], []
    for index, fitting in fits.items():
        row = rows[index]
        if len(fitting) == 1 and claimants[fitting[0]] == 1:
            pairs.append((fitting[0], row))
            continue
        values = {
            "amount": Money(row.amount if row.credit else -row.amount, row.currency),
            "date": row.booking_date or row.value_date,
            # Worded when read, like the sentence around it ("Zeile 12", not "line 12").
            "location": location_param(row.source_location) if row.source_location else str(row.position + 1),
            "count": len(fitting),
        }
        if among != INTRADAY_KINDS:
            code = LATE_INTRADAY_AMBIGUOUS
        elif len(fitting) > 1:
            code = INTRADAY_AMBIGUOUS
        else:
            code = INTRADAY_SHARED
        warnings.append(message(code, **values))
    return pairs, warnings
