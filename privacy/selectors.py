"""Reads of the data-protection work."""

from __future__ import annotations

from core.privacy import Restrictions

from .models import ProcessingRestriction


def restrictions_of(customer_id: int) -> Restrictions:
    """The customer's processing restrictions, for ``core.privacy.processing_restrictions`` (one query).

    A restriction never lapses by itself: a person whose data was erased or restricted on request is
    not written to again, also after the retention of the kept records ended."""
    found = Restrictions()
    for restriction in ProcessingRestriction.objects.filter(customer_id=customer_id).order_by("pk"):
        reason = restriction.reason()
        if restriction.contact_id is None:
            found.customer = found.customer or reason
        else:
            found.contacts.setdefault(restriction.contact_id, reason)
        if restriction.address_digest:
            found.digests.setdefault(restriction.address_digest, reason)
    return found


def restrictions_of_many(customer_ids) -> dict[int, Restrictions]:
    """``restrictions_of`` for many customers in one query (dunning's batches); customers without
    a restriction are absent."""
    found: dict[int, Restrictions] = {}
    for restriction in ProcessingRestriction.objects.filter(customer_id__in=list(customer_ids)).order_by("pk"):
        entry = found.setdefault(restriction.customer_id, Restrictions())
        reason = restriction.reason()
        if restriction.contact_id is None:
            entry.customer = entry.customer or reason
        else:
            entry.contacts.setdefault(restriction.contact_id, reason)
        if restriction.address_digest:
            entry.digests.setdefault(restriction.address_digest, reason)
    return found
