"""Lines that book or return what we sent the bank ourselves: registered by the app that sends it.

``payments`` reads statements but does not know the SEPA files we submit (``sepa`` sits above it,
README *Architecture*). So ``sepa`` registers here, in ``SepaConfig.ready``:

- a **confirmer** ``fn(*, line, as_of) -> bool``, asked for every undecided credit line before the
  ordinary matching and for every outgoing debit line before it is booked: it says True when the
  line names one of our batches (or items of one) and it took the line — decided it
  (``line_confirmation_record``) or sent it to review with a task of its own;
- a **return linker** ``fn(*, line, as_of) -> bool``, asked for every return or reversal line
  before the payments recorded from credit lines are searched: True when the line takes back one
  of our collections and it has decided the line;
- a **return listener** ``fn(*, line, payment, as_of, by)``, told whenever a return line returned
  a payment (automatically or linked by a person);
- a **describer** ``fn(*, line) -> [(text, url)]`` naming on the line's admin page what of ours it
  booked or returned.

Confirmers and linkers run inside the caller's transaction with the line locked (``core.locks``: the bank line comes
first, so they may record, allocate and return money and then lock their own rows). Registering
the same callable twice keeps one registration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from ..models import BankLineMatch, BankStatementLine, Payment
from .followup import line_task_close

LineDecider = Callable[..., bool]  # (*, line, as_of) -> bool

_CONFIRMERS: list[LineDecider] = []
_RETURN_LINKERS: list[LineDecider] = []
_RETURN_LISTENERS: list[Callable[..., None]] = []


def bank_line_confirmer_register(confirmer: LineDecider) -> LineDecider:
    if confirmer not in _CONFIRMERS:
        _CONFIRMERS.append(confirmer)
    return confirmer


def bank_return_linker_register(linker: LineDecider) -> LineDecider:
    if linker not in _RETURN_LINKERS:
        _RETURN_LINKERS.append(linker)
    return linker


def bank_return_listener_register(listener: Callable[..., None]) -> Callable[..., None]:
    """``listener(*, line, payment, as_of, by)`` runs whenever a return line was linked to a payment
    and the payment returned — automatically or by a person in the review queue — inside that
    transaction, after the money work: the sending app follows up on what it sent."""
    if listener not in _RETURN_LISTENERS:
        _RETURN_LISTENERS.append(listener)
    return listener


def payment_returned_by_line(*, line: BankStatementLine, payment: Payment, as_of: datetime, by=None) -> None:
    for listener in list(_RETURN_LISTENERS):
        listener(line=line, payment=payment, as_of=as_of, by=by)


def line_confirm(*, line: BankStatementLine, as_of: datetime) -> bool:
    """Ask the registered confirmers about a locked, undecided line; True when one decided it."""
    return any(confirmer(line=line, as_of=as_of) for confirmer in list(_CONFIRMERS))


def line_link_to_collection(*, line: BankStatementLine, as_of: datetime) -> bool:
    """Ask the registered return linkers about a locked, undecided return line; True when one linked it."""
    return any(linker(line=line, as_of=as_of) for linker in list(_RETURN_LINKERS))


def line_confirmation_record(
    *,
    line: BankStatementLine,
    bookings: list[tuple[Payment | None, object, object, Decimal]],
    signal: dict,
    as_of: datetime,
    by=None,
) -> list[BankLineMatch]:
    """Decide a (locked) line as the booking of our own batch: one accepted match per
    (payment, customer, invoice, amount) of ``bookings`` (the payment may be None: a refund the
    payments service booked already, a collection returned before it was booked), so the line
    shows what it paid; the line ``matched``, its follow-up task closed. Undecided suggestions are
    dropped. ``signal``: the stored message saying why (``matching.wording``)."""
    line.matches.filter(decision="").delete()
    rows = BankLineMatch.objects.bulk_create(
        [
            BankLineMatch(
                line=line,
                invoice=invoice,
                customer=customer,
                amount=amount,
                confidence=100,
                signals=[signal],
                rank=1,
                decision=BankLineMatch.Decision.ACCEPTED,
                decided_by=by,
                decided_at=as_of,
                payment=payment,
                created_at=as_of,
            )
            for payment, customer, invoice, amount in bookings
        ]
    )
    if not line.kind:
        line.kind = BankStatementLine.Kind.PAYMENT if line.credit else BankStatementLine.Kind.OUTGOING
    line.match_status = BankStatementLine.MatchStatus.MATCHED
    line.save(update_fields=["match_status", "kind"])
    line_task_close(line=line, as_of=as_of, by=by)
    return rows


def confirmation_signal(code: str, stored: dict) -> dict:
    """A signal as the match rows store it (``matching.scoring.Signal.as_json``): worded when read."""
    return {"code": code, "weight": 100, "message": stored["code"], "params": stored["params"]}


# --- What a line booked or returned of ours, for the line's admin page -------------------------------

LineDescriber = Callable[..., list]  # (*, line) -> [(text, url or ""), ...]
_DESCRIBERS: list[LineDescriber] = []


def bank_line_describer_register(describer: LineDescriber) -> LineDescriber:
    """``describer(*, line)`` names what of ours the line booked or returned (a batch, an item),
    each as (text, admin url or "")."""
    if describer not in _DESCRIBERS:
        _DESCRIBERS.append(describer)
    return describer


def line_descriptions(*, line: BankStatementLine) -> list[tuple[str, str]]:
    return [entry for describer in list(_DESCRIBERS) for entry in describer(line=line)]
