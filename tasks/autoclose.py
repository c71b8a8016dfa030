"""Tasks close themselves when their cause is resolved, with a resolution saying why.

Listeners on the event log (``core.events.event_listener_register``, registered in
``TasksConfig.ready``): they run in the transaction of the change that resolved the cause, and
know the other apps only by event type names (tasks imports no app above it). Each costs one
query when it finds no open task.

- **Invoice paid** (``invoice.settlement_changed`` to ``paid``): the open tasks about the invoice
  are done ("Invoice paid"), except the kinds in ``KEPT_WHEN_PAID`` — a paid invoice still needs
  its valid e-invoice and its e-mail, and a dispute is closed by its own decision.
- **Bounce fixed** (``contact.changed`` with a new, non-empty e-mail address): the open
  "e-mail bounced" tasks about the contact, or about messages of the customer that went to the
  contact, are done.

Closed elsewhere, in the service that resolves the cause (see README, *Follow-up tasks*): an
unmatched bank line by every matching decision (``payments.bank.followup.line_task_close``), a
failed verification by the next run without a failed check (``customers.services.verification``).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from django.utils.translation import gettext as _

from core.events import event_listener_register
from core.languages import default_language

from .models import FollowUpTask
from .services import task_transition

# Kinds named by the apps that open them (core.followups); tasks knows their names, not the apps.
BOUNCE_KIND = "email_bounced"
KEPT_WHEN_PAID = frozenset({"e_invoice_invalid", "invoice_not_sent", "dispute"})


def _close(tasks, *, as_of, resolution: str) -> int:
    for task in tasks:
        task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=as_of, resolution=resolution)
    return len(tasks)


def _site_words(text_of) -> str:
    # A resolution is stored once and read by the whole team: the site's language.
    with translation.override(default_language()):
        return text_of()


def on_invoice_settlement_changed(events) -> None:
    paid = [event for event in events if (event.data or {}).get("to_state") == "paid" and event.object_id]
    if not paid:
        return
    by_type: dict[int, set[str]] = {}
    for event in paid:
        by_type.setdefault(event.content_type_id, set()).add(str(event.object_id))
    for content_type_id, object_ids in by_type.items():
        tasks = list(
            FollowUpTask.objects.filter(
                content_type_id=content_type_id,
                object_id__in=sorted(object_ids),
                status__in=FollowUpTask.OPEN_STATUSES,
            )
            .exclude(kind__in=KEPT_WHEN_PAID)
            .order_by("pk")
        )
        if tasks:
            _close(tasks, as_of=paid[-1].created_at, resolution=_site_words(lambda: _("Invoice paid.")))


def on_contact_changed(events) -> None:
    changed = [event for event in events if "email" in ((event.data or {}).get("fields") or ()) and event.customer_id]
    if not changed:
        return
    from customers.models import Contact

    tasks = list(
        FollowUpTask.objects.filter(
            kind=BOUNCE_KIND,
            customer_id__in={event.customer_id for event in changed},
            status__in=FollowUpTask.OPEN_STATUSES,
        )
        .select_related("content_type")
        .order_by("pk")
    )
    if not tasks:
        return
    contacts = {
        contact.pk: contact
        for contact in Contact.objects.filter(pk__in={event.object_id for event in changed}).exclude(email="")
    }
    if not contacts:
        return  # the address was removed, not corrected
    contact_type = ContentType.objects.get_for_model(Contact)
    fixed = [task for task in tasks if task.content_type_id == contact_type.pk and int(task.object_id) in contacts]
    about_messages = [task for task in tasks if task.content_type.natural_key() == ("communications", "outboxmessage")]
    if about_messages:
        from communications.models import MessageRecipient

        went_to = dict(
            MessageRecipient.objects.filter(
                message_id__in=[int(task.object_id) for task in about_messages], contact_id__in=list(contacts)
            ).values_list("message_id", "contact_id")
        )
        fixed += [task for task in about_messages if int(task.object_id) in went_to]
    if fixed:
        as_of = changed[-1].created_at
        resolution = _site_words(lambda: _("The contact has a new e-mail address."))
        _close(sorted(fixed, key=lambda task: task.pk), as_of=as_of, resolution=resolution)


def autoclose_register() -> None:
    event_listener_register(["invoice.settlement_changed"], on_invoice_settlement_changed)
    event_listener_register(["contact.changed"], on_contact_changed)
