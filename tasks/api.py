from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import ApiFilterSet
from core.api.problems import register_problem

from .models import FollowUpTask
from .services import TaskTransitionNotAllowed, task_transition

register_problem(
    TaskTransitionNotAllowed, status_code=status.HTTP_409_CONFLICT, type_slug="task-transition-not-allowed"
)


class FollowUpTaskSerializer(serializers.ModelSerializer):
    about_type = serializers.SerializerMethodField()
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "about_type",
            "object_id",
            "customer",
            "assignee",
            "due_date",
            "priority",
            "status",
            "created_by_rule",
            "created_at",
            "closed_at",
            "resolution",
        ]
        read_only_fields = fields

    def get_about_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None


class TaskTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUpTask.Status.choices)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpTaskFilter(ApiFilterSet):
    class Meta:
        model = FollowUpTask
        fields = {
            "status": ["exact", "in"],
            "kind": ["exact"],
            "due_date": ["lte", "gte"],
            "assignee": ["exact"],
            "customer": ["exact"],
        }


class FollowUpTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up tasks opened by people and rules."""

    api_area = "tasks"
    queryset = FollowUpTask.objects.select_related("content_type", "assignee")
    serializer_class = FollowUpTaskSerializer
    filterset_class = FollowUpTaskFilter
    ordering_fields = ["due_date", "priority", "created_at", "id"]
    ordering = ["-priority", "due_date", "created_at", "id"]

    @extend_schema(
        request=TaskTransitionSerializer,
        responses={
            200: FollowUpTaskSerializer,
            409: OpenApiResponse(description="The task's status does not allow this transition."),
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the task to another status (allowed transitions only)."""
        payload = TaskTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        task = task_transition(
            task=self.get_object(),
            to_status=payload.validated_data["status"],
            resolution=payload.validated_data["resolution"],
            as_of=timezone.now(),
            by=request.user if request.user.pk else None,
        )
        return Response(FollowUpTaskSerializer(task).data)
