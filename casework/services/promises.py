"""Promises to pay: taken by a person, decided by the money (STYLE: every write here).

**Kept** when the payments allocated to the covered invoices *after the promise was taken*, with a
value date up to the promised date plus the grace days (``grace_until``), reach the promised
amount — or when every covered invoice is settled (paid, or credited). Decided as the money
arrives: a listener on the payments and invoicing events that mean money was applied
(``payment.allocated``, ``payment.allocation_reversed``, ``invoice.settlement_changed``,
``invoice.credited``) runs in the writer's transaction (``core.events.event_listener_register``).

**Broken** when ``grace_until`` has passed without that: the daily job
(:func:`promises_evaluate_due`) decides every open promise whose deadline passed, and opens a
follow-up task (kind ``promise_broken``) for a person to call the customer.

Kept and broken are final (``PROMISE_TRANSITIONS``): a payment after the deadline is a payment,
not a kept promise; a returned payment after a kept promise has its own task.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import event_record
from core.followups import followup_kind_register, followup_open, followups_close_about
from core.formatting import date_text, money_text
from core.locks import lock_for_money_work
from core.transitions import transition_check
from invoicing.models import DocumentStatus, DocumentType
from payments.models import Allocation

from ..models import PROMISE_TRANSITIONS, PaymentPromise, PromiseChannel, PromiseInvoice, PromiseStatus
from .common import CaseworkConflict, amount_given

PROMISE_BROKEN_TASK = followup_kind_register("promise_broken", gettext_lazy("promise to pay broken"))
PROMISE_BROKEN_RULE = "casework.promise_broken"
MAX_GRACE_DAYS = 60
ZERO = Decimal("0")


class PromiseConflict(CaseworkConflict):
    """The promise's state forbids the change (a cancelled or decided promise): API 409."""

    type_slug = "promise-conflict"


def default_grace_days() -> int:
    return int(getattr(settings, "DEBITOR_PROMISE_GRACE_DAYS", 3))


def _day(as_of: datetime | date) -> date:
    return timezone.localdate(as_of) if isinstance(as_of, datetime) else as_of


def promise_take(
    *,
    customer,
    invoices: Iterable,
    amount,
    promised_date: date,
    channel: str,
    as_of: datetime,
    by=None,
    contact=None,
    note: str = "",
    grace_days: int | None = None,
) -> PaymentPromise:
    """Record a customer's promise to pay ``amount`` towards ``invoices`` by ``promised_date``.

    Refused as a whole (``ValidationError`` naming the field, nothing saved) unless: the invoices
    are the customer's issued, open invoices (not credit notes) in one currency, none already under
    an open promise; the amount is above zero, in the currency's minor unit, and at most what is
    open on them; the date is today or later; the contact is the customer's; grace days 0–60."""
    errors: dict[str, list] = {}
    invoice_ids = sorted({getattr(invoice, "pk", invoice) for invoice in invoices or ()})
    if not invoice_ids:
        errors["invoices"] = [_("Name at least one open invoice the promise covers.")]
    if channel not in PromiseChannel.values:
        errors["channel"] = [_("Choose how the promise was given.")]
    grace = default_grace_days() if grace_days is None else grace_days
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= MAX_GRACE_DAYS:
        errors["grace_days"] = [_("Grace days are a whole number from 0 to %(max)d.") % {"max": MAX_GRACE_DAYS}]
        grace = 0
    today = _day(as_of)
    if not isinstance(promised_date, date) or isinstance(promised_date, datetime):
        errors["promised_date"] = [_("Enter the date the customer promised to pay by.")]
    elif promised_date < today:
        errors["promised_date"] = [
            _("The promised date %(date)s has passed; a promise is for today or later.")
            % {"date": date_text(promised_date)}
        ]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("This contact belongs to another customer.")]
    note = (note or "").strip()
    with transaction.atomic():
        locked = lock_for_money_work(customers=[customer.pk], invoices=invoice_ids)["invoices"]
        rows = [locked.get(pk) for pk in invoice_ids]
        currency = _check_invoices(rows, invoice_ids, customer=customer, errors=errors)
        total_open = sum((row.open_amount for row in rows if row is not None), ZERO)
        value = amount_given(amount, currency or "EUR", errors)
        if value is None and "amount" not in errors:
            errors["amount"] = [_("Enter an amount such as 250.00.")]
        if value is not None and currency and value > total_open:
            errors["amount"] = [
                _("The promise of %(amount)s is more than the %(open)s open on these invoices.")
                % {"amount": money_text(value, currency), "open": money_text(total_open, currency)}
            ]
        if not errors:
            taken = (
                PromiseInvoice.objects.filter(invoice_id__in=invoice_ids, promise_open=True)
                .select_related("invoice")
                .order_by("invoice_id")
            )
            numbers = [link.invoice.number for link in taken]
            if numbers:
                errors["invoices"] = [
                    _("Already under an open promise: %(numbers)s. Cancel that promise first.")
                    % {"numbers": ", ".join(numbers)}
                ]
        if errors:
            raise ValidationError(errors)
        promise = PaymentPromise.objects.create(
            customer=customer,
            amount=value,
            currency=currency,
            promised_date=promised_date,
            grace_days=grace,
            grace_until=promised_date + timedelta(days=grace),
            channel=channel,
            contact=contact,
            note=note,
            taken_at=as_of,
            taken_by=by if getattr(by, "pk", None) else None,
        )
        try:
            with transaction.atomic():
                PromiseInvoice.objects.bulk_create(
                    [PromiseInvoice(promise=promise, invoice_id=pk, promise_open=True) for pk in invoice_ids]
                )
        except IntegrityError:
            # Another promise on one of these invoices committed meanwhile (the partial unique index).
            raise ValidationError(
                {"invoices": [_("Another promise on one of these invoices was just taken; reload and check.")]}
            ) from None
        event_record(
            type="promise.taken",
            obj=promise,
            customer_id=customer.pk,
            data={
                "amount": str(value),
                "currency": currency,
                "promised_date": promised_date.isoformat(),
                "grace_until": promise.grace_until.isoformat(),
                "invoices": [locked[pk].number for pk in invoice_ids],
                "channel": channel,
            },
            at=as_of,
        )
    return promise


def _check_invoices(rows, invoice_ids, *, customer, errors) -> str:
    currencies = set()
    for pk, row in zip(invoice_ids, rows, strict=True):
        if row is None:
            errors.setdefault("invoices", []).append(_("Invoice %(id)s does not exist.") % {"id": pk})
            continue
        name = row.number or str(row.pk)
        if row.customer_id != customer.pk:
            errors.setdefault("invoices", []).append(_("%(number)s is another customer's invoice.") % {"number": name})
        elif row.document_type != DocumentType.INVOICE:
            errors.setdefault("invoices", []).append(_("%(number)s is a credit note.") % {"number": name})
        elif row.status != DocumentStatus.ISSUED:
            errors.setdefault("invoices", []).append(
                _("%(number)s is %(status)s, not an issued invoice.")
                % {"number": name, "status": row.get_status_display()}
            )
        elif row.open_amount <= 0:
            errors.setdefault("invoices", []).append(_("%(number)s is paid already.") % {"number": name})
        else:
            currencies.add(row.currency)
    if len(currencies) > 1:
        errors.setdefault("invoices", []).append(
            _("A promise covers invoices in one currency; these are in %(currencies)s.")
            % {"currencies": ", ".join(sorted(currencies))}
        )
    return currencies.pop() if len(currencies) == 1 else ""


def _locked(promise: PaymentPromise, *, skip_locked: bool = False) -> PaymentPromise | None:
    # A promise is locked on its own (cancel, the job) or after the money work that reached it
    # through its invoices (the listener, which skips a promise someone else holds): it has no
    # place of its own in core.locks.LOCK_ORDER because nothing is locked after it.
    return (
        PaymentPromise.objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("customer")
        .filter(pk=promise.pk)
        .first()
    )


def _decided(promise: PaymentPromise, to: str, *, as_of: datetime, **data) -> None:
    """Move a locked promise along ``PROMISE_TRANSITIONS`` (refused with ``PromiseConflict``), free
    its invoices, and record ``promise.<status>`` with the amounts and ``data``."""
    transition_check(
        PROMISE_TRANSITIONS,
        current=promise.status,
        to=to,
        labels=dict(PromiseStatus.choices),
        conflict=PromiseConflict,
    )
    promise.status = to
    promise.evaluated_at = as_of
    promise.save(update_fields=["status", "evaluated_at", "amount_received", "cancel_reason"])
    PromiseInvoice.objects.filter(promise=promise).update(promise_open=False)
    event_record(
        type=f"promise.{to}",
        obj=promise,
        customer_id=promise.customer_id,
        data={"amount": str(promise.amount), "currency": promise.currency, **data},
        at=as_of,
    )


def promise_cancel(*, promise: PaymentPromise, as_of: datetime, reason: str, by=None) -> PaymentPromise:
    """Withdraw an open promise (the customer took it back, or it was recorded by mistake); its
    invoices are no longer under a promise. Refused without a reason, or when already decided."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the promise is cancelled.")]})
    with transaction.atomic():
        locked = _locked(promise)
        locked.cancel_reason = reason[:255]
        _decided(locked, PromiseStatus.CANCELLED, as_of=as_of, reason=reason[:255])
    promise.refresh_from_db()
    return locked


def promise_received(promise: PaymentPromise) -> Decimal:
    """What counts towards the promise: payments (not credit notes) allocated to its invoices after
    it was taken, with a value date up to ``grace_until``, not reversed. One query."""
    total = Allocation.objects.filter(
        invoice_id__in=PromiseInvoice.objects.filter(promise_id=promise.pk).values("invoice_id"),
        payment__isnull=False,
        reversed_at__isnull=True,
        created_at__gte=promise.taken_at,
        payment__value_date__lte=promise.grace_until,
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _settled(promise: PaymentPromise, paid_now: frozenset[int] = frozenset()) -> bool:
    """Every covered invoice is settled. ``paid_now``: invoices the events being handled say are
    paid (invoicing writes a credit note's events before it saves the invoice's new open amount)."""
    return (
        not PromiseInvoice.objects.filter(promise_id=promise.pk, invoice__open_amount__gt=0)
        .exclude(invoice_id__in=paid_now)
        .exists()
    )


def _decide(
    promise: PaymentPromise, *, as_of: datetime, may_break: bool = True, paid_now: frozenset[int] = frozenset()
) -> PaymentPromise:
    """Decide a locked open promise as of ``as_of``: kept, broken (unless ``may_break`` is off),
    or still open (with what it has received so far)."""
    promise.amount_received = promise_received(promise)
    if promise.amount_received >= promise.amount or _settled(promise, paid_now):
        _decided(promise, PromiseStatus.KEPT, as_of=as_of, received=str(promise.amount_received))
        followups_close_about(
            kind=PROMISE_BROKEN_TASK,
            about=promise,
            as_of=as_of,
            resolution=lambda: _("The promise was kept after all."),
        )
    elif may_break and _day(as_of) > promise.grace_until:
        _decided(
            promise,
            PromiseStatus.BROKEN,
            as_of=as_of,
            received=str(promise.amount_received),
            promised_date=promise.promised_date.isoformat(),
        )
        followup_open(
            kind=PROMISE_BROKEN_TASK,
            title=_("Promise to pay broken: %(amount)s by %(date)s")
            % {
                "amount": money_text(promise.amount, promise.currency),
                "date": date_text(promise.promised_date),
            },
            rule=PROMISE_BROKEN_RULE,
            as_of=as_of,
            about=promise,
            customer=promise.customer,
            priority="high",
            description=_("Received towards it by %(date)s: %(received)s. Call the customer.")
            % {
                "date": date_text(promise.grace_until),
                "received": money_text(promise.amount_received, promise.currency),
            },
        )
    else:
        PaymentPromise.objects.filter(pk=promise.pk).update(amount_received=promise.amount_received)
    return promise


def promise_evaluate(*, promise: PaymentPromise, as_of: datetime) -> PaymentPromise:
    """Decide one promise now (idempotent: a decided promise is returned as it is)."""
    with transaction.atomic():
        locked = _locked(promise)
        if locked.is_open:
            _decide(locked, as_of=as_of)
    return locked


def promises_evaluate_due(*, as_of: datetime, batch_size: int = 200) -> int:
    """The daily job: decide every open promise whose ``grace_until`` lies before ``as_of``'s day.

    Batches of ``batch_size``, each its own transaction, rows taken with ``FOR UPDATE SKIP
    LOCKED``: two runs at once split the work, a rerun finds nothing left (a decided promise is
    no longer open). Returns how many promises were decided."""
    today = _day(as_of)
    decided = 0
    after = 0
    while True:
        with transaction.atomic():
            batch = list(
                PaymentPromise.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer")
                .filter(status=PromiseStatus.OPEN, grace_until__lt=today, pk__gt=after)
                .order_by("pk")[:batch_size]
            )
            for promise in batch:
                _decide(promise, as_of=as_of)
        if not batch:
            return decided
        decided += len(batch)
        after = batch[-1].pk


# --- Money arrived: the listener ------------------------------------------------------------------

MONEY_EVENT_TYPES = (
    "payment.allocated",
    "payment.allocation_reversed",
    "invoice.settlement_changed",
    "invoice.credited",
)


def _invoice_ids(events) -> set[int]:
    ids = set()
    for event in events:
        if event.type.startswith("invoice.") and event.object_id is not None:
            ids.add(int(event.object_id))
        elif (event.data or {}).get("invoice_id"):
            ids.add(int(event.data["invoice_id"]))
    return ids


def promises_on_money_events(events) -> None:
    """Registered with ``core.events``: the open promises on the invoices the money touched are
    decided in the writer's transaction (kept as soon as the money is there). A promise another
    transaction holds is skipped, never waited for: the daily job decides it at its deadline from
    all allocations, so nothing is lost. Costs one query when no promise is concerned."""
    invoice_ids = _invoice_ids(events)
    if not invoice_ids:
        return
    links = PromiseInvoice.objects.filter(invoice_id__in=invoice_ids)
    reversed_money = any(event.type == "payment.allocation_reversed" for event in events)
    if not reversed_money:
        links = links.filter(promise_open=True)
    promise_ids = sorted(set(links.values_list("promise_id", flat=True)))
    if not promise_ids:
        return
    as_of = max(event.created_at for event in events)
    paid_now = frozenset(
        int(event.object_id)
        for event in events
        if event.type == "invoice.settlement_changed" and (event.data or {}).get("to_state") == "paid"
    )
    # The writer's transaction (a savepoint in it); a bulk writer in autocommit gets its own.
    with transaction.atomic():
        _on_money(promise_ids, as_of=as_of, paid_now=paid_now)


def _on_money(promise_ids: list[int], *, as_of: datetime, paid_now: frozenset[int]) -> None:
    promises = (
        PaymentPromise.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer")
        .filter(pk__in=promise_ids)
        .order_by("pk")
    )
    for promise in promises:
        if promise.is_open:
            # Money shows a promise kept; breaking it is the daily job's decision, at its deadline.
            _decide(promise, as_of=as_of, may_break=False, paid_now=paid_now)
        else:
            # A decision stays (kept and broken are final), but what it received stays true: money
            # taken back after the decision no longer counts towards it (and nothing is added).
            received = min(promise_received(promise), promise.amount_received)
            if received != promise.amount_received:
                PaymentPromise.objects.filter(pk=promise.pk).update(amount_received=received)
