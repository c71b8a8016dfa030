"""Send gates: a last re-check of what a queued message says, under lock, just before hand-off.

An app whose messages can go out of date between queueing and sending (dunning: a payment or a
credit note arrives after the reminder was rendered) registers a gate for its templates'
prefix. ``message_send`` calls it in step 1, inside the transaction that marks the message
``sending`` and *before* it locks the message (the lock order puts outbox messages last):

- ``check(message_id=, as_of=)`` takes the gate's own locks in lock order (invoices, open items,
  its records) and returns None (go) or the reason in words (the message is out of date);
- then the message is locked; if it is still ``queued``:
  go → ``confirm(message=, as_of=)`` runs (e.g. the reminder's charges are created) and the send
  continues as before; a reason → the message becomes ``superseded`` (not sent, final) with a
  ``superseded`` event, and ``supersede(message=, reason=, as_of=)`` lets the app undo its side
  (e.g. release its reminder records so the next run reminds again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SendGate:
    check: Callable[..., str | None]
    confirm: Callable[..., None]
    supersede: Callable[..., None]
    # A person cancelled the queued message (``message_cancel``): called after that commit, in a
    # transaction of its own (the message's lock comes last in the lock order), so the app can undo
    # its side as for a superseded message.
    cancelled: Callable[..., None] | None = None


_GATES: dict[str, SendGate] = {}


def send_gate_register(template_prefix: str, gate: SendGate) -> None:
    """Messages whose template starts with ``template_prefix`` pass ``gate`` before hand-off."""
    if not template_prefix:
        raise ValueError("A send gate needs a template prefix.")
    known = _GATES.get(template_prefix)
    if known is not None and known != gate:
        raise RuntimeError(f"A send gate for {template_prefix!r} is registered twice.")
    _GATES[template_prefix] = gate


def send_gate_for(template: str) -> SendGate | None:
    """The gate of the longest registered prefix ``template`` starts with, or None."""
    found = [prefix for prefix in _GATES if template and template.startswith(prefix)]
    return _GATES[max(found, key=len)] if found else None
