"""Storing parsed statements: one line per movement, whichever files report it.

A line is identified by its content hash (``line_content_hash``) among the live lines (not
superseded). A statement line confirming an intraday report's or notification's line is stored,
and the earlier line points at it (``superseded_by``); the successor takes over what was decided
on the earlier line (see ``_supersede``). When the bank changed the references between the
intraday message and the statement, the hashes differ and ``intraday.intraday_partners`` pairs
the lines by their other features.

A statement delivered again (same account, kind, period, opening balance and, where unique, number)
is not appended to: an identical delivery adds nothing, one with other content waits on hold for a
finance manager (``redelivery``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext_noop

from core.locks import note_locked
from core.messages import Money, message, message_define

from ...models import (
    BankLineMatch,
    BankStatement,
    BankStatementImport,
    BankStatementKind,
    BankStatementLine,
    BankStatementStanding,
)
from ..followup import line_tasks_move
from ..types import ParsedLine, ParsedStatement
from .intraday import intraday_partners
from .redelivery import earlier_deliveries, redelivery_changes, statement_fields, statement_hold

BALANCE_MISMATCH = message_define(
    "bank.statement.balance_mismatch",
    gettext_noop(
        "Opening balance %(opening)s plus the booked entries does not give the closing balance %(closing)s "
        "(difference %(difference)s)."
    ),
)

BATCH = 2000


def account_key(value: str) -> str:
    return "".join(value.split()).upper()


def line_content_hash(*, account_iban: str, line: ParsedLine, occurrence: int = 0) -> str:
    """The identity of a movement, the same in every file that reports it.

    Built from what a bank repeats in an overlapping statement and in the end-of-day statement
    after an intraday report: account, booking and value date, amount, direction, the bank's
    reference, end-to-end id, remittance, counterparty IBAN and position in a batch. Two lines
    equal in all of these within one statement (two identical card fees on one day) are told
    apart by ``occurrence``, their count so far, so neither is lost.
    """
    parts = [
        account_key(account_iban),
        line.booking_date.isoformat() if line.booking_date else "",
        line.value_date.isoformat() if line.value_date else "",
        f"{line.amount:.2f}",
        "C" if line.credit else "D",
        line.account_servicer_reference.strip(),
        line.end_to_end_id.strip(),
        " ".join(line.remittance.split()),
        account_key(line.counterparty_iban),
        str(line.batch_index),
        str(occurrence),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def statement_line_hashes(statement: ParsedStatement) -> list[str]:
    """The content hash of each of a statement's lines, in order."""
    seen: Counter = Counter()
    hashes = []
    for line in statement.lines:
        base = line_content_hash(account_iban=statement.account_iban, line=line)
        hashes.append(line_content_hash(account_iban=statement.account_iban, line=line, occurrence=seen[base]))
        seen[base] += 1
    return hashes


def balance_warnings(parsed: ParsedStatement) -> list[dict]:
    """The stored warning when the statement does not add up (none when it does or cannot be checked)."""
    difference = parsed.balance_difference()
    if not difference:
        return []
    return [
        message(
            BALANCE_MISMATCH,
            opening=Money(parsed.opening_balance, parsed.currency),
            closing=Money(parsed.closing_balance, parsed.currency),
            difference=Money(difference, parsed.currency),
        )
    ]


def accounts_lock(accounts: list[str]) -> None:
    """Serialise imports (and re-delivery decisions) touching the same account, so overlapping files
    cannot race on hashes or on which delivery is in effect. Transaction-scoped."""
    with connection.cursor() as cursor:
        for account in sorted(set(accounts)):  # a fixed order, no deadlock between two imports
            key = int.from_bytes(hashlib.sha256(f"bank-account:{account}".encode()).digest()[:8], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    note_locked("advisory.statement_account", sorted(set(accounts)))


def store_statement(
    *, statement_import: BankStatementImport, parsed: ParsedStatement, counts: Counter, as_of: datetime | None = None
) -> tuple[BankStatement, int]:
    """Store one parsed statement; returns the statement and how many lines were stored. Runs
    inside the import's transaction, under the account's lock.

    A delivery of a statement stored before (``redelivery.earlier_deliveries``) with the same lines
    adds nothing (``redelivered``); one with other lines is stored on hold and adds no line
    (``held``), so no money is counted from it until a finance manager accepts it."""
    account = account_key(parsed.account_iban)
    hashes = statement_line_hashes(parsed)
    counts["lines"] += len(hashes)
    earlier = earlier_deliveries(account=account, parsed=parsed)
    changes_against = {}
    for delivered in earlier:
        changes_against[delivered.pk] = redelivery_changes(earlier=delivered, parsed=parsed, hashes=hashes)
        if not changes_against[delivered.pk]:
            counts["redelivered"] += 1
            counts["duplicates"] += len(hashes)
            return delivered, 0
    in_effect = next((delivered for delivered in earlier if delivered.standing == BankStatementStanding.ACTIVE), None)
    if in_effect is not None:
        held = statement_hold(
            statement_import=statement_import,
            earlier=in_effect,
            parsed=parsed,
            hashes=hashes,
            changes=changes_against[in_effect.pk],
            warnings=balance_warnings(parsed),
            as_of=as_of or statement_import.created_at,
        )
        counts["held"] += 1
        return held, 0
    statement = BankStatement.objects.create(
        statement_import=statement_import,
        **statement_fields(account=account, parsed=parsed),
        warnings=balance_warnings(parsed),
        line_hashes=hashes,
    )
    counts["new_statements"] += 1
    added = store_lines(
        statement=statement,
        entries=[
            (position, line, value) for position, (line, value) in enumerate(zip(parsed.lines, hashes, strict=True))
        ],
        counts=counts,
    )
    if statement.warnings:
        statement.save(update_fields=["warnings"])
    if added:
        statement.line_count = statement.lines.count()
        statement.save(update_fields=["line_count"])
    return statement, added


def store_lines(*, statement: BankStatement, entries: list[tuple[int, ParsedLine, str]], counts: Counter) -> int:
    """Store ``entries`` (position in the file, line, content hash) as lines of ``statement``,
    each movement once: a line live already is a duplicate, a statement line confirming an intraday
    line supersedes it. Intraday warnings are added to ``statement.warnings`` (the caller saves)."""
    account = statement.account_iban
    confirming = statement.kind == BankStatementKind.STATEMENT
    live = _live_lines(value for _position, _line, value in entries)
    new_lines: list[BankStatementLine] = []
    superseded: list[tuple[int, BankStatementLine]] = []
    unpartnered: list[BankStatementLine] = []
    for position, line, content_hash in entries:
        earlier = live.get(content_hash)
        if earlier is not None and not (confirming and earlier["kind"] != BankStatementKind.STATEMENT):
            counts["duplicates"] += 1
            continue
        row = _line_row(statement=statement, line=line, content_hash=content_hash, position=position)
        if earlier is not None:  # the statement confirms an intraday report's or notification's line
            superseded.append((earlier["id"], row))
            counts["confirmed"] += 1
        else:
            unpartnered.append(row)
        new_lines.append(row)

    if confirming and unpartnered:
        # The bank may change references between the intraday message and the statement.
        pairs, warnings = intraday_partners(
            account=account, rows=unpartnered, taken={earlier_id for earlier_id, _row in superseded}
        )
        superseded.extend(pairs)
        counts["confirmed"] += len(pairs)
        counts["new_lines"] += len(unpartnered) - len(pairs)
        statement.warnings = [*statement.warnings, *warnings]
    elif unpartnered:
        # An intraday report or notification arriving after the statement that booked its lines
        # with other references: those lines are on record already.
        pairs, warnings = intraday_partners(
            account=account, rows=unpartnered, taken=set(), among=(BankStatementKind.STATEMENT,)
        )
        known = {id(row) for _statement_line_id, row in pairs}
        new_lines = [row for row in new_lines if id(row) not in known]
        counts["duplicates"] += len(pairs)
        counts["new_lines"] += len(unpartnered) - len(pairs)
        statement.warnings = [*statement.warnings, *warnings]

    successors = {id(row) for _earlier_id, row in superseded}
    BankStatementLine.objects.bulk_create([row for row in new_lines if id(row) not in successors], batch_size=BATCH)
    if superseded:
        _supersede(superseded)
    return len(new_lines)


def _supersede(pairs: list[tuple[int, BankStatementLine]]) -> None:
    """The statement's lines replace the intraday lines they confirm.

    The earlier lines are locked (a matching job may be deciding one of them) and read again;
    each successor takes over its predecessor's match status and kind, its suggestions and
    decisions (``BankLineMatch``, with the payment recorded from it) and its open follow-up task.
    So a payment recorded from an intraday line stays the one payment of the movement: the
    statement line is not matched a second time. The live hash is unique (a partial index, which
    cannot be deferred): the earlier lines leave the live set first (pointing at themselves for a
    moment), then their successors enter it and the earlier lines point at them.
    """
    earlier_ids = sorted(earlier_id for earlier_id, _row in pairs)
    note_locked("payments.BankStatementLine", earlier_ids)
    state = {
        row["id"]: row
        for row in BankStatementLine.objects.select_for_update()
        .filter(pk__in=earlier_ids)
        .order_by("pk")
        .values("id", "match_status", "kind")
    }
    for earlier_id, row in pairs:
        row.match_status = state[earlier_id]["match_status"]
        row.kind = state[earlier_id]["kind"]
    BankStatementLine.objects.filter(pk__in=earlier_ids).update(superseded_by=F("pk"))
    BankStatementLine.objects.bulk_create([row for _earlier_id, row in pairs], batch_size=BATCH)
    BankStatementLine.objects.bulk_update(
        [BankStatementLine(pk=earlier_id, superseded_by_id=row.pk) for earlier_id, row in pairs],
        ["superseded_by"],
        batch_size=BATCH,
    )
    successor_of = {earlier_id: row.pk for earlier_id, row in pairs}
    moved = [
        BankLineMatch(pk=match_id, line_id=successor_of[line_id])
        for match_id, line_id in BankLineMatch.objects.filter(line_id__in=earlier_ids).values_list("id", "line_id")
    ]
    BankLineMatch.objects.bulk_update(moved, ["line"], batch_size=BATCH)
    line_tasks_move(successor_of=successor_of)


def _live_lines(hashes: Iterable[str]) -> dict[str, dict]:
    hashes = list(hashes)
    found = {}
    for start in range(0, len(hashes), BATCH):
        rows = BankStatementLine.objects.filter(
            content_hash__in=hashes[start : start + BATCH], superseded_by__isnull=True, withdrawn_by__isnull=True
        ).values("id", "content_hash", "statement__kind")
        for row in rows:
            found[row["content_hash"]] = {"id": row["id"], "kind": row["statement__kind"]}
    return found


def _line_row(*, statement: BankStatement, line: ParsedLine, content_hash: str, position: int) -> BankStatementLine:
    return BankStatementLine(
        statement=statement,
        position=position,
        content_hash=content_hash,
        amount=line.amount,
        currency=line.currency or statement.currency,
        credit=line.credit,
        booking_date=line.booking_date,
        value_date=line.value_date,
        status=line.status[:4],
        reversal=line.reversal,
        account_servicer_reference=line.account_servicer_reference[:255],
        entry_reference=line.entry_reference[:255],
        batch_index=line.batch_index,
        batch_size=line.batch_size,
        end_to_end_id=line.end_to_end_id[:255],
        payment_info_id=line.payment_info_id[:35],
        batch_message_id=line.batch_message_id[:35],
        mandate_id=line.mandate_id[:255],
        creditor_id=line.creditor_id[:255],
        customer_reference=line.customer_reference[:255],
        structured_reference=line.structured_reference[:255],
        remittance=line.remittance,
        counterparty_name=line.counterparty_name[:255],
        counterparty_iban=account_key(line.counterparty_iban)[:35],
        counterparty_bic=line.counterparty_bic.strip()[:11],
        bank_transaction_code=line.bank_transaction_code[:40],
        return_reason=line.return_reason[:35],
        charges=line.charges,
        additional_info=line.additional_info,
        source_location=line.source_location[:255],
    )
