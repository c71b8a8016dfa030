"""The one lock order for money work (STYLE 7), and the helpers that take row locks in it.

Two transactions that lock the same rows in different orders can deadlock; PostgreSQL then
kills one of them. Every service that locks rows for money work therefore takes them through
``lock_rows`` / ``lock_for_money_work``, table by table in ``LOCK_ORDER`` and by primary key
within a table. ``core`` imports no domain app: the order names places, and each app registers
which of its models takes which place (``lock_place_register``).

Re-locking rows a transaction already holds never waits, so it is allowed at any point. Taking
a lock on a table *earlier* in the order after one later in it is refused when
``DEBITOR_LOCK_ORDER_CHECK`` is on (tests, DEBUG): a wrong order fails a test instead of
deadlocking in production. The record is kept per transaction on the connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections, router, transaction

# Earliest first: places, not models. ``core`` imports no app, so each app says which of its
# models takes which place (``lock_place_register`` in its ``AppConfig.ready``); advisory locks
# are noted by their place name. A place may be reserved for a table a later issue adds.
LOCK_ORDER: tuple[str, ...] = (
    # The statement import: pg_advisory_xact_lock per file digest (payments/bank/importing/upload.py),
    # the import row, then per account (store.py ``accounts_lock``), the statement, its lines.
    "advisory.statement_file",
    "statement_import",
    "advisory.statement_account",
    "bank_statement",
    # A bank line is the gate of a decision about it (matching, booking a debit, linking a
    # return): locked first, the decision then records and allocates money. Nothing locks a line
    # while holding the rows below, so this is the only place that cannot deadlock.
    "bank_line",
    # A run of a recurring template issues an invoice: the template gate comes before its money.
    "recurring_template",
    # A card payment at a provider (providers.ProviderPayment) is the gate of every webhook and
    # refund about it, then its checkout session; both before the money work they lead to.
    "provider_payment",
    "provider_checkout",
    # A dispute (casework) is the gate of its resolution, which may issue a credit note.
    "dispute",
    # The money work proper.
    "customer",
    "payment",
    # Invoices and credit notes are one table; they are invoicing's open items.
    "invoice",
    # Open items that are not invoices (fees, interest, opening balances).
    "open_item",
    # A return fee's decision, after the open item it becomes (payments.services.return_fees).
    "return_fee",
    # Reserved: reminder records (dunning) and collection batches (SEPA), later issues.
    "reminder",
    "collection_batch",
    # A SEPA mandate: its sequence type advances when a collection batch holding its invoices is made.
    "sepa_mandate",
    # A batch's items: booked or returned after the money work the bank line caused.
    "collection_item",
    # Drawn as late as possible: the series row is a hot spot held until commit.
    "number_series",
    # Written after the money work, e.g. an invoice sent with its message.
    "outbox_message",
    # A customer page link (portal): a visit or a revocation locks only links, last.
    "page_link",
)
RANK = {place: rank for rank, place in enumerate(LOCK_ORDER)}
_PLACE_OF: dict[str, str] = {}  # model label -> place
_MODEL_AT: dict[str, str] = {}  # place -> model label


def lock_place_register(model, place: str) -> None:
    """``model`` takes ``place`` in ``LOCK_ORDER``; called by the app that owns the model in its
    ``AppConfig.ready``. One model per place, one place per model."""
    model_label = model._meta.label
    if place not in RANK or place.startswith("advisory."):
        raise ValueError(f"{place!r} is no table place of core.locks.LOCK_ORDER.")
    if _PLACE_OF.get(model_label, place) != place or _MODEL_AT.get(place, model_label) != model_label:
        raise ValueError(f"{model_label} at {place!r} clashes with an earlier registration.")
    _PLACE_OF[model_label] = place
    _MODEL_AT[place] = model_label


class LockOrderError(AssertionError):
    """A lock was requested on a table earlier in ``LOCK_ORDER`` than one already locked."""


def rank_of(label: str) -> int:
    """The rank of a registered model label or of a place name (advisory locks)."""
    place = _PLACE_OF.get(label, label)
    try:
        return RANK[place]
    except KeyError:
        raise LockOrderError(f"{label} has no place in core.locks.LOCK_ORDER; give it one.") from None


def _checking() -> bool:
    return getattr(settings, "DEBITOR_LOCK_ORDER_CHECK", settings.DEBUG)


def _transaction_key(connection):
    """The atomic block that is the real transaction: the outermost one not opened by a test case
    (Django's TestCase wraps every test in atomic blocks that production does not have)."""
    for block in connection.atomic_blocks:
        if not getattr(block, "_from_testcase", False):
            return block
    return None


_exempt = threading.local()


@contextmanager
def lock_order_unchecked():
    """For a single-process batch that runs many services in one transaction and so holds each
    one's locks into the next (loading demo data, nothing else running): no order check there."""
    previous = getattr(_exempt, "on", False)
    _exempt.on = True
    try:
        yield
    finally:
        _exempt.on = previous


@contextmanager
def lock_savepoint(*, using: str = "default"):
    """A savepoint for locks that may have to be given back: leaving it with an exception rolls
    it back, which releases the row locks taken inside it (PostgreSQL releases row locks at a
    savepoint rollback), and the order check forgets them too. For a lock taken on a value read
    before the lock that turned out stale (see ``payments.services.common.lock_payment``)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        record = getattr(connection, "_debitor_locks", None)
        saved = (record[0], {"top": record[1]["top"], "held": set(record[1]["held"])}) if record else None
        try:
            yield
        except BaseException:
            connection._debitor_locks = saved
            raise


def note_locked(label: str, keys: Iterable, *, using: str = "default") -> None:
    """Record that this transaction now holds ``keys`` of ``label``; refuse a wrong order.

    Called by the helpers below, and by the few places that lock in another way (an advisory
    lock, a row found by a natural key)."""
    if not _checking() or getattr(_exempt, "on", False):
        return
    connection = connections[using]
    block = _transaction_key(connection)
    if block is None:
        return  # autocommit: select_for_update refuses that on its own
    record = getattr(connection, "_debitor_locks", None)
    if record is None or record[0] is not block:
        record = (block, {"top": -1, "held": set()})
        connection._debitor_locks = record
    state = record[1]
    rank = rank_of(label)
    wanted = {(label, key) for key in keys}
    if rank < state["top"] and not wanted <= state["held"]:
        later = LOCK_ORDER[state["top"]]
        later = _MODEL_AT.get(later, later)
        raise LockOrderError(
            f"Lock order violated: {label} requested after {later} in one transaction (core.locks.LOCK_ORDER)."
        )
    state["top"] = max(state["top"], rank)
    state["held"] |= wanted


def lock_rows(model, ids: Iterable[int], *, select_related: tuple[str, ...] = ()) -> dict:
    """Lock the rows of ``model`` with these primary keys (inside the caller's transaction), in
    primary-key order, and return them by pk. Rows that do not exist are simply absent."""
    pks = sorted({pk for pk in ids if pk is not None})
    if not pks:
        return {}
    using = router.db_for_write(model)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("lock_rows must run inside the transaction that uses the rows.")
    note_locked(model._meta.label, pks, using=using)
    rows = (
        model._default_manager.select_for_update(of=("self",))
        .select_related(*select_related)
        .filter(pk__in=pks)
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


MONEY_WORK = {"customers": "customer", "payments": "payment", "invoices": "invoice", "items": "open_item"}


def lock_for_money_work(
    *,
    customers: Iterable[int] = (),
    payments: Iterable[int] = (),
    invoices: Iterable[int] = (),
    items: Iterable[int] = (),
) -> dict[str, dict]:
    """Take every lock a piece of money work needs, in ``LOCK_ORDER``; returns the locked rows
    per kind (``{"customers": {pk: Customer}, "payments": …}``), empty for kinds not asked for."""
    wanted = {"customers": customers, "payments": payments, "invoices": invoices, "items": items}
    locked = {}
    for kind in sorted(wanted, key=lambda kind: RANK[MONEY_WORK[kind]]):
        ids = list(wanted[kind])
        locked[kind] = lock_rows(apps.get_model(_MODEL_AT[MONEY_WORK[kind]]), ids) if ids else {}
    return locked
