"""Pausing dunning for one invoice or one customer, with a reason, until a day or until resumed.

A pause is a person's decision ("customer called, pays next week", "invoice under review"); the
run skips what it covers (``dunning.selectors``) and says why. One open pause per target: the
database refuses a second (partial unique indexes), and the services say so first, naming the
field (``PauseConflict``: API 409). Each pause and resume is an event (``dunning.paused``,
``dunning.resumed``) for the customer's timeline and the webhooks.
"""

from __future__ import annotations

from datetime import date, datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import event_record
from core.locks import lock_rows

from .models import DunningPause

MAX_REASON = 255


class PauseConflict(ValidationError):
    """The target already has an open pause, or the pause has already ended: API 409. Still a
    ValidationError keyed by ``field``, so the admin shows it beside the form."""

    type_slug = "dunning-pause-conflict"

    def __init__(self, message: str, *, field: str):
        super().__init__({field: [ValidationError(message, code="conflict")]})
        self.text = message

    def __str__(self) -> str:
        return self.text


def _reason(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({field: [_("Give a reason: it is shown wherever the pause is.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError({field: [_("The reason is at most %(max)d characters long.") % {"max": MAX_REASON}]})
    return reason


def _actor(by):
    return by if getattr(by, "pk", None) else None


def open_pause_of(*, customer=None, invoice=None) -> DunningPause | None:
    """The open (not resumed) pause of a customer or an invoice, if any."""
    pauses = DunningPause.objects.filter(ended_at__isnull=True)
    if customer is not None:
        return pauses.filter(customer=customer).first()
    return pauses.filter(invoice=invoice).first()


def dunning_pause(
    *, customer=None, invoice=None, reason: str, until: date | None = None, as_of: datetime, by=None
) -> DunningPause:
    """Pause dunning for ``customer`` or ``invoice`` (exactly one), with a reason, until a day
    (inclusive) or until resumed. 400 naming the field for a missing reason, both or no target, a
    draft or cancelled invoice, ``until`` in the past; 409 (``PauseConflict``) when the target
    already has an open pause. The target's row is locked, so two clicks make one pause."""
    from customers.models import Customer
    from invoicing.models import DocumentStatus, Invoice

    reason = _reason(reason)
    if (customer is None) == (invoice is None):
        raise ValidationError({"customer": [_("Pause either a customer or an invoice, not both or neither.")]})
    today = timezone.localdate(as_of)
    if until is not None and until < today:
        raise ValidationError({"until": [_("The pause cannot end in the past.")]})
    with transaction.atomic():
        if customer is not None:
            target = lock_rows(Customer, [getattr(customer, "pk", customer)]).get(getattr(customer, "pk", customer))
            if target is None:
                raise ValidationError({"customer": [_("This customer does not exist.")]})
            field, customer_id = "customer", target.pk
        else:
            target = lock_rows(Invoice, [getattr(invoice, "pk", invoice)]).get(getattr(invoice, "pk", invoice))
            if target is None:
                raise ValidationError({"invoice": [_("This invoice does not exist.")]})
            if target.status != DocumentStatus.ISSUED:
                raise ValidationError({"invoice": [_("Only an issued invoice is dunned, so only it can be paused.")]})
            field, customer_id = "invoice", target.customer_id
        if DunningPause.objects.filter(ended_at__isnull=True, **{field: target}).exists():
            raise PauseConflict(
                _("Dunning is already paused for %(target)s; resume that pause first.") % {"target": str(target)},
                field=field,
            )
        try:
            with transaction.atomic():
                pause = DunningPause.objects.create(
                    **{field: target}, reason=reason, until=until, created_at=as_of, created_by=_actor(by)
                )
        except IntegrityError as exc:  # a pause made by someone not taking the lock (cannot happen here)
            raise PauseConflict(
                _("Dunning is already paused for %(target)s.") % {"target": str(target)}, field=field
            ) from exc
        event_record(
            type="dunning.paused",
            obj=target,
            customer_id=customer_id,
            data={"pause": pause.pk, "reason": reason, "until": until.isoformat() if until else None},
            at=as_of,
        )
    return pause


def dunning_resume(*, pause: DunningPause, reason: str, as_of: datetime, by=None) -> DunningPause:
    """End an open pause with a reason: the next run reminds what it covered again. 409
    (``PauseConflict``) when the pause has already ended."""
    reason = _reason(reason)
    with transaction.atomic():
        # The target first (as pausing does), then the pause: a resume and a new pause queue up.
        label, pk = (
            ("customers.Customer", pause.customer_id) if pause.customer_id else ("invoicing.Invoice", pause.invoice_id)
        )
        lock_rows(apps.get_model(label), [pk])
        pause = (
            DunningPause.objects.select_for_update(of=("self",)).select_related("customer", "invoice").get(pk=pause.pk)
        )
        if pause.ended_at is not None:
            raise PauseConflict(_("This pause has already been resumed."), field="status")
        pause.ended_at = as_of
        pause.ended_by = _actor(by)
        pause.end_reason = reason
        pause.save(update_fields=["ended_at", "ended_by", "end_reason"])
        target = pause.customer or pause.invoice
        event_record(
            type="dunning.resumed",
            obj=target,
            customer_id=pause.customer_id or pause.invoice.customer_id,
            data={"pause": pause.pk, "reason": reason},
            at=as_of,
        )
    return pause
