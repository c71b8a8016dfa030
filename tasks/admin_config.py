"""Admin pages of the task rules (finance managers change them; everyone else reads) and of one's
own task e-mail settings. Changes go through the services (``tasks.rules.task_rule_update``)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.followups import followup_kind_label

from .models import TaskPreferences, TaskRule
from .rules import task_rule_label, task_rule_update, task_rules_ensure


@admin.register(TaskRule)
class TaskRuleAdmin(admin.ModelAdmin):
    list_display = ["rule_name", "enabled", "due_in_days", "priority", "assignee_strategy"]
    list_filter = ["enabled", "assignee_strategy"]
    ordering = ["kind", "id"]
    fields = ["rule_name", "kind_shown", "enabled", "due_in_days", "priority", "assignee_strategy", "updated_at"]
    readonly_fields = ["rule_name", "kind_shown", "updated_at"]

    def changelist_view(self, request, extra_context=None):
        # One row per registered kind, made when someone looks (a kind added by a later release
        # appears with the defaults).
        task_rules_ensure()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # rows exist per task kind

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead

    @admin.display(description=_("rule"), ordering="kind")
    def rule_name(self, obj):
        return task_rule_label(obj.kind)

    @admin.display(description=_("task kind"))
    def kind_shown(self, obj):
        return followup_kind_label(obj.kind)

    def save_model(self, request, obj, form, change):
        task_rule_update(
            rule=obj,
            as_of=timezone.now(),
            by=request.user,
            enabled=form.cleaned_data["enabled"],
            due_in_days=form.cleaned_data["due_in_days"],
            priority=form.cleaned_data["priority"],
            assignee_strategy=form.cleaned_data["assignee_strategy"],
        )


@admin.register(TaskPreferences)
class TaskPreferencesAdmin(admin.ModelAdmin):
    """Each person sees and edits only their own settings."""

    list_display = ["user", "daily_digest", "email_on_assignment", "language"]
    fields = ["daily_digest", "email_on_assignment", "language"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user_id=request.user.pk).select_related("user")

    def add_view(self, request, form_url="", extra_context=None):
        # One row per person: who has theirs already edits it (checked here, not in
        # has_add_permission, which every admin page asks for the navigation).
        own = TaskPreferences.objects.filter(user_id=request.user.pk).first()
        if own is not None and self.has_change_permission(request, own):
            return redirect(reverse("admin:tasks_taskpreferences_change", args=[own.pk]))
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = request.user
        super().save_model(request, obj, form, change)
