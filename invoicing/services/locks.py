"""Row locks for invoices and credit notes (one table), through ``core.locks`` so they keep the
one lock order: after the customer and payments, before open items and bank lines."""

from __future__ import annotations

from core.locks import lock_rows

from ..models import Invoice


def invoices_lock(*pks: int, select_related: tuple[str, ...] = ()) -> dict[int, Invoice]:
    """Lock the given invoices (inside the caller's transaction) in pk order and return them by pk."""
    return lock_rows(Invoice, pks, select_related=select_related)
