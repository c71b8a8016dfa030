"""The worklists in the navigation and on the finance home: "My tasks" with my open and overdue
counts (one query for every count of the page), "Team tasks" for finance managers only."""

from __future__ import annotations

import re

import pytest
import time_machine

from analytics.home import navigation_counts
from invoicing.tests.factories import T0
from tasks.services import task_snooze

from .worklist_builders import NEXT_WEEK, TODAY, YESTERDAY, browser, make_task

pytestmark = pytest.mark.django_db

MINE_LINK = re.compile(
    r'href="/admin/tasks/followuptask/mine/"[^>]*>Meine Aufgaben '
    r'<span class="debitor-nav-count" title="meine offenen Aufgaben">(\d+)</span>'
    r'(?: <span class="debitor-nav-count debitor-nav-alert" title="davon überfällig">(\d+)</span>)?'
)


class Request:
    def __init__(self, user):
        self.user = user


def test_my_open_and_overdue_tasks_are_counted_in_one_query(accountant, manager, django_assert_num_queries):
    make_task(assignee=accountant, due=YESTERDAY)
    make_task(assignee=accountant, due=TODAY)
    make_task(assignee=accountant)
    task_snooze(task=make_task(assignee=accountant, due=YESTERDAY), until=NEXT_WEEK, as_of=T0)  # put aside
    make_task(assignee=manager, due=YESTERDAY)
    make_task(due=YESTERDAY)  # the team queue's

    with django_assert_num_queries(1):
        counts = navigation_counts(Request(accountant), as_of=T0)

    assert counts == {"my_tasks": 3, "my_overdue": 1, "review": 0}


def test_the_navigation_shows_my_tasks_with_both_counts_and_team_tasks_to_managers_only(accountant, manager, viewer):
    make_task(assignee=accountant, due=YESTERDAY)
    make_task(assignee=accountant, due=NEXT_WEEK)
    with time_machine.travel(T0, tick=False):
        page = browser(accountant).get("/admin/customers/customer/").content.decode()
        managers = browser(manager).get("/admin/customers/customer/").content.decode()
        viewers = browser(viewer).get("/admin/customers/customer/").content.decode()

    assert MINE_LINK.search(page).groups() == ("2", "1")
    assert "/admin/tasks/followuptask/team/" not in page and "/admin/tasks/followuptask/team/" not in viewers
    assert 'href="/admin/tasks/followuptask/mine/"' in viewers
    assert 'href="/admin/tasks/followuptask/team/"' in managers and "Aufgaben im Team" in managers


def test_the_finance_home_links_the_worklists(accountant, manager):
    make_task(assignee=accountant, due=YESTERDAY)
    with time_machine.travel(T0, tick=False):
        page = browser(accountant).get("/admin/").content.decode()
        managers = browser(manager).get("/admin/").content.decode()
    home = page[page.index('id="finance-home"') :]
    assert 'href="/admin/tasks/followuptask/mine/?overdue=on">1</a>' in home
    assert 'class="debitor-home-links"><a href="/admin/tasks/followuptask/mine/">Meine Aufgaben</a></p>' in home
    assert '<a href="/admin/tasks/followuptask/team/">Aufgaben im Team</a>' in managers


def test_the_task_list_links_the_worklists(accountant, manager):
    assert (
        'href="/admin/tasks/followuptask/mine/"'
        in browser(accountant).get("/admin/tasks/followuptask/").content.decode()
    )
    listing = browser(manager).get("/admin/tasks/followuptask/").content.decode()
    assert 'href="/admin/tasks/followuptask/team/"' in listing
