"""Follow-up tasks and their rules in the API (conventions: core/api, README *API conventions*).

Reads for every finance role; writes (create, transition, assign, snooze, notes) for
accountants; the rules for finance managers. Every write calls a service of ``tasks.services`` or
``tasks.rules``; refusals are problems naming the field (400), a transition or a second open task
the state forbids answers 409.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import ApiFilterSet
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from core.followups import followup_kind_label
from core.roles import Role
from customers.models import Customer

from .models import FollowUpTask, TaskNote, TaskRule
from .rules import task_rule_label, task_rule_update, task_rules_ensure
from .services import (
    TaskAlreadyOpen,
    TaskTransitionNotAllowed,
    task_assign,
    task_create,
    task_note_add,
    task_snooze,
    task_transition,
)

register_problem(
    TaskTransitionNotAllowed, status_code=status.HTTP_409_CONFLICT, type_slug="task-transition-not-allowed"
)
register_problem(TaskAlreadyOpen, status_code=status.HTTP_409_CONFLICT, type_slug="task-already-open")


def _by(request):
    """The user a change is recorded for; an API key is no user (its writes are recorded without one)."""
    return request.user if getattr(request.user, "pk", None) else None


class FollowUpTaskSerializer(serializers.ModelSerializer):
    about_type = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField(help_text="The kind in words, in the reader's language.")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "description",
            "about_type",
            "object_id",
            "customer",
            "assignee",
            "due_date",
            "priority",
            "priority_label",
            "status",
            "status_label",
            "waiting_until",
            "created_by",
            "created_by_rule",
            "created_at",
            "closed_at",
            "resolution",
        ]
        read_only_fields = fields

    def get_about_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None

    def get_kind_label(self, obj) -> str:
        return followup_kind_label(obj.kind)


def _staff_user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise serializers.ValidationError(_("No user %(username)s.") % {"username": username})
    return user


class TaskCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=64, help_text="A task kind: call_customer, dispute, check_promise, …")
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    about_type = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What the task is about: 'invoicing.invoice', …"
    )
    about_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=FollowUpTask.Priority.choices, default=FollowUpTask.Priority.NORMAL)
    assignee = serializers.CharField(required=False, allow_blank=True, default="", help_text="A username.")

    def validate_assignee(self, value):
        return _staff_user(value)

    def validate(self, attrs):
        about_type, about_id = attrs.pop("about_type"), attrs.pop("about_id")
        attrs["about"] = None
        if bool(about_type) != bool(about_id):
            raise serializers.ValidationError({"about_id": _("Give both about_type and about_id, or neither.")})
        if about_type:
            attrs["about"] = _about_object(about_type, about_id)
        return attrs


def _about_object(about_type: str, about_id: str):
    """The object a person's task is about: a customer, or a row that belongs to one."""
    app_label, _dot, model = about_type.partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model.lower())
    except ContentType.DoesNotExist:
        content_type = None
    model_class = content_type.model_class() if content_type is not None else None
    if model_class is None or not (
        model_class is Customer or any(field.name == "customer" for field in model_class._meta.fields)
    ):
        text = _("Unknown type %(type)s: a task is about a customer or one of its records.") % {"type": about_type}
        raise serializers.ValidationError({"about_type": text})
    try:
        return model_class._default_manager.get(pk=about_id)
    except (model_class.DoesNotExist, ValueError, ValidationError):
        raise serializers.ValidationError({"about_id": _("No such object.")}) from None


class TaskTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUpTask.Status.choices)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    waiting_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Needed for status 'waiting': the day it comes back."
    )


class TaskAssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_blank=True, help_text="A username; empty: the team queue.")

    def validate_assignee(self, value):
        return _staff_user(value)


class TaskSnoozeSerializer(serializers.Serializer):
    waiting_until = serializers.DateField(help_text="The day the task is open again (after today).")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TaskNoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TaskNote
        fields = ["id", "text", "author", "rule", "created_at"]
        read_only_fields = ["id", "author", "rule", "created_at"]


class FollowUpTaskFilter(ApiFilterSet):
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="Open and due before today (or not).")
    assignee = filters.CharFilter(
        method="filter_assignee", help_text="'me' (the caller), 'nobody' (the team queue) or a user's id."
    )

    class Meta:
        model = FollowUpTask
        fields = {
            "status": ["exact", "in"],
            "kind": ["exact"],
            "due_date": ["lte", "gte"],
            "customer": ["exact"],
        }

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": FollowUpTask.OPEN_STATUSES, "due_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            user_id = getattr(self.request.user, "pk", None)
            if user_id is None:
                raise ValidationError({"assignee": [_("'me' needs a signed-in person, not an API key.")]})
            return queryset.filter(assignee_id=user_id)
        if value == "nobody":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit() and get_user_model().objects.filter(pk=min(int(value), 2**63 - 1)).exists():
            return queryset.filter(assignee_id=int(value))
        # As for every id filter: an id of nobody is bad input, not an empty list.
        raise ValidationError({"assignee": [_("Use 'me', 'nobody' or a user's id.")]})


def _task_response(task: FollowUpTask, *, status_code=status.HTTP_200_OK, **kwargs) -> Response:
    task = FollowUpTask.objects.select_related("content_type", "assignee", "created_by").get(pk=task.pk)
    return Response(FollowUpTaskSerializer(task).data, status=status_code, **kwargs)


class FollowUpTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up tasks opened by people and rules."""

    api_area = "tasks"
    queryset = FollowUpTask.objects.select_related("content_type", "assignee", "created_by")
    serializer_class = FollowUpTaskSerializer
    filterset_class = FollowUpTaskFilter
    ordering_fields = ["due_date", "priority", "created_at", "id"]
    ordering = ["-priority", "due_date", "created_at", "id"]

    @extend_schema(
        request=TaskCreateSerializer,
        responses={
            201: FollowUpTaskSerializer,
            409: OpenApiResponse(description="A task of this kind is open about the object already."),
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Open a task by hand (kind, title, customer, what it is about, due date, priority, assignee)."""
        payload = TaskCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = task_create(**payload.validated_data, as_of=timezone.now(), by=_by(request))
        location = request.build_absolute_uri(reverse("v1:followuptask-detail", args=[task.pk]))
        return _task_response(task, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        request=TaskTransitionSerializer,
        responses={
            200: FollowUpTaskSerializer,
            409: OpenApiResponse(description="The task's status does not allow this transition."),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the task to another status (allowed transitions only); "waiting" needs ``waiting_until``."""
        payload = TaskTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = task_transition(
            task=self.get_object(),
            to_status=payload.validated_data["status"],
            resolution=payload.validated_data["resolution"],
            waiting_until=payload.validated_data["waiting_until"],
            as_of=timezone.now(),
            by=_by(request),
        )
        return _task_response(task)

    @extend_schema(
        request=TaskAssignSerializer,
        responses={200: FollowUpTaskSerializer, 409: OpenApiResponse(description="The task is closed.")},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the task to a person, or to nobody (the team queue)."""
        payload = TaskAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = task_assign(
            task=self.get_object(),
            assignee=payload.validated_data["assignee"],
            as_of=timezone.now(),
            by=_by(request),
        )
        return _task_response(task)

    @extend_schema(
        request=TaskSnoozeSerializer,
        responses={200: FollowUpTaskSerializer, 409: OpenApiResponse(description="The task is closed.")},
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Put the task aside until a day (status "waiting"); it opens again that day."""
        payload = TaskSnoozeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = task_snooze(
            task=self.get_object(),
            until=payload.validated_data["waiting_until"],
            note=payload.validated_data["note"],
            as_of=timezone.now(),
            by=_by(request),
        )
        return _task_response(task)

    @extend_schema(methods=["GET"], request=None, responses=TaskNoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=TaskNoteSerializer, responses={201: TaskNoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        """The task's notes, oldest first (GET); add a note (POST)."""
        task = self.get_object()
        if request.method == "GET":
            notes = task.notes.select_related("author").order_by("created_at", "id")
            page = self.paginate_queryset(notes)  # pages like every list of the API
            return self.get_paginated_response(TaskNoteSerializer(page, many=True).data)
        payload = TaskNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = task_note_add(task=task, text=payload.validated_data["text"], as_of=timezone.now(), by=_by(request))
        return Response(TaskNoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- Rules ----------------------------------------------------------------------------------------


class TaskRuleSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="The rule in words, in the reader's language.")
    kind_label = serializers.SerializerMethodField()
    priority = serializers.ChoiceField(
        choices=FollowUpTask.Priority.choices, allow_null=True, required=False, help_text="null: as the cause says."
    )
    priority_label = serializers.CharField(source="get_priority_display", read_only=True, allow_null=True)
    assignee_strategy_label = serializers.CharField(source="get_assignee_strategy_display", read_only=True)

    class Meta:
        model = TaskRule
        fields = [
            "kind",
            "name",
            "kind_label",
            "enabled",
            "due_in_days",
            "priority",
            "priority_label",
            "assignee_strategy",
            "assignee_strategy_label",
            "updated_at",
        ]
        read_only_fields = ["kind", "updated_at"]

    def get_name(self, obj) -> str:
        return task_rule_label(obj.kind)

    def get_kind_label(self, obj) -> str:
        return followup_kind_label(obj.kind)


class TaskRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """How the system opens tasks of each kind: on or off, due period, priority, who gets them."""

    api_area = "tasks"
    write_role = Role.FINANCE_MANAGER
    queryset = TaskRule.objects.all()
    serializer_class = TaskRuleSerializer
    lookup_field = "kind"
    ordering_fields = ["kind"]
    ordering = ["kind"]
    filterset_class = None

    def list(self, request, *args, **kwargs):
        task_rules_ensure()  # a row for every registered kind, so every rule can be seen and changed
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TaskRuleSerializer, responses=TaskRuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a rule (finance managers): fields left out stay as they are."""
        rule = self.get_object()
        payload = TaskRuleSerializer(rule, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rule = task_rule_update(
            rule=rule,
            as_of=timezone.now(),
            by=_by(request),
            enabled=data.get("enabled"),
            due_in_days=data.get("due_in_days"),
            priority=data["priority"] if "priority" in data else "keep",
            assignee_strategy=data.get("assignee_strategy"),
        )
        return Response(TaskRuleSerializer(rule).data)
