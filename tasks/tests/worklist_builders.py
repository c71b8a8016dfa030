"""Tasks for the worklist tests, opened through the services as rules and people open them."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from django.test import Client

from invoicing.tests.factories import T0
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause

TODAY = T0.date()  # Friday, 27.11.2026
YESTERDAY = TODAY - timedelta(days=1)
NEXT_WEEK = TODAY + timedelta(days=7)

_numbers = count(1)


def make_task(
    *,
    assignee=None,
    due: date | None = None,
    priority: int = FollowUpTask.Priority.NORMAL,
    kind: str | None = None,
    title: str | None = None,
    customer=None,
    about=None,
) -> FollowUpTask:
    n = next(_numbers)
    task, created = task_open_for_cause(
        kind=kind or f"call_{n}",
        title=title or f"Call back {n}",
        as_of=T0,
        rule="test",
        assignee=assignee,
        due_date=due,
        priority=priority,
        customer=customer,
        about=about,
    )
    assert created
    return task


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
