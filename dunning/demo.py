"""Demo dunning settings and the day's run: the brewery has its payment date agreed by
contract (§ 286 (2) Nr. 1 BGB: default on the due date without a reminder) and wants a heads-up
three days before each due date; the second demo customer's dunning is paused while a question
about a delivery is open. Idempotent: a customer that has settings or a pause is left alone."""

from __future__ import annotations

from datetime import datetime

from customers.models import Customer

from .models import DunningPause, DunningProfile
from .pauses import dunning_pause
from .policies import dunning_settings_save

AGREED = "Brauerei Alpenblick GmbH"


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    customers = list(Customer.objects.order_by("pk")[:2])
    if not customers:
        return
    brewery = Customer.objects.filter(legal_name=AGREED).first() or customers[0]
    if not DunningProfile.objects.filter(customer=brewery).exists():
        dunning_settings_save(
            customer=brewery, policy=None, payment_date_agreed=True, due_date_notice_days=3, as_of=as_of, by=by
        )
    paused = next((c for c in customers if c.pk != brewery.pk), None)
    if paused is not None and not DunningPause.objects.filter(customer=paused).exists():
        dunning_pause(customer=paused, reason="Rückfrage zur Lieferung offen; Kunde meldet sich", as_of=as_of, by=by)
    # The day's run, as beat would start it: reminders for the demo's overdue invoices (idempotent —
    # a second load finds them reminded), each skip with its reason in the run's log.
    from .services import dunning_run

    run = dunning_run(as_of=as_of.date(), by=by, trigger="demo", at=as_of)
    if stdout is not None:
        stdout.write(
            "Demo dunning: 1 customer with agreed payment date and heads-up, 1 paused; "
            f"run of {as_of.date()}: {run.counts.get('reminders', 0)} reminder(s), "
            f"{run.counts.get('skipped', 0)} invoice(s) skipped."
        )
