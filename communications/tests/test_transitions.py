"""MESSAGE_TRANSITIONS is the truth: every allowed status change passes through
``message_transition`` with its timestamp, every other one is refused before anything is written."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from communications.models import MESSAGE_TRANSITIONS, MessageStatus, OutboxMessage
from communications.services.transitions import (
    STAMP_OF,
    MessageStateConflict,
    message_transition,
    message_transition_allowed,
)
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0

pytestmark = pytest.mark.django_db

LATER = T0 + timedelta(minutes=5)


def _message_in(status: str) -> OutboxMessage:
    return OutboxMessage.objects.create(
        customer=make_customer(),
        template="due_date_changed",
        language="de",
        from_email="buchhaltung@debitor.example",
        subject="Fälligkeit geändert",
        body_text="…",
        status=status,
        cause="test",
        created_at=T0,
        sending_at=None if status == MessageStatus.QUEUED else T0,
        updated_at=T0,
    )


def test_every_status_has_a_row_in_the_table():
    assert set(MESSAGE_TRANSITIONS) == set(MessageStatus.values)


@pytest.mark.parametrize(("current", "to"), list(itertools.product(MessageStatus.values, repeat=2)))
def test_a_status_change_passes_exactly_when_the_table_allows_it(current, to):
    message = _message_in(current)
    allowed = to in MESSAGE_TRANSITIONS[current]
    assert message_transition_allowed(current=current, to=to) is allowed
    if allowed:
        message_transition(message=message, to=to, at=LATER)
        stored = OutboxMessage.objects.get(pk=message.pk)
        assert (stored.status, stored.updated_at) == (to, LATER)
        if to in STAMP_OF:
            assert getattr(stored, STAMP_OF[to]) == LATER
    else:
        with pytest.raises(MessageStateConflict) as refused:
            message_transition(message=message, to=to, at=LATER)
        assert str(MessageStatus(to).label) in str(refused.value)
        stored = OutboxMessage.objects.get(pk=message.pk)
        assert (stored.status, stored.updated_at) == (current, T0)


def test_tracking_moves_only_forward():
    # The former rank order sending < sent < delivered < bounced, as table entries.
    forward = [MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED]
    for i, current in enumerate(forward):
        for to in (MessageStatus.DELIVERED, MessageStatus.BOUNCED):
            assert message_transition_allowed(current=current, to=to) is (forward.index(to) > i)
    for current in (MessageStatus.QUEUED, MessageStatus.FAILED, MessageStatus.CANCELLED):
        for to in (MessageStatus.DELIVERED, MessageStatus.BOUNCED):
            assert not message_transition_allowed(current=current, to=to)


def test_only_a_queued_message_can_be_superseded_and_that_is_final():
    assert [s for s in MessageStatus.values if MessageStatus.SUPERSEDED in MESSAGE_TRANSITIONS[s]] == [
        MessageStatus.QUEUED
    ]
    assert MESSAGE_TRANSITIONS[MessageStatus.SUPERSEDED] == set()
