"""The outbox's send gate for reminders: just before hand-off, under lock, are the amounts the
letter states still true? A payment, credit note or allocation since the run changed an invoice's
open amount or an earlier charge's → the message is ``superseded`` (not sent), the reminder too,
its records released so the next run reminds with the new amounts. Otherwise the reminder's
charges are created (``charges.charges_record``) and it is marked sent.

Lock order: the invoices, the earlier charges' open items, the reminder's records (all before the
outbox message, which ``message_send`` locks after ``check``)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from communications.services.outbox import SendGate, send_gate_register
from core.formatting import money_text
from core.locks import lock_rows

from .models import RecordStatus, Reminder, ReminderRecord, ReminderStatus
from .snapshot import lines_from_json

# The levels' templates (``documents.MAIL_TEMPLATES``: payment_reminder, dunning_notice,
# final_notice) and any template a later one names "reminder…"/"dunning…". The gate finds the
# reminder by its message, so a message of these templates that is no reminder passes unchecked.
TEMPLATE_PREFIXES = ("reminder", "dunning")


def _reminder_of(message_id: int) -> Reminder | None:
    return Reminder.objects.filter(message_id=message_id).select_related("level").first()


def reminder_outdated(reminder: Reminder) -> str:
    """Lock what the reminder states and say in words what changed ("" when nothing did)."""
    from invoicing.models import DocumentStatus, Invoice
    from payments.models import OpenItem

    if reminder.status != ReminderStatus.QUEUED:
        return _("the reminder is %(status)s") % {"status": reminder.get_status_display()}
    lines = lines_from_json(reminder.lines)
    invoices = lock_rows(Invoice, [line.invoice for line in lines])
    items = lock_rows(OpenItem, [c.item for line in lines for c in line.charges if c.item and not c.new])
    lock_rows(ReminderRecord, list(reminder.records.filter(status=RecordStatus.ACTIVE).values_list("pk", flat=True)))
    changes = []
    for line in lines:
        invoice = invoices.get(line.invoice)
        if invoice is None or invoice.status != DocumentStatus.ISSUED:
            changes.append(_("invoice %(number)s is no longer issued") % {"number": line.number})
            continue
        if invoice.open_amount != line.open:
            changes.append(
                _("invoice %(number)s: %(then)s open when the reminder was prepared, %(now)s now")
                % {
                    "number": line.number,
                    "then": money_text(line.open, line.currency),
                    "now": money_text(invoice.open_amount, line.currency),
                }
            )
        for charge in line.charges:
            if charge.new or not charge.item:
                continue
            item = items.get(charge.item)
            now = item.open_amount if item is not None else None
            if now != charge.amount:
                changes.append(
                    _("invoice %(number)s: a charge of %(then)s is now %(now)s open")
                    % {
                        "number": line.number,
                        "then": money_text(charge.amount, line.currency),
                        "now": money_text(now or 0, line.currency),
                    }
                )
    return "; ".join(changes)


def _check(*, message_id: int, as_of: datetime) -> str | None:
    reminder = _reminder_of(message_id)
    if reminder is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):  # stored on the message and the reminder
        return reminder_outdated(reminder) or None


def _confirm(*, message, as_of: datetime) -> None:
    from .services import reminder_confirm

    reminder = _reminder_of(message.pk)
    if reminder is not None:
        reminder_confirm(reminder=reminder, as_of=as_of)


def _supersede(*, message, reason: str, as_of: datetime) -> None:
    from .services import reminder_supersede

    reminder = _reminder_of(message.pk)
    if reminder is not None and reminder.status == ReminderStatus.QUEUED:
        reminder_supersede(reminder=reminder, reason=reason, as_of=as_of)


def _cancelled(*, message, reason: str, as_of: datetime) -> None:
    """A person stopped the queued reminder: it is cancelled and its records released (the next run
    reminds again unless the invoice is paused or settled by then)."""
    from .services import reminder_supersede

    reminder = Reminder.objects.select_for_update().filter(message_id=message.pk).first()
    if reminder is not None and reminder.status == ReminderStatus.QUEUED:
        reminder_supersede(reminder=reminder, reason=reason, as_of=as_of, status=ReminderStatus.CANCELLED)


REMINDER_GATE = SendGate(check=_check, confirm=_confirm, supersede=_supersede, cancelled=_cancelled)


def register() -> None:
    from .documents import MAIL_TEMPLATES

    for prefix in (*TEMPLATE_PREFIXES, *MAIL_TEMPLATES):
        send_gate_register(prefix, REMINDER_GATE)
