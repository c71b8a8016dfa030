"""Row locks for invoices, always taken in primary-key order (STYLE 7) so that two services
locking the same documents (a credit note and its invoice, later payments) cannot deadlock."""

from __future__ import annotations

from ..models import Invoice


def invoices_lock(*pks: int, select_related: tuple[str, ...] = ()) -> dict[int, Invoice]:
    """Lock the given invoices (inside the caller's transaction) and return them by pk."""
    rows = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related(*select_related)
        .filter(pk__in=set(pks))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}
