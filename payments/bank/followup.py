"""Follow-up tasks for bank statement lines nobody could match (issue 8: reconciliation).

A credit line the matcher could not decide is money on the account that no invoice knows about
yet: the customer is reminded although they paid, and their credit is not where it belongs.
``unmatched_line_tasks_open`` (daily, beat task ``payments.open_unmatched_line_tasks``) gives every
such line that is ``DEBITOR_UNMATCHED_LINE_TASK_DAYS`` days old (default 3) one follow-up task;
deciding the line (accepted, assigned, ignored — ``matching`` calls ``line_task_close``) closes it.

Which lines: live (not superseded by a statement line), booked (``BOOK``), credit, in ``new`` or
``review``, whose booking date (or value date, without one) is at least N days before ``as_of``.
A line gets one such task in its life: when a person closes the task without deciding the line
(cancelled, "waiting for the customer's answer" done elsewhere), the rule does not open it again;
reopening is done on the task.

Priority by amount (in the line's currency): below 100 low, below 1,000 normal, below 10,000 high,
from 10,000 urgent — larger sums missing from the receivables ledger distort it more, and are more
likely a customer's regular payment for several invoices.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Prefetch
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.followups import followup_kind_register, followup_open, followups_close_about
from core.formatting import date_text, money_text
from tasks.models import FollowUpTask

from ..models import BankLineMatch, BankStatementLine

UNMATCHED_LINE_TASK_KIND = followup_kind_register("bank_line_unmatched", gettext_lazy("unmatched incoming payment"))
UNMATCHED_LINE_TASK_RULE = "bank-line-unmatched"
DEFAULT_DAYS = 3
SUGGESTIONS_SHOWN = 3
# (upper bound exclusive, priority); the last applies to everything above.
Priority = FollowUpTask.Priority
PRIORITY_BY_AMOUNT = (
    (Decimal("100"), Priority.LOW),
    (Decimal("1000"), Priority.NORMAL),
    (Decimal("10000"), Priority.HIGH),
)
TOP_PRIORITY = Priority.URGENT


def unmatched_line_task_days() -> int:
    return getattr(settings, "DEBITOR_UNMATCHED_LINE_TASK_DAYS", DEFAULT_DAYS)


def line_task_priority(amount: Decimal) -> int:
    """The task priority (``FollowUpTask.Priority``) for an unmatched line of this amount."""
    for bound, priority in PRIORITY_BY_AMOUNT:
        if amount < bound:
            return priority
    return TOP_PRIORITY


def _line_content_type() -> ContentType:
    return ContentType.objects.get_for_model(BankStatementLine)


def unmatched_lines(*, as_of: datetime, days: int | None = None):
    """The credit lines waiting at least ``days`` days (default: the setting) for a decision and
    without an unmatched-line task (open or closed), oldest first."""
    days = unmatched_line_task_days() if days is None else days
    cutoff = timezone.localdate(as_of) - timedelta(days=days)
    has_task = FollowUpTask.objects.filter(
        kind=UNMATCHED_LINE_TASK_KIND,
        content_type=_line_content_type(),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        BankStatementLine.objects.filter(
            superseded_by__isnull=True,
            status="BOOK",
            credit=True,
            match_status__in=[BankStatementLine.MatchStatus.NEW, BankStatementLine.MatchStatus.REVIEW],
        )
        .annotate(line_date=Coalesce("booking_date", "value_date"))
        .filter(line_date__lte=cutoff)
        .filter(~Exists(has_task))
        .order_by("line_date", "id")
    )


def _suggestions(line: BankStatementLine) -> list[list[BankLineMatch]]:
    """The line's open suggestions grouped by rank (a split suggestion has one row per invoice)."""
    groups: dict[int, list[BankLineMatch]] = {}
    for match in line.open_matches:
        groups.setdefault(match.rank, []).append(match)
    return [groups[rank] for rank in sorted(groups)]


def _target(group: list[BankLineMatch]) -> str:
    invoices = [match.invoice.number for match in group if match.invoice is not None]
    customer = group[0].customer
    who = f"{customer.number} {customer.legal_name}" if customer is not None else ""
    if invoices:
        return _("%(invoices)s (customer %(customer)s)") % {"invoices": ", ".join(invoices), "customer": who}
    return _("customer %(customer)s, not applied to an invoice") % {"customer": who}


def _task_texts(line: BankStatementLine, groups: list[list[BankLineMatch]], days: int) -> tuple[str, str]:
    day = line.booking_date or line.value_date
    payer = line.counterparty_name or line.counterparty_iban or _("unknown payer")
    title = _("Unmatched payment of %(amount)s on %(date)s from %(payer)s") % {
        "amount": money_text(line.amount, line.currency),
        "date": date_text(day),
        "payer": payer,
    }
    parts = [
        _(
            "This money arrived on %(date)s and has waited %(days)s days or more for a decision in the bank "
            "review queue. Accept a suggestion, split it, assign the line to a customer or ignore it with a "
            "reason; that closes this task."
        )
        % {"date": date_text(day), "days": days},
        _("Statement %(statement)s, line %(position)s.")
        % {"statement": line.statement.statement_id, "position": line.position + 1},
        _("Payer: %(name)s, IBAN %(iban)s.")
        % {"name": line.counterparty_name or "–", "iban": line.counterparty_iban or "–"},
    ]
    if line.remittance:
        parts.append(_("Remittance: %(text)s") % {"text": line.remittance})
    if groups:
        parts.append(_("Best suggestions:"))
        for number, group in enumerate(groups[:SUGGESTIONS_SHOWN], start=1):
            parts.append(
                _("%(rank)s. %(target)s, confidence %(confidence)s: %(explanation)s")
                % {
                    "rank": number,
                    "target": _target(group),
                    "confidence": group[0].confidence,
                    "explanation": group[0].explanation_text,
                }
            )
    else:
        parts.append(_("No suggestions: no open invoice or known customer fits this line."))
    return title, "\n".join(parts)


def unmatched_line_tasks_open(*, as_of: datetime, days: int | None = None) -> int:
    """Open one follow-up task (kind ``bank_line_unmatched``) for every credit line that waits
    ``days`` days (default ``settings.DEBITOR_UNMATCHED_LINE_TASK_DAYS``) for a decision; returns
    how many were opened. Idempotent: a line with such a task (open or closed) is skipped, and
    the tasks' constraint (one open task per kind and object) decides a race. The task names the
    best suggestion's customer, so it shows on the customer's page."""
    days = unmatched_line_task_days() if days is None else days
    open_matches = Prefetch(
        "matches",
        queryset=BankLineMatch.objects.filter(decision=BankLineMatch.Decision.NONE)
        .select_related("invoice", "customer")
        .order_by("rank", "id"),
        to_attr="open_matches",
    )
    lines = unmatched_lines(as_of=as_of, days=days).select_related("statement").prefetch_related(open_matches)
    opened = 0
    for line in lines:
        groups = _suggestions(line)
        title, description = _task_texts(line, groups, days)
        customer = next((group[0].customer for group in groups if group[0].customer is not None), None)
        _task, created = followup_open(
            kind=UNMATCHED_LINE_TASK_KIND,
            title=title,
            description=description,
            about=line,
            customer=customer,
            rule=UNMATCHED_LINE_TASK_RULE,
            priority=line_task_priority(line.amount).name.lower(),
            due_date=timezone.localdate(as_of),
            as_of=as_of,
        )
        opened += created
    return opened


def _resolution(line: BankStatementLine, by) -> str:
    """What was decided on the line, in words, for the task's resolution."""
    accepted = list(line.matches.filter(decision=BankLineMatch.Decision.ACCEPTED).select_related("invoice", "customer"))
    if accepted:
        resolution = _("Matched: %(target)s.") % {"target": _target(accepted)}
    elif line.match_status == BankStatementLine.MatchStatus.IGNORED:
        ignored = (
            line.matches.filter(decision=BankLineMatch.Decision.REJECTED, invoice__isnull=True, customer__isnull=True)
            .order_by("-id")
            .first()
        )
        resolution = ignored.explanation_text if ignored is not None else str(line.get_match_status_display())
    else:
        resolution = _("Bank line decided: %(status)s.") % {"status": line.get_match_status_display()}
    if by is not None:
        return f"{resolution} " + _("Decided by %(user)s.") % {"user": by}
    return f"{resolution} " + _("Decided automatically.")


def line_task_close(*, line, as_of: datetime, by=None, decision: str = "") -> None:
    """Close the open "unmatched bank line" task of ``line`` as done, if there is one.

    Called from every matching decision inside the decision's transaction (after the decision is
    written), so the task and the decision commit together. The resolution names the decision
    (the invoices and customer matched, the reason a line was ignored) and who took it; a
    ``decision`` text given by the caller replaces the derived one. No open task: nothing
    happens (one query).
    """
    followups_close_about(
        kind=UNMATCHED_LINE_TASK_KIND,
        about=line,
        as_of=as_of,
        by=by,
        resolution=lambda: decision or _resolution(BankStatementLine.objects.get(pk=line.pk), by),
    )


def line_tasks_move(*, successor_of: dict[int, int]) -> int:
    """The follow-up tasks about intraday lines now confirmed by statement lines go with the
    movement: they are about the successor from now on (their notes and history stay). Returns
    how many moved. Runs inside the import's transaction."""
    if not successor_of:
        return 0
    tasks = FollowUpTask.objects.filter(
        content_type=_line_content_type(), object_id__in=[str(pk) for pk in successor_of]
    ).order_by("pk")
    moved = 0
    for task in tasks:
        task.object_id = str(successor_of[int(task.object_id)])
        task._history_user = None
        task.save(update_fields=["object_id"])
        moved += 1
    return moved


__all__ = [
    "UNMATCHED_LINE_TASK_KIND",
    "UNMATCHED_LINE_TASK_RULE",
    "line_task_close",
    "line_task_priority",
    "line_tasks_move",
    "unmatched_line_tasks_open",
    "unmatched_lines",
]
