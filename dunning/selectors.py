"""Reads of dunning state that other parts of dunning (and, later, analytics) share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from .models import DunningPause, DunningPolicy, DunningProfile


def _open_pauses(as_of: date):
    return DunningPause.objects.filter(ended_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gte=as_of))


def paused_invoices(invoice_ids: Iterable[int], *, as_of: date) -> dict[int, DunningPause]:
    """Invoices with a pause in force on ``as_of`` (one query)."""
    return {p.invoice_id: p for p in _open_pauses(as_of).filter(invoice_id__in=list(invoice_ids))}


def paused_customers(customer_ids: Iterable[int], *, as_of: date) -> dict[int, DunningPause]:
    """Customers with a pause in force on ``as_of`` (one query)."""
    return {p.customer_id: p for p in _open_pauses(as_of).filter(customer_id__in=list(customer_ids))}


def default_policy() -> DunningPolicy | None:
    return DunningPolicy.objects.filter(is_default=True).prefetch_related("levels").first()


def policies_of(customer_ids: Iterable[int]) -> dict[int, DunningPolicy | None]:
    """Each customer's policy: its profile's, else the default (two queries)."""
    ids = list(customer_ids)
    profiles = DunningProfile.objects.filter(customer_id__in=ids).select_related("policy")
    default = default_policy()
    chosen = {p.customer_id: p.policy for p in profiles if p.policy_id}
    return {pk: chosen.get(pk, default) for pk in ids}


def profiles_of(customer_ids: Iterable[int]) -> dict[int, DunningProfile]:
    return {p.customer_id: p for p in DunningProfile.objects.filter(customer_id__in=list(customer_ids))}
