from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_exports import ListExportMixin, word
from core.followups import followup_kind_label
from customers.admin.filters import CustomerFilter

from .models import FollowUpTask
from .services import task_transition
from .worklist import forms as worklist_forms
from .worklist import views as worklist
from .worklist.selectors import MINE, TEAM, assignable_users, task_history, task_notes


class KindFilter(admin.SimpleListFilter):
    """Task kinds by their names (core.followups), not their codes."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, followup_kind_label(kind)) for kind in kinds), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class TaskStateFilter(admin.SimpleListFilter):
    """Open (open, in progress, waiting), overdue (open and due before today) or closed."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("overdue", _("overdue")), ("closed", _("done or cancelled"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=FollowUpTask.OPEN_STATUSES)
        if self.value() == "overdue":
            return queryset.filter(status__in=FollowUpTask.OPEN_STATUSES, due_date__lt=timezone.localdate())
        if self.value() == "closed":
            return queryset.exclude(status__in=FollowUpTask.OPEN_STATUSES)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Mine or nobody's: the sidebar never lists every user."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        return [("me", _("me")), ("nobody", _("nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee_id=request.user.pk)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ListExportMixin, SimpleHistoryAdmin):
    list_display = ["title", "customer_link", "due", "priority", "assignee", "status"]
    list_filter = [TaskStateFilter, AssigneeFilter, "status", "priority", KindFilter, CustomerFilter]
    search_fields = ["title", "description", "kind", "customer__number", "customer__legal_name"]
    list_select_related = ["assignee", "customer"]
    ordering = ["-priority", "due_date", "created_at", "id"]
    export_fields = [
        ("title", _("title")),
        ("customer_number", _("customer number")),
        ("customer_name", _("customer")),
        ("due_date", _("due date")),
        ("priority_word", _("priority")),
        ("assignee_name", _("assignee")),
        ("status_word", _("status")),
        ("created_at", _("created")),
    ]

    def export_queryset(self, queryset):
        return queryset.select_related("customer", "assignee")

    def export_row(self, obj) -> dict:
        return {
            "title": obj.title,
            "customer_number": obj.customer.number if obj.customer_id else "",
            "customer_name": obj.customer.legal_name if obj.customer_id else "",
            "due_date": obj.due_date,
            "priority_word": word(FollowUpTask.Priority, obj.priority),
            "assignee_name": obj.assignee.get_username() if obj.assignee_id else "",
            "status_word": word(FollowUpTask.Status, obj.status),
            "created_at": obj.created_at,
        }

    @admin.display(description=_("customer"), ordering="customer__legal_name")
    def customer_link(self, obj):
        if obj.customer_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer.legal_name)

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        if obj.due_date is None:
            return "—"
        text = date_format(obj.due_date, "SHORT_DATE_FORMAT")
        if obj.status in FollowUpTask.OPEN_STATUSES and obj.due_date < timezone.localdate():
            return format_html('<span class="debitor-badge debitor-badge-overdue">{}</span>', text)
        return text

    actions = ["mark_done", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["created_by", "created_by_rule", "created_at", "closed_at"]
        if obj is None:
            return [*fixed, "status", "waiting_until"]
        # Status moves only through task_transition (the actions), which checks the table; the
        # assignee only through task_assign (the quick action "give to"), which records who did it.
        return [*fixed, "kind_shown", "content_type", "object_id", "status", "waiting_until", "assignee"]

    # --- The worklist (tasks/worklist/) and the task's own page ---------------------------------

    def get_urls(self):
        site = self.admin_site
        return [
            path("mine/", site.admin_view(self.mine_view), name="tasks_followuptask_mine"),
            path("team/", site.admin_view(self.team_view), name="tasks_followuptask_team"),
            path("<int:object_id>/act/", site.admin_view(self.act_view), name="tasks_followuptask_act"),
            *super().get_urls(),
        ]

    def mine_view(self, request):
        return worklist.worklist_view(self, request, scope=MINE)

    def team_view(self, request):
        return worklist.worklist_view(self, request, scope=TEAM)

    def act_view(self, request, object_id):
        return worklist.act_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The task's page: its notes and history beside the form, with the worklist's quick actions."""
        task = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if task is not None and request.method in ("GET", "HEAD"):
            today = timezone.localdate()
            acting = worklist.may_act(self, request)
            users = assignable_users() if acting else []
            extra.update(
                task_notes=task_notes(task),
                task_history=task_history(task),
                task_forms=worklist_forms.action_forms(task=task, today=today, users=users) if acting else {},
                may_act=acting,
                task_kind=followup_kind_label(task.kind),
                me=request.user,
                me_assignable=acting and any(user.pk == request.user.pk for user in users),
                next=request.get_full_path(),
                today=today,
            )
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(self, request, extra_context=None):
        links = {"worklist_url": reverse("admin:tasks_followuptask_mine")}
        if worklist.sees_team(request):
            links["team_url"] = reverse("admin:tasks_followuptask_team")
        return super().changelist_view(request, {**links, **(extra_context or {})})

    def get_exclude(self, request, obj=None):
        # An existing task's kind is shown in words (kind_shown), not as its code.
        return ["kind"] if obj is not None else super().get_exclude(request, obj)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj):
        return followup_kind_label(obj.kind)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)

    def _transition(self, request, queryset, to_status):
        for task in queryset.order_by("pk"):
            try:
                task_transition(task=task, to_status=to_status, as_of=timezone.now(), by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{task}: {' '.join(exc.messages)}", messages.WARNING)

    @admin.action(description=_("Mark selected tasks done"), permissions=["change"])
    def mark_done(self, request, queryset):
        self._transition(request, queryset, FollowUpTask.Status.DONE)

    @admin.action(description=_("Reopen selected tasks"), permissions=["change"])
    def reopen(self, request, queryset):
        self._transition(request, queryset, FollowUpTask.Status.OPEN)


from . import admin_config  # noqa: E402, F401  (task rules and e-mail settings: tasks/admin_config.py)
