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
