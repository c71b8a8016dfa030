"""Fees, the € 40 flat fee and default interest a reminder charges (§§ 286, 288 BGB).

CONTRACT (issue 19). This skeleton version charges only each level's fee and knows no default;
the interest part replaces the bodies, keeping the signatures:

- ``default_starts(invoices=, policies=, profiles=, as_of=)`` → {invoice id: DefaultStart | None}:
  the day default began (§ 286 BGB) as of ``as_of``, and on what basis; a constant number of queries.
- ``charges_plan_many(items=[(invoice, level)], policies=, starts=, as_of=)`` → {invoice id: [Charge]}:
  the charges a reminder at ``level`` lists for the invoice: earlier charges still open (``new=False``)
  and the ones it adds (``new=True``); a constant number of queries.
- ``charges_record(reminder=, line=, as_of=)`` → [OpenItem]: creates the open items (and interest
  periods, ``ReminderCharge`` rows) of ``line``'s new charges; the caller holds the invoice's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from payments.models import OpenItem, OpenItemKind

from .models import DunningLevel, DunningPolicy, ReminderCharge
from .snapshot import Charge, ReminderLine


@dataclass(frozen=True)
class DefaultStart:
    day: date  # the first day of default
    basis: str  # "agreed_date", "reminder", "thirty_days"


def default_starts(*, invoices, policies: dict, profiles: dict, as_of: date) -> dict[int, DefaultStart | None]:
    return {invoice.pk: None for invoice in invoices}


def charges_plan_many(
    *,
    items: list[tuple[object, DunningLevel]],
    policies: dict[int, DunningPolicy],
    starts: dict[int, DefaultStart | None],
    as_of: date,
) -> dict[int, list[Charge]]:
    return {
        invoice.pk: ([Charge(kind=OpenItemKind.DUNNING_FEE, amount=level.fee, new=True)] if level.fee > 0 else [])
        for invoice, level in items
    }


def charges_record(*, reminder, line: ReminderLine, as_of: datetime) -> list[OpenItem]:
    created = []
    for charge in line.charges:
        if not charge.new:
            continue
        item = OpenItem.objects.create(
            customer_id=reminder.customer_id,
            kind=charge.kind,
            invoice_id=line.invoice,
            description=_("Dunning fee for invoice %(number)s") % {"number": line.number},
            currency=line.currency,
            amount=charge.amount,
            open_amount=charge.amount,
            due_date=as_of.date(),
            created_at=as_of,
        )
        ReminderCharge.objects.create(reminder=reminder, invoice_id=line.invoice, item=item)
        created.append(item)
    return created
