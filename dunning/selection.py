"""Which overdue invoices reach which level, and which must not be reminded and why.

``decisions_for(customer_ids, as_of=)`` decides for a batch of customers with a constant number of
queries (not one per customer or invoice): every issued invoice of theirs that is open and past its
due date, its policy, the last level it reached (the active ``ReminderRecord``), the next level and
the day it falls due, and a ``SkipReason`` with a stored message (``core.messages``) saying why in
words, with dates. The run (``dunning.services``), its dry run and the state API read the same
decisions, so what the preview shows is what the run does.

When a level falls due: ``level.days`` after the due date (``counted_from = due_date``) or after the
day the previous level's reminder was *sent* (``previous``); a previous reminder still waiting to be
sent holds the next level back. Levels are never jumped: an invoice reaches level 2 only after
level 1 was sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.messages import Money, message, message_define
from core.privacy import Restrictions

from .models import (
    DunningLevel,
    DunningPause,
    DunningPolicy,
    LevelBasis,
    RecordStatus,
    ReminderRecord,
    ReminderStatus,
    SkipReason,
)
from .selectors import paused_customers, paused_invoices, policies_of

REMINDER_PURPOSE = "reminders"

# --- The words of each decision (stored codes, worded when read) ---------------------------------
DUE = message_define("dunning.due", gettext_noop("level %(level)s (%(name)s) due since %(day)s"))
NOT_YET_DUE = message_define("dunning.not_yet_due", gettext_noop("level %(level)s (%(name)s) falls due on %(day)s"))
WAITING_FOR_PREVIOUS = message_define(
    "dunning.previous_not_sent", gettext_noop("the reminder of level %(level)s has not been sent yet")
)
LAST_LEVEL = message_define("dunning.last_level", gettext_noop("the last level %(level)s (%(name)s) was reached"))
NO_LEVELS = message_define("dunning.no_levels", gettext_noop("the policy %(policy)s has no levels"))
NO_POLICY = message_define("dunning.no_policy", gettext_noop("no dunning policy applies (no default policy)"))
DISPUTED = message_define("dunning.disputed", gettext_noop("invoice %(number)s is disputed"))
PROMISED = message_define(
    "dunning.promised", gettext_noop("invoice %(number)s is under a promise to pay until %(until)s")
)
COLLECTION = message_define(
    "dunning.collection_pending", gettext_noop("a SEPA direct debit of invoice %(number)s is pending")
)
DESIGNATION = message_define(
    "dunning.designation_pending",
    gettext_noop("a payment naming invoice %(number)s waits for a decision on the order the payer designated"),
)
BANK_LINE = message_define(
    "dunning.bank_line_pending",
    gettext_noop("a bank line of %(day)s matched to invoice %(number)s is not yet applied"),
)
DELIVERY_FAILED = message_define(
    "dunning.delivery_failed",
    gettext_noop("the e-mail of invoice %(number)s did not arrive (bounced or failed); fix the delivery first"),
)
CUSTOMER_BLOCKED = message_define("dunning.customer_blocked", gettext_noop("dunning is blocked: %(reason)s"))
CUSTOMER_PAUSED = message_define(
    "dunning.customer_paused", gettext_noop("dunning of the customer is paused until %(until)s: %(reason)s")
)
CUSTOMER_PAUSED_OPEN = message_define(
    "dunning.customer_paused_open", gettext_noop("dunning of the customer is paused until resumed: %(reason)s")
)
INVOICE_PAUSED = message_define(
    "dunning.invoice_paused", gettext_noop("dunning of invoice %(number)s is paused until %(until)s: %(reason)s")
)
INVOICE_PAUSED_OPEN = message_define(
    "dunning.invoice_paused_open",
    gettext_noop("dunning of invoice %(number)s is paused until resumed: %(reason)s"),
)
BELOW_MINIMUM = message_define(
    "dunning.below_minimum", gettext_noop("%(open)s open is below the policy's minimum of %(minimum)s")
)
NO_RECIPIENT = message_define(
    "dunning.no_recipient", gettext_noop("no contact with a deliverable e-mail address receives reminders")
)
RESTRICTED = message_define("dunning.restricted", gettext_noop("the customer may not be written to: %(reason)s"))
ALREADY_REMINDED = message_define(
    "dunning.already_reminded", gettext_noop("another run reminded invoice %(number)s at level %(level)s already")
)


@dataclass
class Decision:
    """What dunning makes of one overdue invoice on ``as_of``."""

    invoice: object  # invoicing.Invoice (with .customer)
    policy: DunningPolicy | None
    last_level: DunningLevel | None  # the highest level reached (an active record)
    next_level: DunningLevel | None
    next_day: date | None  # the day ``next_level`` falls (or fell) due; None: not known yet
    due: bool  # the next level is due on ``as_of``
    skip: str = ""  # a SkipReason value; "" when it is reminded
    reason: dict = field(default_factory=dict)  # a stored message: why (reminded or skipped)
    recipients: list[dict] = field(default_factory=list)

    @property
    def reminded(self) -> bool:
        return self.due and not self.skip


@dataclass
class CustomerDecisions:
    customer: object
    policy: DunningPolicy | None
    decisions: list[Decision]
    recipients: list[dict]

    @property
    def reminded(self) -> list[Decision]:
        return [d for d in self.decisions if d.reminded]


def _overdue_invoices(customer_ids: list[int], as_of: date):
    """Issued invoices (not credit notes) of the customers, open and past due on ``as_of``, with
    ``delivery_failed`` annotated: no receipt known and every invoice mail bounced or failed."""
    from communications.models import MessageStatus
    from communications.selectors import messages_about
    from invoicing.models import DocumentStatus, DocumentType, Invoice
    from invoicing.services.receipts import INVOICE_MAILS

    mails = messages_about(Invoice, object_id=OuterRef("pk")).filter(template__in=INVOICE_MAILS)
    failed = mails.filter(status__in=(MessageStatus.BOUNCED, MessageStatus.FAILED))
    not_failed = mails.exclude(status__in=(MessageStatus.BOUNCED, MessageStatus.FAILED, MessageStatus.CANCELLED))
    return (
        Invoice.objects.filter(
            customer_id__in=customer_ids,
            status=DocumentStatus.ISSUED,
            document_type=DocumentType.INVOICE,
            open_amount__gt=0,
            due_date__lt=as_of,
        )
        .annotate(delivery_failed=Exists(failed) & ~Exists(not_failed))
        .select_related("customer")
        .order_by("customer_id", "due_date", "pk")
    )


def _levels_of(policies: Iterable[DunningPolicy | None]) -> dict[int, list[DunningLevel]]:
    ids = {p.pk for p in policies if p is not None}
    levels: dict[int, list[DunningLevel]] = defaultdict(list)
    for level in DunningLevel.objects.filter(policy_id__in=ids).order_by("policy_id", "position"):
        levels[level.policy_id].append(level)
    return levels


def _active_records(invoice_ids: list[int]) -> dict[int, ReminderRecord]:
    """Each invoice's highest active record (with its level and reminder)."""
    found: dict[int, ReminderRecord] = {}
    rows = ReminderRecord.objects.filter(invoice_id__in=invoice_ids, status=RecordStatus.ACTIVE).select_related(
        "level", "reminder"
    )
    for record in rows:
        known = found.get(record.invoice_id)
        if known is None or record.level.position > known.level.position:
            found[record.invoice_id] = record
    return found


def _recipients_many(customer_ids: list[int], restrictions: dict[int, Restrictions]) -> dict[int, list[dict]]:
    """``communications.message_recipients(purpose="reminders")`` for many customers in one query."""
    from communications.registry import purpose_named
    from customers.models import Contact

    flag = purpose_named(REMINDER_PURPOSE).contact_flag
    contacts = (
        Contact.objects.filter(customer_id__in=customer_ids, email_invalid_since__isnull=True, **{flag: True})
        .exclude(email="")
        .order_by("customer_id", "name", "id")
        .values_list("customer_id", "pk", "name", "email")
    )
    found: dict[int, list[dict]] = defaultdict(list)
    seen: dict[int, set[str]] = defaultdict(set)
    for customer_id, contact_id, name, email in contacts:
        limits = restrictions.get(customer_id)
        if limits is not None and limits.reason_for(contact_id=contact_id, address=email):
            continue
        if email.lower() in seen[customer_id]:
            continue
        seen[customer_id].add(email.lower())
        found[customer_id].append({"name": name, "email": email, "contact_id": contact_id})
    return found


def _restrictions_many(customer_ids: list[int]) -> dict[int, Restrictions]:
    if not apps.is_installed("privacy"):
        return {}
    from privacy.selectors import restrictions_of_many

    return restrictions_of_many(customer_ids)


def _pause_message(pause: DunningPause, *, code_until: str, code_open: str, **params) -> dict:
    if pause.until:
        return message(code_until, until=pause.until, reason=pause.reason, **params)
    return message(code_open, reason=pause.reason, **params)


def _next(levels: list[DunningLevel], record: ReminderRecord | None, invoice) -> tuple:
    """(next level, the day it falls due or None, a message when it cannot be known yet).

    After a level was reached, the next one waits until that reminder was sent; counted from the
    due date it also keeps the configured distance to the day the previous one was sent (a run
    after a long pause never sends two levels days apart)."""
    position = record.level.position if record is not None else 0
    following = [level for level in levels if level.position > position]
    if not following:
        return None, None, None
    level = following[0]
    from_due = invoice.due_date + timedelta(days=level.days)
    if record is None:
        return level, from_due, None
    sent_at = record.reminder.decided_at if record.reminder.status == ReminderStatus.SENT else None
    if sent_at is None:
        return level, None, message(WAITING_FOR_PREVIOUS, level=record.level.position)
    sent_day = timezone.localdate(sent_at)
    if level.counted_from == LevelBasis.PREVIOUS:
        return level, sent_day + timedelta(days=level.days), None
    distance = max(level.days - record.level.days, 1)
    return level, max(from_due, sent_day + timedelta(days=distance)), None


def decisions_for(customer_ids: Iterable[int], *, as_of: date) -> list[CustomerDecisions]:
    """Decide for every overdue invoice of the customers (see the module docstring).

    A constant number of queries, whatever the number of customers and invoices."""
    from casework.selectors import invoices_disputed, open_promise_deadlines
    from payments.selectors import invoices_bank_line_pending
    from payments.services.designation import pending_designation_invoices
    from sepa.selectors import invoices_collection_pending

    ids = sorted(set(customer_ids))
    invoices = list(_overdue_invoices(ids, as_of))
    if not invoices:
        return []
    customer_of = {invoice.customer_id: invoice.customer for invoice in invoices}
    ids = sorted(customer_of)
    invoice_ids = [invoice.pk for invoice in invoices]
    policies = policies_of(ids)
    levels = _levels_of(policies.values())
    records = _active_records(invoice_ids)
    disputed = invoices_disputed(invoice_ids)
    promised = open_promise_deadlines(invoice_ids, as_of=as_of)
    collecting = invoices_collection_pending(invoice_ids)
    bank_pending = invoices_bank_line_pending(invoice_ids)
    designated = pending_designation_invoices(invoice_ids=invoice_ids)
    invoice_pauses = paused_invoices(invoice_ids, as_of=as_of)
    customer_pauses = paused_customers(ids, as_of=as_of)
    restrictions = _restrictions_many(ids)
    recipients = _recipients_many(ids, restrictions)

    by_customer: dict[int, list[Decision]] = defaultdict(list)
    for invoice in invoices:
        customer = invoice.customer
        policy = policies.get(invoice.customer_id)
        number = invoice.number or str(invoice.pk)
        record = records.get(invoice.pk)
        decision = Decision(
            invoice=invoice,
            policy=policy,
            last_level=record.level if record is not None else None,
            next_level=None,
            next_day=None,
            due=False,
        )
        by_customer[invoice.customer_id].append(decision)
        if policy is None:
            decision.skip, decision.reason = SkipReason.NOT_YET_DUE, message(NO_POLICY)
            continue
        policy_levels = levels.get(policy.pk, [])
        if not policy_levels:
            decision.skip, decision.reason = SkipReason.NOT_YET_DUE, message(NO_LEVELS, policy=policy.name)
            continue
        level, day, waiting = _next(policy_levels, record, invoice)
        decision.next_level, decision.next_day = level, day
        decision.due = day is not None and day <= as_of
        # Why not, in the order a credit controller asks: the customer, then the invoice, then the level.
        restricted = restrictions.get(invoice.customer_id)
        skip = ""
        if customer.dunning_blocked:
            skip, why = SkipReason.CUSTOMER_BLOCKED, message(CUSTOMER_BLOCKED, reason=customer.dunning_block_reason)
        elif invoice.customer_id in customer_pauses:
            skip = SkipReason.CUSTOMER_PAUSED
            why = _pause_message(
                customer_pauses[invoice.customer_id], code_until=CUSTOMER_PAUSED, code_open=CUSTOMER_PAUSED_OPEN
            )
        elif restricted is not None and restricted.customer:
            skip, why = SkipReason.RESTRICTED, message(RESTRICTED, reason=restricted.customer)
        elif invoice.pk in disputed:
            skip, why = SkipReason.DISPUTED, message(DISPUTED, number=number)
        elif invoice.pk in promised:
            skip, why = SkipReason.PROMISED, message(PROMISED, number=number, until=promised[invoice.pk])
        elif invoice.pk in collecting:
            skip, why = SkipReason.COLLECTION_PENDING, message(COLLECTION, number=number)
        elif invoice.pk in bank_pending:
            skip, why = SkipReason.BANK_LINE_PENDING, message(BANK_LINE, number=number, day=bank_pending[invoice.pk])
        elif invoice.pk in designated:
            skip, why = SkipReason.DESIGNATION_PENDING, message(DESIGNATION, number=number)
        elif invoice.delivery_failed and invoice.received_on is None:
            skip, why = SkipReason.DELIVERY_FAILED, message(DELIVERY_FAILED, number=number)
        elif invoice.pk in invoice_pauses:
            skip = SkipReason.INVOICE_PAUSED
            why = _pause_message(
                invoice_pauses[invoice.pk], code_until=INVOICE_PAUSED, code_open=INVOICE_PAUSED_OPEN, number=number
            )
        elif invoice.open_amount < policy.minimum_amount:
            skip = SkipReason.BELOW_MINIMUM
            why = message(
                BELOW_MINIMUM,
                open=Money(invoice.open_amount, invoice.currency),
                minimum=Money(Decimal(policy.minimum_amount), invoice.currency),
            )
        elif level is None:
            last = record.level
            skip, why = SkipReason.LAST_LEVEL, message(LAST_LEVEL, level=last.position, name=last.name)
        elif waiting is not None:
            skip, why = SkipReason.NOT_YET_DUE, waiting
        elif not decision.due:
            skip, why = SkipReason.NOT_YET_DUE, message(NOT_YET_DUE, level=level.position, name=level.name, day=day)
        elif not recipients.get(invoice.customer_id):
            skip, why = SkipReason.NO_RECIPIENT, message(NO_RECIPIENT)
        else:
            why = message(DUE, level=level.position, name=level.name, day=day)
        decision.skip, decision.reason = skip, why
        decision.recipients = recipients.get(invoice.customer_id, [])

    return [
        CustomerDecisions(
            customer=customer_of[customer_id],
            policy=policies.get(customer_id),
            decisions=by_customer[customer_id],
            recipients=recipients.get(customer_id, []),
        )
        for customer_id in ids
    ]


def customers_with_overdue(*, as_of: date, after: int = 0, limit: int | None = None) -> list[int]:
    """Ids of customers with an issued invoice open and past due on ``as_of``, ascending, after ``after``."""
    from invoicing.models import DocumentStatus, DocumentType, Invoice

    rows = (
        Invoice.objects.filter(
            status=DocumentStatus.ISSUED,
            document_type=DocumentType.INVOICE,
            open_amount__gt=0,
            due_date__lt=as_of,
            customer_id__gt=after,
        )
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return list(rows[:limit] if limit else rows)
