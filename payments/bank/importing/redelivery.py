"""A statement delivered again: recognised, compared line by line, and decided by a finance manager.

**Which statement a delivery repeats.** Two deliveries are the same statement when they agree on
account, kind (statement, intraday report, notification), period (from and to date) and opening
balance, and — only where the file makes it unique — on the statement number. CAMT's sequence
number (``ElctrncSeqNb``/``LglSeqNb``), or its ``Stmt/Id`` without one, is unique per account by
ISO 20022, so it counts. MT940's statement number is ``:28C:``, left out when it is zeros (a
constant many German banks send); its ``:20:`` is the reference of the message, not of the
statement (``STARTUMSE`` at many German banks, the time of sending at others), so it never counts;
a CSV export has no number at all (``statement_key``).

**What the bank sent, compared as a multiset of lines.** A line is identified by its content hash
(``store.line_content_hash``: the bank's reference ``AcctSvcrRef`` where present, dates, amount,
direction, payer, remittance …) and its occurrence among equal lines, so two identical transfers on
one day are two payments and a file in another order is the same file.

- The same lines (in any order): a **duplicate**. Nothing is stored; the import counts it as a
  statement delivered before.
- Other lines: the delivery is stored **on hold** (``BankStatementStanding.HELD``), with its lines
  kept aside (``held_lines``, not yet statement lines: they are not matched and count nowhere), the
  line-by-line changes (added, removed, changed: same bank reference or same date, direction and
  payer with other content) and its own balance check. A finance manager **accepts** it — the
  earlier delivery's removed and changed lines are withdrawn (kept, marked ``withdrawn_by`` and
  ``ignored``; who, when and why are on the event), the added and changed lines become statement
  lines and go to matching — or **rejects** it (kept, marked rejected; nothing changes).
  Acceptance is refused while a line it would withdraw is already booked (matched to a payment):
  a person resolves that booking first. Unbooked lines (new, in review, ignored by a person) are
  withdrawn with it; their open suggestions are rejected and their follow-up tasks done.
  Nothing imported is ever deleted (§ 146 (4) AO).

The standing is a state machine: ``TRANSITIONS`` lists the allowed moves, ``statement_redelivery_decide``
is the one service that makes them, and every move writes a ``BankStatementEvent``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from core.followups import followups_close_about
from core.formatting import money_text
from core.locks import note_locked
from core.messages import Money, message, message_define, message_text
from core.roles import Role, role_of

from ...models import BankLineMatch, BankStatement, BankStatementEvent, BankStatementLine, BankStatementStanding
from ..types import ParsedLine, ParsedStatement

Standing = BankStatementStanding
EventKind = BankStatementEvent.Kind
MatchStatus = BankStatementLine.MatchStatus

ACCEPT = "accept"
REJECT = "reject"
# (from, decision) -> to. The only moves a person makes; HELD is entered by the import only.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Standing.HELD, ACCEPT): Standing.ACTIVE,
    (Standing.HELD, REJECT): Standing.REJECTED,
}
DIFF_FIELDS = (
    "amount",
    "credit",
    "booking_date",
    "value_date",
    "status",
    "account_servicer_reference",
    "end_to_end_id",
    "counterparty_name",
    "counterparty_iban",
    "remittance",
)

HELD_LINE_BOOKED = message_define(
    "bank.statement.redelivery_line_booked",
    gettext_noop(
        "Line %(position)s of the earlier delivery (%(amount)s of %(date)s) is already booked; the re-delivery "
        "would withdraw it. Resolve that booking first, or reject the re-delivery."
    ),
)


def statement_key(*, file_format: str, statement_id: str, sequence: str = "") -> str:
    """The part of a statement number that identifies a statement ("" when the file has none).

    CAMT: the statement's sequence number (``ElctrncSeqNb``/``LglSeqNb``) where given — it stays
    the same when a bank delivers the statement again under a new ``Stmt/Id`` — else ``Stmt/Id``."""
    file_format = (file_format or "").lower()
    if file_format == "csv":
        return ""  # the id of a CSV "statement" is the file's hash, not a number the bank gave
    if file_format.startswith("mt940"):
        # SWIFT MT940: ``:20:`` is the transaction reference of the message, given per sending (a
        # constant STARTUMSE at many German banks, the time of sending at others), so a statement
        # sent again may carry another one; the statement's number is ``:28C:`` (number/page).
        number = sequence.strip() or statement_id.partition("/")[2].strip()  # rows without sequence
        return number if number.split("/")[0].strip().strip("0") else ""
    if sequence.strip():
        return f"#{sequence.strip()}"
    return statement_id


def earlier_deliveries(*, account: str, parsed: ParsedStatement) -> list[BankStatement]:
    """The deliveries of the statement ``parsed`` delivers again that a person has not replaced: in
    effect, on hold or rejected (a rejected one delivered once more is a duplicate), newest first."""
    key = statement_key(file_format=parsed.format, statement_id=parsed.statement_id, sequence=parsed.sequence)
    candidates = BankStatement.objects.filter(
        account_iban=account,
        kind=parsed.kind,
        from_date=parsed.from_date,
        to_date=parsed.to_date,
        opening_balance=parsed.opening_balance,
        standing__in=[Standing.ACTIVE, Standing.HELD, Standing.REJECTED],
    ).order_by("-id")
    return [
        candidate
        for candidate in candidates
        if statement_key(file_format=candidate.format, statement_id=candidate.statement_id, sequence=candidate.sequence)
        == key
    ]


def statement_delivery_ids(statement_id: int) -> list[int]:
    """The deliveries whose live lines together are the statement as it stands: an accepted
    re-delivery holds only the added and changed lines, the unchanged ones stay on the delivery it
    replaced (whose removed and changed lines are withdrawn). ``statement_id`` first, then the
    deliveries it replaced, then those that replaced it. A few queries per delivery in the chain."""
    accepted = (Standing.ACTIVE, Standing.SUPERSEDED)
    ids = [statement_id]
    step = statement_id
    while True:  # the deliveries it replaced
        earlier = (
            BankStatement.objects.filter(pk=step, standing__in=accepted)
            .values_list("redelivery_of_id", flat=True)
            .first()
        )
        if earlier is None or earlier in ids:
            break
        ids.append(earlier)
        step = earlier
    step = statement_id
    while True:  # the accepted re-deliveries that replaced it (one per delivery: acceptance needs it in effect)
        later = (
            BankStatement.objects.filter(redelivery_of_id=step, standing__in=accepted)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if later is None or later in ids:
            break
        ids.append(later)
        step = later
    return ids


def statement_fields(*, account: str, parsed: ParsedStatement) -> dict:
    """The columns of a ``BankStatement`` as the bank sent them (new, or a re-delivery on hold)."""
    return {
        "account_iban": account,
        "statement_id": parsed.statement_id[:255],
        "kind": parsed.kind,
        "format": parsed.format[:40],
        "sequence": parsed.sequence[:40],
        "created_at_bank": parsed.created_at,
        "from_date": parsed.from_date,
        "to_date": parsed.to_date,
        "currency": parsed.currency,
        "opening_balance": parsed.opening_balance,
        "closing_balance": parsed.closing_balance,
        "balance_difference": parsed.balance_difference(),
    }


# --- Lines kept aside while on hold ---------------------------------------------------------------
def line_snapshot(line: ParsedLine) -> dict:
    """A parsed line as JSON (decimals and dates as text)."""
    result = {}
    for field in dataclasses.fields(ParsedLine):
        value = getattr(line, field.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        result[field.name] = value
    return result


def line_from_snapshot(snapshot: dict) -> ParsedLine:
    values = dict(snapshot)
    for name in ("amount", "charges"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    for name in ("booking_date", "value_date"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return ParsedLine(**values)


def _summary(values: dict) -> dict:
    """What the changes show of one line (JSON)."""
    result = {}
    for name in DIFF_FIELDS:
        value = values.get(name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        result[name] = value if value is not None else ""
    result["amount"] = f"{Decimal(str(result['amount'])):.2f}" if result["amount"] != "" else ""
    result["counterparty_iban"] = "".join(str(result["counterparty_iban"]).split()).upper()
    result["remittance"] = " ".join(str(result["remittance"]).split())
    return result


def _same_movement(old: dict, new: dict) -> bool:
    """Whether a removed and an added line are one movement with something corrected: the bank's
    reference where both carry one, else date, direction and payer."""
    if old["account_servicer_reference"] and new["account_servicer_reference"]:
        return old["account_servicer_reference"] == new["account_servicer_reference"]
    payer = (old["counterparty_iban"] or old["counterparty_name"]) == (
        new["counterparty_iban"] or new["counterparty_name"]
    )
    return old["booking_date"] == new["booking_date"] and old["credit"] == new["credit"] and payer


def redelivery_changes(*, earlier: BankStatement, parsed: ParsedStatement, hashes: list[str]) -> list[dict]:
    """The lines ``parsed`` adds, removes or changes against ``earlier`` (as delivered), in file
    order; lines the account already holds live elsewhere (an overlapping statement) are not added."""
    removed_hashes = [value for value in earlier.line_hashes if value not in set(hashes)]
    old_rows = {
        row.content_hash: row
        for row in BankStatementLine.objects.filter(
            content_hash__in=removed_hashes, statement__account_iban=earlier.account_iban
        ).order_by("withdrawn_by", "superseded_by", "-id")
    }
    known = set(earlier.line_hashes)
    new_only = [(index, value) for index, value in enumerate(hashes) if value not in known]
    live_elsewhere = set(
        BankStatementLine.objects.filter(
            content_hash__in=[value for _index, value in new_only],
            superseded_by__isnull=True,
            withdrawn_by__isnull=True,
        ).values_list("content_hash", flat=True)
    )
    removed = []
    for value in removed_hashes:
        row = old_rows.get(value)
        values = {name: getattr(row, name) for name in DIFF_FIELDS} if row is not None else {}
        removed.append(
            {
                "hash": value,
                "line": row.pk if row else None,
                "position": row.position + 1 if row else None,
                **_summary(values),
            }
        )
    changes = []
    for index, value in new_only:
        if value in live_elsewhere:
            continue
        new = {"hash": value, "position": index + 1, **_summary(line_snapshot(parsed.lines[index]))}
        partner = next((old for old in removed if _same_movement(old, new)), None)
        if partner is not None:
            removed.remove(partner)
            fields = [name for name in DIFF_FIELDS if partner[name] != new[name]]
            changes.append({"change": "changed", "old": partner, "new": new, "fields": fields})
        else:
            changes.append({"change": "added", "old": None, "new": new, "fields": []})
    changes.extend({"change": "removed", "old": old, "new": None, "fields": []} for old in removed)
    return changes


def _actor(by) -> tuple[object, str]:
    if getattr(by, "pk", None):
        return by, ""
    return None, str(by or "")


def _event(
    *, statement: BankStatement, kind: str, from_standing: str, as_of: datetime, by, reason: str = "", data=None
):
    user, actor = _actor(by)
    return BankStatementEvent.objects.create(
        statement=statement,
        kind=kind,
        from_standing=from_standing,
        to_standing=statement.standing,
        at=as_of,
        by=user,
        actor=actor[:200],
        reason=reason,
        data=data or {},
    )


def statement_hold(
    *,
    statement_import,
    earlier: BankStatement,
    parsed: ParsedStatement,
    hashes: list[str],
    changes: list[dict],
    warnings: list[dict],
    as_of: datetime,
) -> BankStatement:
    """Store a conflicting re-delivery on hold (inside the import's transaction)."""
    held = BankStatement.objects.create(
        statement_import=statement_import,
        **statement_fields(account=earlier.account_iban, parsed=parsed),
        warnings=warnings,
        standing=Standing.HELD,
        redelivery_of=earlier,
        line_hashes=hashes,
        held_lines=[line_snapshot(line) for line in parsed.lines],
        changes=changes,
    )
    counted = Counter(change["change"] for change in changes)
    _event(
        statement=held,
        kind=EventKind.HELD,
        from_standing="",
        as_of=as_of,
        by=statement_import.created_by or gettext_noop("bank statement import"),
        data={"import": statement_import.pk, "earlier": earlier.pk, **counted},
    )
    return held


# --- The decision ---------------------------------------------------------------------------------
def _check_role(by) -> None:
    from core.api.authentication import ApiKeyPrincipal

    if isinstance(by, ApiKeyPrincipal):
        return  # the key's scope was checked by the API
    role = role_of(by)
    if role is None or role < Role.FINANCE_MANAGER:
        raise ValidationError({"decision": [gettext("Only finance managers decide on a re-delivered statement.")]})


def statement_redelivery_decide(
    *, statement: BankStatement, decision: str, as_of: datetime, by, reason: str = ""
) -> BankStatement:
    """Accept or reject a re-delivery on hold (``TRANSITIONS``); finance managers only.

    Accepting withdraws the earlier delivery's removed and changed lines (refused while one of them
    is booked: ``HELD_LINE_BOOKED`` names it), stores the added and changed lines as lines of this
    statement, puts this statement in effect and the earlier one out of it, and queues matching for
    the new lines. Rejecting only marks it. Either writes one event per statement whose standing moved.
    """
    from .run import MATCH_JOB
    from .store import accounts_lock, store_lines

    _check_role(by)
    reason = (reason or "").strip()
    with transaction.atomic():
        accounts_lock([statement.account_iban])
        note_locked("payments.BankStatement", [statement.pk])
        statement = BankStatement.objects.select_for_update().get(pk=statement.pk)
        target = TRANSITIONS.get((statement.standing, decision))
        if target is None:
            raise ValidationError(
                {
                    "decision": [
                        gettext("This statement is %(standing)s; it cannot be decided on.")
                        % {"standing": statement.get_standing_display()}
                    ]
                }
            )
        if decision == REJECT:
            statement.standing = target
            statement.save(update_fields=["standing"])
            _event(
                statement=statement,
                kind=EventKind.REJECTED,
                from_standing=Standing.HELD,
                as_of=as_of,
                by=by,
                reason=reason,
            )
            return statement

        # Two statements of one account: the account's advisory lock serialises this already.
        note_locked("payments.BankStatement", [statement.redelivery_of_id])
        earlier = BankStatement.objects.select_for_update().get(pk=statement.redelivery_of_id)
        if earlier.standing != Standing.ACTIVE:
            raise ValidationError(
                {
                    "decision": [
                        gettext(
                            "The statement this re-delivery was compared with is no longer in effect; reject this "
                            "re-delivery and upload the file again to compare it with the statement in effect."
                        )
                    ]
                }
            )
        hashes = list(statement.line_hashes)
        gone = [value for value in earlier.line_hashes if value not in set(hashes)]
        withdrawn = list(
            BankStatementLine.objects.select_for_update()
            .filter(
                content_hash__in=gone,
                statement__account_iban=statement.account_iban,
                superseded_by__isnull=True,
                withdrawn_by__isnull=True,
            )
            .order_by("pk")
        )
        booked = [line for line in withdrawn if line.match_status == MatchStatus.MATCHED]
        if booked:
            raise ValidationError(
                {
                    "decision": [
                        message_text(
                            message(
                                HELD_LINE_BOOKED,
                                position=line.position + 1,
                                amount=Money(line.amount if line.credit else -line.amount, line.currency),
                                date=line.booking_date or line.value_date,
                            )
                        )
                        for line in booked
                    ]
                }
            )

        from ..debits.returns import RETURN_TASK
        from ..followup import line_task_close

        user = by if getattr(by, "pk", None) else None
        withdrawn_text = gettext("The bank withdrew this line in a re-delivered statement.")
        for line in withdrawn:
            # Unbooked lines (new, in review, ignored by a person) go without asking: nothing was
            # paid from them; open suggestions are rejected and every follow-up task about the line
            # (unmatched payment, return not linked) is done, so nobody works on a line that is gone.
            line.withdrawn_by = statement
            if line.match_status in (MatchStatus.NEW, MatchStatus.REVIEW):
                line.match_status = MatchStatus.IGNORED
            line.save(update_fields=["withdrawn_by", "match_status"])
            line.matches.filter(decision="").update(
                decision=BankLineMatch.Decision.REJECTED, decided_by=user, decided_at=as_of
            )
            line_task_close(line=line, as_of=as_of, by=user, decision=withdrawn_text)
            followups_close_about(kind=RETURN_TASK, about=line, as_of=as_of, by=user, resolution=withdrawn_text)

        earlier.standing = Standing.SUPERSEDED
        earlier.save(update_fields=["standing"])
        _event(
            statement=earlier,
            kind=EventKind.SUPERSEDED,
            from_standing=Standing.ACTIVE,
            as_of=as_of,
            by=by,
            reason=reason,
            data={"by_statement": statement.pk, "withdrawn_lines": [line.pk for line in withdrawn]},
        )
        known = set(earlier.line_hashes)
        lines = [line_from_snapshot(snapshot) for snapshot in statement.held_lines]
        entries = [
            (position, line, value)
            for position, (line, value) in enumerate(zip(lines, hashes, strict=True))
            if value not in known
        ]
        counts: Counter = Counter()
        added = store_lines(statement=statement, entries=entries, counts=counts)
        statement.standing = target
        statement.line_count = statement.lines.count()
        statement.save(update_fields=["standing", "line_count", "warnings"])
        _event(
            statement=statement,
            kind=EventKind.ACCEPTED,
            from_standing=Standing.HELD,
            as_of=as_of,
            by=by,
            reason=reason,
            data={"withdrawn_lines": [line.pk for line in withdrawn], "new_lines": added, **counts},
        )
        if added:
            from core.services import job_enqueue

            job_enqueue(
                kind=MATCH_JOB,
                as_of=as_of,
                payload={"statement_id": statement.pk},
                dedupe_key=f"bank-match-{statement.pk}-accepted",
                created_by=by if getattr(by, "pk", None) else None,
            )
    return statement


def change_text(change: dict, *, currency: str) -> str:
    """One change in words, in the active language (admin and API); ``currency``: the statement's."""

    def line_words(values: dict) -> str:
        amount = Decimal(str(values.get("amount") or "0"))
        amount = amount if values.get("credit") else -amount
        shown = money_text(amount, values.get("currency") or currency)
        when = values.get("booking_date") or values.get("value_date") or ""
        when = date_format(date.fromisoformat(str(when)), "SHORT_DATE_FORMAT") if when else ""
        who = values.get("counterparty_name") or values.get("counterparty_iban") or ""
        reference = values.get("account_servicer_reference") or ""
        parts = [shown, when, who, reference]
        return " · ".join(part for part in parts if part)

    if change["change"] == "added":
        return gettext("Added: line %(position)s, %(line)s") % {
            "position": change["new"]["position"],
            "line": line_words(change["new"]),
        }
    if change["change"] == "removed":
        return gettext("Removed: %(line)s") % {"line": line_words(change["old"])}
    return gettext("Changed: %(old)s → %(new)s (%(fields)s)") % {
        "old": line_words(change["old"]),
        "new": line_words(change["new"]),
        "fields": ", ".join(_field_label(name) for name in change["fields"]),
    }


def _field_label(name: str) -> str:
    field = BankStatementLine._meta.get_field(name)
    return str(field.verbose_name)
