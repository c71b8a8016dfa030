"""The collector's worklist in a real browser (issue 18): an accountant works through a task on
"My tasks" — a note, put aside until next week, given to the finance manager — and the manager
finds it in the team view and closes it from the task's page with a resolution.

Debian's Chromium (Playwright), German, against the live server; every page checked as the tour
checks the admin (``tests/browser/tour.py``): no 5xx, console error, CSP violation or request to
another host, no serious or critical axe-core violation, German that reads right. The quick
actions are plain forms: no script is needed for them. Screenshots: ``var/browser-artifacts/worklist-*/``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from customers.tests.factories import make_customer
from invoicing.tests.factories import reseed_after_module, seed_rates_and_terms  # noqa: F401
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause

from .tour import Tour

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reseed_after_module")]

PASSWORD = "worklist-Passphrase-42"


def staff(django_user_model, username: str, role: Role, first_name: str):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, is_staff=True, first_name=first_name, last_name="Muster"
    )
    user.groups.add(Group.objects.get_or_create(name=role.group_name)[0])
    return user


@pytest.fixture
def team(transactional_db, django_user_model):
    from core.roles import sync_role_permissions

    seed_rates_and_terms()
    sync_role_permissions()  # a flush after an earlier committing test emptied the role groups
    accountant = staff(django_user_model, "anna", Role.ACCOUNTANT, "Anna")
    manager = staff(django_user_model, "maria", Role.FINANCE_MANAGER, "Maria")
    customer = make_customer(legal_name="Nordlicht Software AG")
    now = timezone.now()
    today = timezone.localdate(now)
    task, _ = task_open_for_cause(
        kind="customer_reply",
        title="Rückruf wegen Rechnungsfrage",
        as_of=now,
        rule="test",
        customer=customer,
        assignee=accountant,
        due_date=today - timedelta(days=1),
        priority=FollowUpTask.Priority.HIGH,
    )
    task_open_for_cause(
        kind="email_bounced",
        title="Neue E-Mail-Adresse erfragen",
        as_of=now,
        rule="test",
        customer=customer,
        assignee=accountant,
        due_date=today + timedelta(days=3),
    )
    return accountant, manager, task, today


def act(tour: Tour, task_id: int, action: str, *, name: str) -> None:
    """Submit one of the row's quick-action forms (its <details> opened before); the page comes back."""
    page = tour.page
    with page.expect_navigation():
        page.locator(f"#task-{task_id} button[data-action={action}]").click()
    tour.visited.append(tour.path())
    tour.check(name=name)


def test_an_accountant_and_a_manager_work_through_a_task(team, chromium, live_server, artifacts):
    accountant, manager, task, today = team
    tour = Tour(chromium, live_server.url, "worklist-accountant", artifacts)
    tour.login("anna", PASSWORD)
    page = tour.page

    # Home → "My tasks": the overdue task first, its kind and due date in words.
    tour.visit("/admin/", name="home")
    with page.expect_navigation():
        page.click("#finance-home .debitor-home-links a")
    tour.visited.append(tour.path())
    tour.check(name="my tasks")
    assert tour.path() == "/admin/tasks/followuptask/mine/"
    rows = page.locator("#worklist tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "Rückruf wegen Rechnungsfrage" in first and "Antwort des Kunden" in first and "hoch" in first
    assert (today - timedelta(days=1)).strftime("%d.%m.%Y") in first
    assert page.locator("#nav-sidebar a[href='/admin/tasks/followuptask/mine/'] .debitor-nav-alert").inner_text() == "1"

    # A note.
    row = page.locator(f"#task-{task.pk}")
    row.locator("summary").click()
    row.locator("textarea[name=text]").fill("Kunde nicht erreicht, Mailbox besprochen.")
    act(tour, task.pk, "note", name="note added")
    assert "Hinweis zu „Rückruf wegen Rechnungsfrage“ hinzugefügt." in page.inner_text(".messagelist")
    assert "Mailbox besprochen" in page.locator(f"#task-{task.pk}").inner_text()

    # Put aside until next week: it leaves the list until then.
    until = today + timedelta(days=7)
    row = page.locator(f"#task-{task.pk}")
    row.locator("summary").click()
    row.locator("input[name=until]").fill(until.isoformat())
    row.locator(".debitor-task-snooze input[name=note]").fill("Kunde im Urlaub")
    act(tour, task.pk, "snooze", name="put aside")
    assert f"zurückgestellt bis {until.strftime('%d.%m.%Y')}" in page.inner_text(".messagelist")
    assert page.locator(f"#task-{task.pk}").count() == 0

    # The waiting ones, through the status filter (applied as soon as it is chosen).
    with page.expect_navigation():
        page.select_option("#id_status", "waiting")
    tour.visited.append(tour.path())
    tour.check(name="waiting tasks")
    assert page.locator(f"#task-{task.pk}").count() == 1

    # Given to the finance manager.
    row = page.locator(f"#task-{task.pk}")
    row.locator("summary").click()
    row.locator("select[name=assignee]").select_option(str(manager.pk))
    act(tour, task.pk, "assign", name="reassigned")
    assert "ist jetzt Maria Muster zugewiesen" in page.inner_text(".messagelist")
    assert "status=waiting" in tour.path()  # back on the filtered list
    tour.close()

    # The manager finds it in the team view and closes it from the task's page.
    tour2 = Tour(chromium, live_server.url, "worklist-manager", artifacts)
    tour2.login("maria", PASSWORD)
    page = tour2.page
    tour2.visit(f"/admin/tasks/followuptask/team/?status=waiting&assignee={manager.pk}", name="team view")
    assert "Anna Muster\t1\t0" in page.inner_text("#team-load")  # to do per person: the other task
    assert page.locator("#worklist tbody tr").count() == 1
    with page.expect_navigation():
        page.click(f"#task-{task.pk} a.debitor-task-title")
    tour2.visited.append(tour2.path())
    tour2.check(name="task page")
    assert "Kunde nicht erreicht" in page.inner_text("#task-notes")
    history = page.inner_text("#task-history")
    assert "Zuständig: Anna Muster → Maria Muster" in history and "Status: offen → wartet" in history
    page.fill(".debitor-task-done textarea[name=resolution]", "Rechnungsfrage geklärt, Zahlung zugesagt.")
    with page.expect_navigation():
        page.click(".debitor-task-done button[data-action=done]")
    tour2.visited.append(tour2.path())
    tour2.check(name="task done")
    assert "ist erledigt" in page.inner_text(".messagelist")
    tour2.close()

    task.refresh_from_db()
    assert (task.status, task.assignee, task.resolution) == (
        FollowUpTask.Status.DONE,
        manager,
        "Rechnungsfrage geklärt, Zahlung zugesagt.",
    )
    assert task.notes.count() == 2
    problems = tour.problems + tour2.problems
    assert not problems, "\n".join(problems)
