"""Reads of the platform's tables."""

from __future__ import annotations

from django.db.models import Q

from .models import Event

CUSTOMER_EVENTS_MAX = 200


def customer_events(customer_id: int, *, before: Event | None = None, limit: int = 50) -> list[Event]:
    """Everything that happened to a customer, newest first, one page of it.

    One query on the index ``core_event_customer`` (customer_id, created_at, id), read
    backwards; ``before`` is the last event of the previous page (keyset paging: a page
    stays stable while new events arrive). ``select_related`` names the user actor.
    """
    if not 1 <= limit <= CUSTOMER_EVENTS_MAX:
        raise ValueError(f"limit must be between 1 and {CUSTOMER_EVENTS_MAX}, not {limit}.")
    events = Event.objects.filter(customer_id=customer_id)
    if before is not None:
        events = events.filter(Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, id__lt=before.pk))
    return list(events.select_related("actor_user", "content_type").order_by("-created_at", "-id")[:limit])
