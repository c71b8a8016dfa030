"""core.followups: the layers below tasks open and close follow-up tasks without importing tasks."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from core.followups import followup_open, followups_close_about
from tasks.models import FollowUpTask

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_cause_opened_through_core_is_a_task_with_its_rule_and_priority():
    about = Group.objects.create(name="anything")
    task, created = followup_open(kind="k", about=about, title="Look", rule="core.test", priority="high", as_of=T0)
    assert created and task.priority == FollowUpTask.Priority.HIGH and task.created_by_rule == "core.test"
    _, again = followup_open(kind="k", about=about, title="Look", rule="core.test", as_of=T0)
    assert not again

    assert followups_close_about(kind="k", about=about, as_of=T0, resolution="gone") == 1
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE and task.resolution == "gone"


def test_an_unknown_priority_is_refused():
    with pytest.raises(ValueError, match="Unknown follow-up priority 'soon'"):
        followup_open(kind="k", title="t", rule="r", priority="soon", as_of=T0)


def test_customer_assignee_due_date_and_closer_pass_through_the_port(django_user_model):
    from customers.tests.factories import make_customer

    customer = make_customer()
    owner = django_user_model.objects.create_user(username="owner", password="x", is_staff=True)
    about = Group.objects.create(name="something")
    task, _ = followup_open(
        kind="k",
        about=about,
        title="Look",
        rule="core.test",
        customer=customer,
        assignee=owner,
        due_date=T0.date(),
        as_of=T0,
    )
    assert (task.customer_id, task.assignee_id, task.due_date) == (customer.pk, owner.pk, T0.date())

    asked = []
    closed = followups_close_about(
        kind="k", about=about, as_of=T0, by=owner, resolution=lambda: asked.append(1) or "done by hand"
    )
    task.refresh_from_db()
    assert closed == 1 and asked == [1] and task.resolution == "done by hand"
    assert task.history.latest().history_user_id == owner.pk
    # Nothing open: the resolution is not even worded.
    assert followups_close_about(kind="k", about=about, as_of=T0, resolution=lambda: asked.append(2) or "x") == 0
    assert asked == [1]


def test_no_app_but_tasks_opens_or_closes_tasks_by_importing_tasks():
    """One port: apps open and close follow-up tasks through core.followups (README, *Layering*)."""
    import re
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    services = re.compile(r"\b(task_open_for_cause|tasks_close_about)\b")
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR) and config.label != "tasks"
        for path in Path(config.path).rglob("*.py")
        if "tests" not in path.parts and services.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
