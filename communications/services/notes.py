"""Notes and logged phone calls about a customer: written once, each with its event.

``customer_note_add`` and ``customer_call_log`` validate everything before they write (a clear,
field-named ``ValidationError``; nothing half-saved), then save the ``CustomerNote`` and its event
(``note.added`` / ``call.logged``) in one transaction. The event's data holds the summary under
``note`` (so ``core.events.event_redact`` blanks it), the call's ``outcome`` and its direction
under ``kind`` (both worded by their choice labels in the event's sentence), and the contact's id —
never the contact's name or number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.events import Actor, event_record, scrub_free_text

from ..models import Contact, CustomerNote

SUMMARY_MAX = 5000
# A note about something that will happen is a task, not a note: allow only a little clock skew.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _check(*, customer, contact, summary: str, occurred_at, as_of: datetime, errors: dict) -> str:
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("Write what was noted or said; the summary must not be empty.")]
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = [
            _("The summary has %(length)s characters; at most %(max)s are kept.")
            % {"length": len(summary), "max": SUMMARY_MAX}
        ]
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        errors["occurred_at"] = [_("Give the date and time it happened.")]
    elif occurred_at > as_of + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("It cannot have happened in the future.")]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [
            _("%(contact)s is not a contact of %(customer)s.") % {"contact": contact, "customer": customer.legal_name}
        ]
    return summary


def _record(*, event_type: str, data: dict, errors: dict, summary: str, as_of: datetime, by, **fields) -> CustomerNote:
    """Save the note and its event in one transaction, or refuse with every problem found."""
    if errors:
        raise ValidationError(errors)
    note = CustomerNote(summary=summary, author=by, created_at=as_of, **fields)
    with transaction.atomic():
        note.save(force_insert=True)
        event_record(
            type=event_type,
            obj=note,
            customer_id=note.customer_id,
            data={**data, "note": scrub_free_text(note.summary), "contact": note.contact_id},
            actor=Actor.for_user(by) if by is not None else None,
            at=note.occurred_at,
        )
    return note


def customer_note_add(
    *, customer, summary: str, occurred_at: datetime, as_of: datetime, contact: Contact | None = None, by=None
) -> CustomerNote:
    """Record a note about ``customer`` (optionally about one of its contacts), as ``by`` wrote it."""
    errors: dict[str, list[str]] = {}
    summary = _check(
        customer=customer, contact=contact, summary=summary, occurred_at=occurred_at, as_of=as_of, errors=errors
    )
    return _record(
        event_type="note.added",
        data={},
        errors=errors,
        customer=customer,
        contact=contact,
        kind=CustomerNote.Kind.NOTE,
        occurred_at=occurred_at,
        summary=summary,
        as_of=as_of,
        by=by,
    )


def customer_call_log(
    *,
    customer,
    direction: str,
    outcome: str,
    summary: str,
    occurred_at: datetime,
    as_of: datetime,
    contact: Contact | None = None,
    by=None,
) -> CustomerNote:
    """Record a phone call with ``customer``: who called whom, what came of it, and what was said."""
    errors: dict[str, list[str]] = {}
    summary = _check(
        customer=customer, contact=contact, summary=summary, occurred_at=occurred_at, as_of=as_of, errors=errors
    )
    if direction not in CustomerNote.Direction.values:
        errors["direction"] = [_("Choose whether we called the customer or they called us.")]
    if outcome not in CustomerNote.Outcome.values:
        errors["outcome"] = [
            _("Choose the outcome of the call: %(choices)s.")
            % {"choices": ", ".join(str(label) for label in CustomerNote.Outcome.labels)}
        ]
    return _record(
        event_type="call.logged",
        data={"kind": direction, "outcome": outcome},
        errors=errors,
        customer=customer,
        contact=contact,
        kind=CustomerNote.Kind.CALL,
        direction=direction,
        outcome=outcome,
        occurred_at=occurred_at,
        summary=summary,
        as_of=as_of,
        by=by,
    )
