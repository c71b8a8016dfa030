"""Demo dunning settings (the lead wires the demo run): the brewery has its payment date agreed by
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
    if stdout is not None:
        stdout.write("Demo dunning: 1 customer with agreed payment date and heads-up, 1 paused.")
