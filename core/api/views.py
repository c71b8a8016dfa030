from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core import services
from core.models import Job
from core.roles import Role, role_of

from .authentication import ApiKeyPrincipal
from .filters import ApiFilterSet
from .idempotency import idempotent
from .scopes import ALL_SCOPES
from .serializers import JobSerializer, MeSerializer


class MeView(APIView):
    """Who the caller is: user and role, or API key and scopes."""

    api_area = "platform"

    def get_permissions(self):
        # Every authenticated caller may ask who it is, whatever its scopes.
        from rest_framework.permissions import IsAuthenticated

        return [IsAuthenticated()]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        if isinstance(user, ApiKeyPrincipal):
            data = {
                "principal": str(user),
                "kind": "api_key",
                "role": None,
                "scopes": user.api_key.scopes,
            }
        else:
            role = role_of(user)
            data = {
                "principal": user.get_username(),
                "kind": "user",
                "role": role.group_name if role else None,
                "scopes": [s for s in ALL_SCOPES if role and (s.endswith(":read") or role >= Role.ACCOUNTANT)],
            }
        data["language"] = get_language()
        return Response(MeSerializer(data).data)


class JobFilter(ApiFilterSet):
    class Meta:
        model = Job
        fields = {"status": ["exact"], "kind": ["exact"], "created_at": ["gte", "lte"]}


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs: what the workers did, are doing and gave up on."""

    api_area = "platform"
    write_role = Role.FINANCE_MANAGER
    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["created_at", "run_after", "id"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=None, responses={202: JobSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=False, methods=["post"])
    def ping(self, request):
        """Enqueue a no-op job to check that workers run (poll the job until it is done)."""
        job = services.job_ping(as_of=timezone.now(), created_by=request.user if request.user.pk else None)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed or cancelled job again from its first attempt (finance managers)."""
        job = services.job_retry(job=self.get_object(), as_of=timezone.now())
        return Response(JobSerializer(job).data)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a pending or failed job from running (finance managers)."""
        job = services.job_cancel(job=self.get_object(), as_of=timezone.now())
        return Response(JobSerializer(job).data)
