"""The worklist pages of the task admin (``FollowUpTaskAdmin.get_urls``): "My tasks", the team
view for finance managers, and the quick actions both (and a task's own page) post to.

Thin: read through ``selectors``, validate through ``forms``, write through ``tasks.services``;
every quick action answers with a redirect back to the page it came from, filters kept, and says
what happened (or why not) in a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from core.formatting import date_text
from core.roles import Role, role_of

from ..models import FollowUpTask
from ..services import task_assign, task_note_add, task_snooze, task_transition
from . import forms as worklist_forms
from .selectors import (
    MINE,
    PAGE_SIZE,
    QUEUE,
    TEAM,
    assignable_users,
    team_load,
    worklist_rows,
    worklist_tasks,
)

TEMPLATE = "admin/tasks/followuptask/worklist.html"


def may_act(model_admin, request) -> bool:
    """Quick actions are writes: for whoever may change tasks (accountants and up)."""
    return model_admin.has_change_permission(request)


def sees_team(request) -> bool:
    role = role_of(request.user)
    return role is not None and role >= Role.FINANCE_MANAGER


def worklist_view(model_admin, request, *, scope: str):
    """My tasks (``scope`` MINE, or QUEUE: the team queue) or everyone's (TEAM, finance managers)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if scope == TEAM and not sees_team(request):
        raise PermissionDenied
    if scope == MINE and request.GET.get("queue") == "1":
        scope = QUEUE
    now = timezone.now()
    today = timezone.localdate(now)
    acting = may_act(model_admin, request)
    users = assignable_users() if acting or scope == TEAM else []
    load = team_load(today=today) if scope == TEAM else []
    # The team view filters by anyone holding tasks, also someone who no longer works on them.
    holders = users + [entry.user for entry in load if entry.user is not None and entry.user not in users]
    form = worklist_forms.WorklistFilterForm(
        request.GET, admin_site=model_admin.admin_site, users=holders if scope == TEAM else None
    )
    filters = form.filters()
    tasks = worklist_tasks(scope=scope, user_id=request.user.pk, today=today, filters=filters)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = worklist_rows(list(page.object_list), user=request.user)
    here = request.get_full_path()
    for row in rows:
        row.forms = worklist_forms.action_forms(task=row.task, today=today, users=users) if acting else {}
    kept = request.GET.copy()
    kept.pop("page", None)
    title = {MINE: gettext("My tasks"), QUEUE: gettext("Team queue"), TEAM: gettext("Team tasks")}[scope]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "scope": scope,
        "form": form,
        "media": model_admin.media + form.media,
        "rows": rows,
        "page": page,
        "kept_query": kept.urlencode(),
        "today": today,
        "may_act": acting,
        "sees_team": sees_team(request),
        "me": request.user,
        "me_assignable": any(user.pk == request.user.pk for user in users),
        "next": here,
        "load": load,
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "queue", "sort")),
    }
    return TemplateResponse(request, TEMPLATE, context)


def _back(request, task: FollowUpTask) -> HttpResponseRedirect:
    """Back where the form was (filters and page kept), at the task's row."""
    target = request.POST.get("next") or ""
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = reverse("admin:tasks_followuptask_mine")
    return HttpResponseRedirect(f"{target.split('#', 1)[0]}#task-{task.pk}")


def act_view(model_admin, request, object_id: int):
    """One quick action on one task: done, give to someone (or the team queue), put aside until a
    day, or a note. POST only; viewers are refused (403), as by every write of the admin."""
    if not may_act(model_admin, request):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    task = get_object_or_404(FollowUpTask, pk=object_id)
    action = request.POST.get("action", "")
    form_class = worklist_forms.ACTION_FORMS.get(action)
    if form_class is None:
        model_admin.message_user(request, gettext("Unknown action."), messages.ERROR)
        return _back(request, task)
    now = timezone.now()
    today = timezone.localdate(now)
    users = assignable_users() if action == worklist_forms.ASSIGN else []
    form = form_class(request.POST, task=task, today=today, users=users)
    if not form.is_valid():
        for error in worklist_forms.form_errors(form):
            model_admin.message_user(request, f"{task}: {error}", messages.ERROR)
        return _back(request, task)
    data, by = form.cleaned_data, request.user
    try:
        if action == worklist_forms.DONE:
            task_transition(
                task=task, to_status=FollowUpTask.Status.DONE, as_of=now, by=by, resolution=data["resolution"]
            )
            text = gettext("“%(task)s” is done.")
        elif action == worklist_forms.ASSIGN:
            assignee = data["assignee"]
            task_assign(task=task, assignee=assignee, as_of=now, by=by)
            if assignee is None:
                text = gettext("“%(task)s” is in the team queue now.")
            else:
                text = gettext("“%(task)s” is assigned to %(user)s now.")
        elif action == worklist_forms.SNOOZE:
            task_snooze(task=task, until=data["until"], as_of=now, by=by, note=data["note"])
            text = gettext("“%(task)s” is put aside until %(day)s.")
        else:
            task_note_add(task=task, text=data["text"], as_of=now, by=by)
            text = gettext("Note added to “%(task)s”.")
    except ValidationError as exc:
        for error in exc.messages:
            model_admin.message_user(request, f"{task}: {error}", messages.ERROR)
        return _back(request, task)
    values = {
        "task": task.title,
        "user": worklist_forms.user_name(data.get("assignee")),
        "day": date_text(data.get("until")),
    }
    model_admin.message_user(request, text % values, messages.SUCCESS)
    return _back(request, task)
