"""The dunning run: one reminder per customer about every invoice that reached a level, exactly once.

``dunning_run(as_of=, dry_run=False)`` walks the customers with overdue invoices in batches. A real
run claims each batch with ``select_for_update(skip_locked=True)`` on the customers (another run
holding them does them); customers it found busy are taken once more at the end, waiting for the
lock, so a customer locked by a payment for a moment is not left out. For each customer it
decides (``dunning.selection``) and, in a savepoint, writes:

- one ``Reminder`` per currency (normally one) whose highest level decides the letter, its lines
  (``snapshot.ReminderLine`` with the charges of ``charges.charges_plan_many``), its PDF and its
  e-mail queued in the outbox (``message_queue``, recipients of purpose "reminders", every invoice
  linked, the PDF and the letters helper's attachments attached);
- a ``ReminderRecord`` per (invoice, level): the partial unique index refuses a second active one,
  so an ``IntegrityError`` means another run reminded that customer already — it is skipped
  (entry ``already_reminded``), never an error;
- a follow-up task for a level that opens one, the event ``reminder.prepared``;
- a ``DunningRunEntry`` per invoice reminded or skipped, with its reason in words.

Charges (fees, interest) are not created here: the outbox's send gate (``dunning.gate``) re-checks
the amounts under lock just before hand-off and creates them then, or supersedes the reminder.

A dry run writes nothing (it runs inside a transaction that is rolled back) and returns a
``RunReport`` with the same entries and reasons and what each letter would contain.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.events import event_record
from core.locks import note_locked
from core.messages import message, message_define, message_text

from . import charges, documents
from .models import (
    DunningRun,
    DunningRunEntry,
    EntryOutcome,
    RecordStatus,
    Reminder,
    ReminderRecord,
    ReminderStatus,
    RunStatus,
    SkipReason,
)
from .selection import ALREADY_REMINDED, CustomerDecisions, Decision, customers_with_overdue
from .selection import decisions_for as _decisions_for
from .selectors import profiles_of
from .snapshot import ReminderLine, lines_to_json, reminder_total

logger = logging.getLogger(__name__)

FAILED = message_define("dunning.failed", gettext_noop("the reminder could not be prepared: %(error)s"))
REMINDER_CAUSE = "dunning run"
TASK_RULE = "dunning level"


@dataclass
class ReportEntry:
    customer: int
    customer_name: str
    invoice: int | None
    number: str
    level: int | None
    level_name: str
    next_day: date | None
    outcome: str
    skip_reason: str
    reason: dict

    @property
    def reason_text(self) -> str:
        return message_text(self.reason)


@dataclass
class ReportLetter:
    customer: int
    customer_name: str
    level: int
    level_name: str
    language: str
    currency: str
    total: Decimal
    to: list[dict]
    lines: list[dict]  # snapshot.lines_to_json


@dataclass
class RunReport:
    """What a run would do on ``as_of`` (a dry run): nothing of it is stored."""

    as_of: date
    entries: list[ReportEntry] = field(default_factory=list)
    letters: list[ReportLetter] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        """The report for a reader (``run_job --dry-run``): warnings, each letter, each invoice and why."""
        from core.formatting import money_text

        rows = [message_text(warning) for warning in self.warnings]
        for letter in self.letters:
            rows.append(
                f"{letter.customer_name}: {letter.level_name} ({letter.language}), "
                f"{money_text(letter.total, letter.currency)}, to {', '.join(r.get('email', '') for r in letter.to)}"
            )
        for entry in self.entries:
            outcome = EntryOutcome(entry.outcome).label if entry.outcome in EntryOutcome.values else entry.outcome
            rows.append(f"  {entry.customer_name} {entry.number}: {outcome} — {entry.reason_text}".rstrip(" —"))
        rows.append(", ".join(f"{key} {value}" for key, value in sorted(self.counts.items())))
        return "\n".join(rows)


def _run_warnings(as_of: date) -> list[dict]:
    """The interest helper's warning when the current half-year has no reference rate (after merge)."""
    warn = getattr(charges, "missing_rate_warning", None)
    if warn is None:
        return []
    found = warn(as_of=as_of)
    if not found:
        return []
    return list(found) if isinstance(found, list) else [found]


def _plan(batch: list[CustomerDecisions], *, as_of: date) -> tuple[dict, dict]:
    """Default starts and charges of every invoice reminded in the batch (constant queries)."""
    reminded = [(d.invoice, d.next_level) for group in batch for d in group.reminded]
    if not reminded:
        return {}, {}
    customer_ids = [group.customer.pk for group in batch]
    policies = {group.customer.pk: group.policy for group in batch}
    starts = charges.default_starts(
        invoices=[invoice for invoice, _level in reminded],
        policies=policies,
        profiles=profiles_of(customer_ids),
        as_of=as_of,
    )
    # Charges carry notes worded when planned (e.g. the § 288 (5) crediting): planned per letter language.
    language_of = {group.customer.pk: group.customer.language or "de" for group in batch}
    plans = {}
    for language in sorted(set(language_of.values())):
        items = [(invoice, level) for invoice, level in reminded if language_of[invoice.customer_id] == language]
        if items:
            with translation.override(language):
                plans.update(charges.charges_plan_many(items=items, policies=policies, starts=starts, as_of=as_of))
    return starts, plans


def _line(decision: Decision, *, starts: dict, plans: dict) -> ReminderLine:
    invoice = decision.invoice
    start = starts.get(invoice.pk)
    return ReminderLine(
        invoice=invoice.pk,
        number=invoice.number or str(invoice.pk),
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        level=decision.next_level.position,
        gross=invoice.amount_due,
        open=invoice.open_amount,
        currency=invoice.currency,
        default_since=start.day if start is not None else None,
        charges=tuple(plans.get(invoice.pk, ())),
    )


def _letters(group: CustomerDecisions) -> dict[str, list[Decision]]:
    """The reminded invoices per currency (one letter each; nearly always one)."""
    found: dict[str, list[Decision]] = defaultdict(list)
    for decision in group.reminded:
        found[decision.invoice.currency].append(decision)
    return found


def _entry(decision: Decision, *, outcome: str, skip: str = "", reason: dict | None = None) -> ReportEntry:
    invoice = decision.invoice
    level = decision.next_level or decision.last_level
    return ReportEntry(
        customer=invoice.customer_id,
        customer_name=invoice.customer.legal_name,
        invoice=invoice.pk,
        number=invoice.number or str(invoice.pk),
        level=level.position if level is not None else None,
        level_name=level.name if level is not None else "",
        next_day=decision.next_day,
        outcome=outcome,
        skip_reason=skip if skip else decision.skip,
        reason=reason if reason is not None else decision.reason,
    )


def _count(counts: Counter, decisions: list[Decision]) -> None:
    for decision in decisions:
        if decision.reminded:
            continue
        counts[decision.skip or SkipReason.NOT_YET_DUE] += 1
        if decision.due:
            counts["skipped"] += 1


def _stored_entry(run: DunningRun, decision: Decision, **kwargs) -> DunningRunEntry:
    invoice = decision.invoice
    return DunningRunEntry(
        run=run,
        customer_id=invoice.customer_id,
        invoice_id=invoice.pk,
        level=decision.next_level or decision.last_level,
        **kwargs,
    )


# --- The real run -------------------------------------------------------------------------------------
def _prepare_letter(
    *, run: DunningRun, group: CustomerDecisions, decisions: list[Decision], starts, plans, at: datetime
) -> Reminder:
    """One reminder (saved, records, PDF, queued message, task, event). Raises IntegrityError when
    another run holds a record of one of its (invoice, level) pairs."""
    from communications.services.outbox import AttachmentSpec, message_queue
    from core.documents import document_read
    from core.followups import followup_open

    customer = group.customer
    lines = [_line(d, starts=starts, plans=plans) for d in decisions]
    top = max((d.next_level for d in decisions), key=lambda level: level.position)
    currency = decisions[0].invoice.currency
    reminder = Reminder.objects.create(
        run=run,
        customer=customer,
        policy=group.policy,
        level=top,
        language=customer.language or "de",
        currency=currency,
        total=reminder_total(lines),
        lines=lines_to_json(lines),
        created_at=at,
    )
    ReminderRecord.objects.bulk_create(
        ReminderRecord(invoice=d.invoice, level=d.next_level, reminder=reminder, created_at=at) for d in decisions
    )
    pdf = documents.reminder_pdf(reminder, as_of=at)
    mail = documents.reminder_mail(reminder)
    attachments = [
        AttachmentSpec(
            filename=f"reminder-{reminder.pk}.pdf",
            content_type="application/pdf",
            data=document_read(name=pdf.name, sha256=pdf.sha256, label=pdf.name),
            stored_name=pdf.name,
            stored_sha256=pdf.sha256,
        )
    ]
    extra = getattr(documents, "reminder_attachments", None)
    if extra is not None:
        attachments += list(extra(reminder, as_of=at))
    queued = message_queue(
        customer=customer,
        template=mail.template,
        language=reminder.language,
        subject=mail.subject,
        body_text=mail.body_text,
        body_html=mail.body_html,
        to=group.recipients,
        cause=REMINDER_CAUSE,
        subjects=[d.invoice for d in decisions],
        attachments=attachments,
        as_of=at,
        by=run.started_by,
    )
    reminder.message = queued
    reminder.document_name, reminder.document_sha256 = pdf.name, pdf.sha256
    reminder.save(update_fields=["message", "document_name", "document_sha256"])
    for level in sorted({d.next_level for d in decisions if d.next_level.task_kind}, key=lambda lv: lv.position):
        followup_open(
            kind=level.task_kind,
            title=_("%(level)s sent to %(customer)s") % {"level": level.name, "customer": customer.legal_name},
            rule=TASK_RULE,
            as_of=at,
            about=reminder,
            customer=customer,
        )
    event_record(
        type="reminder.prepared",
        obj=reminder,
        customer_id=customer.pk,
        data={"level": top.position, "invoices": [d.invoice.pk for d in decisions], "message": queued.pk},
        at=at,
    )
    return reminder


def _claim(ids: list[int], *, skip_locked: bool) -> list[int]:
    from customers.models import Customer

    claimed = list(
        Customer.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    note_locked(Customer._meta.label, claimed)
    return claimed


def _run_batch(run: DunningRun, ids: list[int], *, at: datetime, counts: Counter, skip_locked: bool) -> list[int]:
    """Claim and remind one batch in one transaction; returns the customers found busy."""
    with transaction.atomic():
        claimed = _claim(ids, skip_locked=skip_locked)
        batch = _decisions_for(claimed, as_of=run.as_of)
        starts, plans = _plan(batch, as_of=run.as_of)
        entries: list[DunningRunEntry] = []
        for group in batch:
            counts["customers"] += 1
            _count(counts, group.decisions)
            entries += [
                _stored_entry(run, d, outcome=EntryOutcome.SKIPPED, skip_reason=d.skip, reason=d.reason)
                for d in group.decisions
                if not d.reminded and d.due
            ]
            for decisions in _letters(group).values():
                try:
                    with transaction.atomic():
                        reminder = _prepare_letter(
                            run=run, group=group, decisions=decisions, starts=starts, plans=plans, at=at
                        )
                except IntegrityError:
                    counts[SkipReason.ALREADY_REMINDED] += len(decisions)
                    counts["skipped"] += len(decisions)
                    entries += [
                        _stored_entry(
                            run,
                            d,
                            outcome=EntryOutcome.SKIPPED,
                            skip_reason=SkipReason.ALREADY_REMINDED,
                            reason=message(
                                ALREADY_REMINDED, number=d.invoice.number or "", level=d.next_level.position
                            ),
                        )
                        for d in decisions
                    ]
                    continue
                except (ValidationError, Exception) as exc:  # noqa: BLE001 - recorded on the run, the next customer goes on
                    logger.warning("dunning run %s: customer %s failed: %s", run.pk, group.customer.pk, exc)
                    error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    counts["failed"] += len(decisions)
                    entries += [
                        _stored_entry(run, d, outcome=EntryOutcome.FAILED, reason=message(FAILED, error=error[:400]))
                        for d in decisions
                    ]
                    continue
                counts["reminders"] += 1
                counts["reminded"] += len(decisions)
                entries += [
                    _stored_entry(run, d, outcome=EntryOutcome.REMINDED, reminder=reminder, reason=d.reason)
                    for d in decisions
                ]
        DunningRunEntry.objects.bulk_create(entries)
    return sorted(set(ids) - set(claimed))


def dunning_run(
    *,
    as_of: date,
    dry_run: bool = False,
    by=None,
    trigger: str = "",
    batch_size: int = 200,
    at: datetime | None = None,
) -> DunningRun | RunReport:
    """Remind every customer whose invoices reached a level on ``as_of`` (see the module docstring).

    ``at`` stamps what is written (default: now). Idempotent: a second run on the same day, or
    runs at the same time, remind each (invoice, level) once. Returns the finished ``DunningRun``
    (``counts``, ``warnings``, ``entries``), or for ``dry_run`` a ``RunReport`` (nothing written).
    A moment (``run_job``, beat) runs for its local day in ``TIME_ZONE`` and stamps with it."""
    if isinstance(as_of, datetime):
        at = at or as_of
        as_of = timezone.localdate(as_of)
    if not isinstance(as_of, date):
        raise ValidationError({"as_of": [_("Give the day of the run as a date.")]})
    if batch_size < 1:
        raise ValidationError({"batch_size": [_("The batch size must be at least 1.")]})
    if dry_run:
        return dunning_dry_run(as_of=as_of, batch_size=batch_size)
    at = at or timezone.now()
    run = DunningRun.objects.create(
        as_of=as_of, started_at=at, started_by=by, trigger=trigger[:40], warnings=_run_warnings(as_of)
    )
    counts: Counter = Counter()
    busy: list[int] = []
    try:
        after = 0
        while ids := customers_with_overdue(as_of=as_of, after=after, limit=batch_size):
            after = ids[-1]
            busy += _run_batch(run, ids, at=at, counts=counts, skip_locked=True)
        for start in range(0, len(busy), batch_size):
            _run_batch(run, busy[start : start + batch_size], at=at, counts=counts, skip_locked=False)
    except Exception:
        run.status, run.finished_at, run.counts = RunStatus.FAILED, timezone.now(), dict(counts)
        run.save(update_fields=["status", "finished_at", "counts"])
        raise
    run.status, run.finished_at, run.counts = RunStatus.FINISHED, timezone.now(), dict(counts)
    with transaction.atomic():
        run.save(update_fields=["status", "finished_at", "counts"])
        event_record(type="dunning.run_finished", obj=run, data={"as_of": as_of.isoformat(), **run.counts}, at=at)
    return run


# --- The dry run -----------------------------------------------------------------------------------------
def _report_batch(report: RunReport, batch: list[CustomerDecisions], counts: Counter) -> None:
    starts, plans = _plan(batch, as_of=report.as_of)
    for group in batch:
        counts["customers"] += 1
        _count(counts, group.decisions)
        for decision in group.decisions:
            outcome = EntryOutcome.WOULD_SEND if decision.reminded else EntryOutcome.SKIPPED
            report.entries.append(_entry(decision, outcome=outcome))
        for currency, decisions in _letters(group).items():
            lines = [_line(d, starts=starts, plans=plans) for d in decisions]
            top = max((d.next_level for d in decisions), key=lambda level: level.position)
            counts["reminders"] += 1
            counts["reminded"] += len(decisions)
            report.letters.append(
                ReportLetter(
                    customer=group.customer.pk,
                    customer_name=group.customer.legal_name,
                    level=top.position,
                    level_name=top.name,
                    language=group.customer.language or "de",
                    currency=currency,
                    total=reminder_total(lines),
                    to=group.recipients,
                    lines=lines_to_json(lines),
                )
            )


def dunning_dry_run(*, as_of: date, batch_size: int = 200, customer_ids: list[int] | None = None) -> RunReport:
    """What ``dunning_run`` would do on ``as_of``: the same decisions, nothing written (the work runs
    in a transaction that is always rolled back, so not even a helper's write could stay)."""
    report = RunReport(as_of=as_of, warnings=_run_warnings(as_of))
    counts: Counter = Counter()
    with transaction.atomic():
        if customer_ids is not None:
            for start in range(0, len(customer_ids), batch_size):
                _report_batch(report, _decisions_for(customer_ids[start : start + batch_size], as_of=as_of), counts)
        else:
            after = 0
            while ids := customers_with_overdue(as_of=as_of, after=after, limit=batch_size):
                after = ids[-1]
                _report_batch(report, _decisions_for(ids, as_of=as_of), counts)
        transaction.set_rollback(True)
    report.counts = dict(counts)
    return report


# --- Hand-off: the send gate's callbacks (registered in dunning.gate) -------------------------------
def reminder_confirm(*, reminder: Reminder, as_of: datetime) -> None:
    """The reminder goes out: create its charges (the caller holds the invoices' locks), mark it sent."""
    from .snapshot import lines_from_json

    for line in lines_from_json(reminder.lines):
        charges.charges_record(reminder=reminder, line=line, as_of=as_of)
    reminder.status, reminder.decided_at = ReminderStatus.SENT, as_of
    reminder.save(update_fields=["status", "decided_at"])
    event_record(type="reminder.sent", obj=reminder, customer_id=reminder.customer_id, data={}, at=as_of)


def reminder_supersede(
    *, reminder: Reminder, reason: str, as_of: datetime, status: str = ReminderStatus.SUPERSEDED
) -> None:
    """The reminder is out of date (or its e-mail was cancelled by a person, ``status`` cancelled) and
    not sent: its records are released so the next run reminds again."""
    reminder.status, reminder.decided_at = status, as_of
    reminder.superseded_reason = reason[:500]
    reminder.save(update_fields=["status", "decided_at", "superseded_reason"])
    ReminderRecord.objects.filter(reminder=reminder, status=RecordStatus.ACTIVE).update(
        status=RecordStatus.RELEASED, released_at=as_of
    )
    DunningRunEntry.objects.filter(reminder=reminder, outcome=EntryOutcome.REMINDED).update(
        outcome=EntryOutcome.SUPERSEDED
    )
    if status == ReminderStatus.CANCELLED:
        event_record(
            type="reminder.cancelled", obj=reminder, customer_id=reminder.customer_id, data={"reason": reason}, at=as_of
        )
    else:
        event_record(type="reminder.superseded", obj=reminder, customer_id=reminder.customer_id, data={}, at=as_of)
