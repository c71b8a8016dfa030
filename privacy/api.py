"""``/api/v1/privacy-requests/``: data-subject requests (area ``customers``, finance managers only —
reading too: an export holds everything about a person; an API key needs ``customers:write`` for
every call). Create a request, ``GET dry-run/`` what its erasure would do per source and why,
``POST execute/`` it, ``GET export/`` everything stored about the person (JSON; logged)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.authentication import ApiKeyPrincipal
from core.api.filters import ApiFilterSet
from core.api.idempotency import idempotent
from core.api.permissions import RolePermission
from core.api.problems import register_problem
from core.api.scopes import scopes_allow
from core.roles import Role
from customers.models import Contact, Customer

from .export import privacy_export
from .models import DataSubjectDecision, DataSubjectRequest, RequestKind, RequestStatus
from .services import (
    PrivacyRequestConflict,
    plan_as_dict,
    privacy_plan,
    privacy_request_create,
    privacy_request_execute,
    privacy_request_reject,
)

register_problem(PrivacyRequestConflict, status_code=status.HTTP_409_CONFLICT, type_slug="privacy-request-conflict")


def _by(request):
    return request.user if getattr(request.user, "pk", None) else None


class PrivacyPermission(RolePermission):
    """Finance managers for every method; an API key needs ``customers:write`` also to read."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, ApiKeyPrincipal):
            allowed = scopes_allow(request.user.api_key.scopes, area="customers", write=True)
            if not allowed:
                self.message = gettext("This API key lacks the scope '%(scope)s'.") % {"scope": "customers:write"}
            return allowed
        return super().has_permission(request, view)


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataSubjectDecision
        fields = [
            "source",
            "action",
            "basis",
            "erased_count",
            "restricted_count",
            "restricted_until",
            "explanation",
        ]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    kind = serializers.ChoiceField(choices=RequestKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "customer",
            "contacts",
            "customer_itself",
            "kind",
            "status",
            "received_at",
            "requested_by",
            "decided_at",
            "decided_by",
            "rejection_reason",
            "created_at",
            "decisions",
        ]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), help_text="The customer's id.")
    contacts = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), many=True, required=False, help_text="Ids of the customer's contact persons."
    )
    customer_itself = serializers.BooleanField(
        required=False, default=False, help_text="A consumer customer: the person is the customer."
    )
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    received_at = serializers.DateTimeField(help_text="When the request reached us (not in the future).")
    requested_by = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        default="",
        help_text="How it reached us (e.g. by e-mail of 3 March); blanked when an erasure is executed.",
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the request is not acted on.")


PlanSerializer = inline_serializer(
    name="PrivacyPlanEntry",
    fields={
        "source": serializers.CharField(),
        "label": serializers.CharField(),
        "action": serializers.CharField(help_text="erased, restricted or nothing"),
        "action_text": serializers.CharField(),
        "basis": serializers.CharField(),
        "basis_text": serializers.CharField(),
        "erase_count": serializers.IntegerField(),
        "restrict_count": serializers.IntegerField(),
        "restricted_until": serializers.DateField(allow_null=True),
        "explanation": serializers.CharField(),
    },
    many=True,
)
ExportSerializer = inline_serializer(
    name="PrivacyExport",
    fields={
        "request": serializers.DictField(),
        "generated_at": serializers.DateTimeField(),
        "sources": serializers.ListField(child=serializers.DictField()),
    },
)


class RequestFilter(ApiFilterSet):
    class Meta:
        model = DataSubjectRequest
        fields = {"customer": ["exact"], "kind": ["exact"], "status": ["exact"]}


class DataSubjectRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Data-subject requests under Art. 15 (access) and Art. 17 (erasure) DSGVO."""

    api_area = "customers"
    read_role = Role.FINANCE_MANAGER
    write_role = Role.FINANCE_MANAGER
    permission_classes = [PrivacyPermission]
    queryset = DataSubjectRequest.objects.select_related("decided_by").prefetch_related("contacts", "decisions").all()
    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    ordering = ["-received_at", "-id"]

    @extend_schema(request=RequestCreateSerializer, responses={201: RequestSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a request as received: contacts of the customer, or a consumer customer itself."""
        payload = RequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created = privacy_request_create(
            customer=data["customer"],
            contacts=data.get("contacts", []),
            customer_itself=data.get("customer_itself", False),
            kind=data["kind"],
            received_at=data["received_at"],
            requested_by=data.get("requested_by", ""),
            as_of=timezone.now(),
            by=_by(request),
        )
        return Response(RequestSerializer(self.get_queryset().get(pk=created.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PlanSerializer})
    @action(detail=True, methods=["get"], url_path="dry-run")
    def dry_run(self, request, pk=None):
        """What executing the erasure would do now, per source: erase, or keep and restrict until
        a date (and the legal basis). Changes nothing."""
        return Response(plan_as_dict(privacy_plan(request=self.get_object(), as_of=timezone.now())))

    @extend_schema(request=None, responses={200: RequestSerializer})
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        """Execute an erasure request, all in one transaction; 409 for an access request or one
        already done."""
        done = privacy_request_execute(request=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(RequestSerializer(self.get_queryset().get(pk=done.pk)).data)

    @extend_schema(request=RejectSerializer, responses={200: RequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Close an open request without acting on it, with the reason (409 once it is closed)."""
        payload = RejectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        done = privacy_request_reject(
            request=self.get_object(), reason=payload.validated_data["reason"], as_of=timezone.now(), by=_by(request)
        )
        return Response(RequestSerializer(self.get_queryset().get(pk=done.pk)).data)

    @extend_schema(request=None, responses={200: ExportSerializer})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything stored about the person, per source (logged as ``privacy.exported``; answers
        an open access request)."""
        return Response(privacy_export(request=self.get_object(), as_of=timezone.now(), by=_by(request)))
