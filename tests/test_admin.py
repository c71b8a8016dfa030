"""The admin: finance viewers look, accountants work, finance managers administer.

Django's admin trusts *view* permission further than Debitor does (change-list actions,
django-simple-history's revert form); core/admin_site.py guards every registered
ModelAdmin. These tests post the forms a browser would post and check the data stayed.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.translation import reloader as translation_reloader
from django_celery_beat.models import PeriodicTask

from core.admin_site import ChangeListWriteGuard
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause, task_transition

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


@pytest.fixture
def task(manager) -> FollowUpTask:
    task, _ = task_open_for_cause(kind="call", title="Call the customer", as_of=timezone.now(), created_by=manager)
    return task


def change_form(task: FollowUpTask, **changes) -> dict:
    """The fields the task change form posts (kind, status and the rest are read-only)."""
    data = {
        "title": task.title,
        "description": task.description,
        "assignee": "",
        "due_date": "",
        "priority": str(task.priority),
        "resolution": task.resolution,
    }
    return {**data, **changes}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Every registered ModelAdmin ----------------------------------------------------------


def test_every_registered_model_admin_is_wrapped_by_the_write_guard():
    unguarded = [
        str(model_admin)
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, ChangeListWriteGuard)
    ]
    assert not unguarded


def test_a_finance_viewer_holds_no_write_permission_on_any_registered_model(viewer, accountant):
    request = RequestFactory().get("/admin/")
    request.user = viewer
    writable = [
        f"{model._meta.label}: {what}"
        for model, model_admin in admin.site._registry.items()
        for what, allowed in (
            ("add", model_admin.has_add_permission(request)),
            ("change", model_admin.has_change_permission(request)),
            ("delete", model_admin.has_delete_permission(request)),
        )
        if allowed
    ]
    assert not writable
    request.user = accountant
    assert admin.site._registry[FollowUpTask].has_change_permission(request)


def test_a_finance_viewer_opens_exactly_the_change_lists_it_may_view(viewer):
    client = logged_in(viewer)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        expected = 200 if viewer.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}") else 403
        assert client.get(url).status_code == expected, url
    # The finance data is visible, the settings, keys and users are not.
    assert client.get("/admin/tasks/followuptask/").status_code == 200
    assert client.get("/admin/core/job/").status_code == 200
    for url in ("/admin/auth/user/", "/admin/core/apikey/", "/admin/django_celery_beat/periodictask/"):
        assert client.get(url).status_code == 403, url


# --- Change forms and actions -------------------------------------------------------------


def test_a_finance_viewer_sees_a_task_but_cannot_save_it(viewer, task):
    client = logged_in(viewer)
    url = f"/admin/tasks/followuptask/{task.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, change_form(task, title="Changed by a viewer")).status_code == 403
    task.refresh_from_db()
    assert task.title == "Call the customer"


def test_an_accountant_can_edit_a_task_and_mark_it_done_in_the_admin(accountant, task):
    client = logged_in(accountant)
    response = client.post(f"/admin/tasks/followuptask/{task.pk}/change/", change_form(task, title="Call again"))
    assert response.status_code == 302
    response = client.post("/admin/tasks/followuptask/", {"action": "mark_done", "_selected_action": [task.pk]})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.status) == ("Call again", FollowUpTask.Status.DONE)


def test_a_finance_viewer_is_offered_no_actions_and_cannot_mark_tasks_done(viewer, accountant, task):
    assert logged_in(viewer).get("/admin/tasks/followuptask/").context["action_form"] is None
    assert logged_in(accountant).get("/admin/tasks/followuptask/").context["action_form"] is not None

    response = logged_in(viewer).post(
        "/admin/tasks/followuptask/", {"action": "mark_done", "_selected_action": [task.pk]}
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN


@pytest.mark.parametrize("role", ["viewer", "accountant"])
@pytest.mark.parametrize("action", ["run_tasks", "enable_tasks", "toggle_tasks"])
def test_only_finance_managers_can_run_or_switch_periodic_tasks(role, action, request, monkeypatch):
    sent = []
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda self, *a, **kw: sent.append(self.name))
    periodic = PeriodicTask.objects.order_by("pk").first()
    PeriodicTask.objects.filter(pk=periodic.pk).update(enabled=False)
    client = logged_in(request.getfixturevalue(role))
    response = client.post(
        "/admin/django_celery_beat/periodictask/", {"action": action, "_selected_action": [periodic.pk]}
    )
    assert response.status_code == 403
    periodic.refresh_from_db()
    assert not periodic.enabled
    assert sent == []


def test_a_finance_manager_can_run_a_periodic_task_from_the_admin(manager, monkeypatch):
    sent = []
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda self, *a, **kw: sent.append(self.name))
    periodic = PeriodicTask.objects.get(task="core.sweep_jobs")
    response = logged_in(manager).post(
        "/admin/django_celery_beat/periodictask/", {"action": "run_tasks", "_selected_action": [periodic.pk]}
    )
    assert response.status_code == 302
    assert sent == ["core.sweep_jobs"]


# --- History: for reading only ------------------------------------------------------------


def test_a_finance_viewer_can_read_but_not_revert_a_tasks_history(viewer, task):
    first = task.history.order_by("history_id").first()
    url = f"/admin/tasks/followuptask/{task.pk}/history/{first.history_id}/"
    client = logged_in(viewer)
    assert client.get(f"/admin/tasks/followuptask/{task.pk}/history/").status_code == 200
    assert client.get(url).status_code == 200
    assert client.post(url, change_form(task, title="Rewritten by a viewer")).status_code == 403
    task.refresh_from_db()
    assert task.title == "Call the customer"


def test_reverting_a_task_to_an_old_version_is_refused_because_it_would_bypass_the_transitions(accountant, task):
    task = task_transition(
        task=task,
        to_status=FollowUpTask.Status.WAITING,
        as_of=timezone.now(),
        waiting_until=timezone.now().date() + timedelta(days=3),
    )
    waiting = task.history.order_by("-history_id").first()
    task = task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=timezone.now())
    assert FollowUpTask.Status.WAITING not in FollowUpTask.TRANSITIONS[FollowUpTask.Status.DONE]

    url = f"/admin/tasks/followuptask/{task.pk}/history/{waiting.history_id}/"
    response = logged_in(accountant).post(url, change_form(task))
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE


# --- Language -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_translations():
    """Compile locale/*/django.po like ``make messages`` when the .mo is missing or stale."""
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_suffix(".mo.partial")
        subprocess.run(["msgfmt", "--check", "-o", str(partial), str(po)], check=True)
        partial.replace(mo)  # atomic: a concurrent reader sees the old or the new catalogue
        translation_reloader.translation_file_changed(sender=None, file_path=mo)


def test_the_admin_index_speaks_german_or_english_as_the_browser_asks(viewer, compiled_translations):
    client = logged_in(viewer)
    german = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de")
    assert german.status_code == 200
    assert "Debitorenbuchhaltung" in german.content.decode()
    english = logged_in(viewer).get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Accounts receivable" in english.content.decode()
    assert "Debitorenbuchhaltung" not in english.content.decode()


# --- Users and role groups ------------------------------------------------------------------


def user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in user.groups.all()],
    }
    return {**data, **changes}


def test_a_finance_manager_gives_roles_but_cannot_make_a_superuser(manager, viewer):
    from django.contrib.auth.models import Group

    accountant_group = Group.objects.get(name="accountant")
    response = logged_in(manager).post(
        f"/admin/auth/user/{viewer.pk}/change/",
        user_form(viewer, groups=[str(accountant_group.pk)], is_superuser="on"),
    )
    assert response.status_code == 302, response.content[:2000]
    viewer.refresh_from_db()
    assert list(viewer.groups.values_list("name", flat=True)) == ["accountant"]
    assert viewer.is_superuser is False  # the field is read-only for managers


def test_a_finance_manager_cannot_edit_or_delete_a_superuser(manager, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="x")
    client = logged_in(manager)
    assert client.post(f"/admin/auth/user/{boss.pk}/change/", user_form(boss, is_active="")).status_code == 403
    assert client.post(f"/admin/auth/user/{boss.pk}/delete/", {"post": "yes"}).status_code == 403
    boss.refresh_from_db()
    assert boss.is_active


def test_role_groups_are_read_only_in_the_admin(manager):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="finance_viewer")
    before = set(group.permissions.values_list("pk", flat=True))
    client = logged_in(manager)
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 200  # viewable
    assert client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "renamed"}).status_code == 403
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "new"}).status_code == 403
    group.refresh_from_db()
    assert group.name == "finance_viewer" and set(group.permissions.values_list("pk", flat=True)) == before
