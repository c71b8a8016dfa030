from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.followups import followup_kind_label

from .models import FollowUpTask
from .services import task_transition


class KindFilter(admin.SimpleListFilter):
    """Task kinds by their names (core.followups), not their codes."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, followup_kind_label(kind)) for kind in kinds), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind_shown", "status", "priority", "due_date", "assignee", "created_at"]
    list_filter = ["status", KindFilter, "priority"]
    search_fields = ["title", "description", "kind"]
    list_select_related = ["assignee"]
    ordering = ["-priority", "due_date", "created_at", "id"]
    actions = ["mark_done", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["created_by", "created_by_rule", "created_at", "closed_at"]
        if obj is None:
            return [*fixed, "status"]
        # Status moves only through task_transition (the actions), which checks the table.
        return [*fixed, "kind_shown", "content_type", "object_id", "status"]

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
