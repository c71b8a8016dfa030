"""API of dunning's configuration: policies and levels, customer settings, pauses.

- ``/api/v1/dunning-policies/``: list, read, create, change (PUT/PATCH) and delete policies with
  their levels nested; writes are finance managers' (``dunning.policies`` checks the rules: one
  default, levels 1..n, days, fees, template and task kind by name).
- ``/api/v1/dunning/pauses/``: list and create pauses of a customer or an invoice with a reason;
  ``POST …/{id}/resume/`` ends one with a reason (409 ``dunning-pause-conflict`` for a second open
  pause of a target, or a pause already resumed).
- ``/api/v1/customers/{id}/dunning-settings/``: a customer's settings (GET; PUT sets them).

Thin: validate the shape, call the services, render. Bad input answers 400 naming the field.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from core.followups import followup_kinds
from core.roles import Role
from customers.models import Customer
from invoicing.models import Invoice

from .documents import MAIL_TEMPLATES
from .models import DunningLevel, DunningPause, DunningPolicy, DunningProfile
from .pauses import PauseConflict, dunning_pause, dunning_resume
from .policies import LEVEL_FIELDS, dunning_policy_delete, dunning_policy_save, dunning_settings_save

register_problem(PauseConflict, status_code=status.HTTP_409_CONFLICT, type_slug=PauseConflict.type_slug)


def _user(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None


# --- Policies -------------------------------------------------------------------------------------


class DunningLevelSerializer(NamedEnumModelSerializer):
    template = serializers.ChoiceField(
        choices=MAIL_TEMPLATES, help_text="payment_reminder, dunning_notice or final_notice."
    )
    task_kind = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40,
        help_text="A follow-up task kind (e.g. call_customer); empty: none.",
    )  # fmt: skip

    class Meta:
        model = DunningLevel
        fields = ["id", *LEVEL_FIELDS]
        read_only_fields = ["id"]

    def validate_task_kind(self, value: str) -> str:
        if value and value not in followup_kinds():
            raise serializers.ValidationError(
                _("Unknown task kind; choose one of: %s") % ", ".join(sorted(followup_kinds()))
            )
        return value


class DunningPolicySerializer(NamedEnumModelSerializer):
    levels = DunningLevelSerializer(many=True, help_text="The levels, position 1..n without gaps.")

    class Meta:
        model = DunningPolicy
        fields = [
            "id",
            "name",
            "is_default",
            "active",
            "minimum_amount",
            "default_by_reminder",
            "default_by_agreed_date",
            "default_after_30_days",
            "receipt_assumed_after_days",
            "interest_jurisdiction",
            "interest_from_day_after_default",
            "interest_includes_payment_day",
            "day_count",
            "flat_fee_enabled",
            "first_default_reminder_free",
            "levels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The name's uniqueness is the service's check (400 naming "name"), not a second validator.
        extra_kwargs = {"name": {"validators": []}}


class DunningPolicyViewSet(viewsets.ModelViewSet):
    """Dunning policies with their levels; one is the default. Writes: finance managers."""

    api_area = "payments"
    write_role = Role.FINANCE_MANAGER
    serializer_class = DunningPolicySerializer
    filter_backends = [TieBreakOrderingFilter]
    ordering_fields = ["name", "id"]
    ordering = ["-is_default", "name", "id"]

    def get_queryset(self):
        return DunningPolicy.objects.prefetch_related("levels")

    def _save(self, request, policy=None, *, partial=False):
        payload = DunningPolicySerializer(instance=policy, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        levels = data.pop("levels", None)
        saved = dunning_policy_save(
            policy=policy,
            data=data,
            levels=[dict(level) for level in levels] if levels is not None else None,
            as_of=timezone.now(),
            by=_user(request),
        )
        return DunningPolicySerializer(self.get_queryset().get(pk=saved.pk)).data

    @extend_schema(request=DunningPolicySerializer, responses={201: DunningPolicySerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a policy with its levels (400 naming the field, e.g. ``levels[1].fee``)."""
        return Response(self._save(request), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """Change a policy; given ``levels`` replace its levels (a level with reminders stays)."""
        return Response(self._save(request, self.get_object(), partial=kwargs.get("partial", False)))

    def destroy(self, request, *args, **kwargs):
        """Delete a policy no customer and no reminder uses; never the default (400 naming the field)."""
        dunning_policy_delete(policy=self.get_object(), as_of=timezone.now(), by=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Pauses ---------------------------------------------------------------------------------------


class DunningPauseSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    ended_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    is_open = serializers.SerializerMethodField(help_text="Not resumed (an ``until`` in the past also ends it).")

    class Meta:
        model = DunningPause
        fields = [
            "id",
            "customer",
            "invoice",
            "reason",
            "until",
            "is_open",
            "created_at",
            "created_by",
            "ended_at",
            "ended_by",
            "end_reason",
        ]
        read_only_fields = fields

    def get_is_open(self, obj) -> bool:
        return obj.ended_at is None and (obj.until is None or obj.until >= timezone.localdate())


class PauseCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), required=False, allow_null=True)
    reason = serializers.CharField(max_length=255, help_text="Why dunning pauses (shown wherever the pause is).")
    until = serializers.DateField(required=False, allow_null=True, help_text="Inclusive; empty: until resumed.")


class PauseResumeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why dunning resumes.")


class DunningPauseFilter(ApiFilterSet):
    open = filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull", help_text="true: not resumed.")

    class Meta:
        model = DunningPause
        fields = {"customer": ["exact"], "invoice": ["exact"]}


class DunningPauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pauses of dunning for a customer or an invoice, with a reason."""

    api_area = "tasks"
    queryset = DunningPause.objects.all()
    serializer_class = DunningPauseSerializer
    filterset_class = DunningPauseFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return DunningPause.objects.select_related("created_by", "ended_by")

    @extend_schema(request=PauseCreateSerializer, responses={201: DunningPauseSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Pause dunning for ``customer`` or ``invoice`` (one of them); 409 when it is paused already."""
        payload = PauseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pause = dunning_pause(as_of=timezone.now(), by=_user(request), **payload.validated_data)
        return Response(
            DunningPauseSerializer(self.get_queryset().get(pk=pause.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=PauseResumeSerializer, responses={200: DunningPauseSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume dunning with a reason (409 when the pause has already been resumed)."""
        pause = self.get_object()
        payload = PauseResumeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dunning_resume(pause=pause, reason=payload.validated_data["reason"], as_of=timezone.now(), by=_user(request))
        return Response(DunningPauseSerializer(self.get_queryset().get(pk=pause.pk)).data)


# --- Customer settings ----------------------------------------------------------------------------


class DunningSettingsSerializer(serializers.ModelSerializer):
    policy = serializers.PrimaryKeyRelatedField(
        queryset=DunningPolicy.objects.filter(active=True), allow_null=True, required=False,
        help_text="An active policy; null: the default policy.",
    )  # fmt: skip
    # Null for a customer without settings of its own (they read as the defaults).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = DunningProfile
        fields = ["policy", "payment_date_agreed", "due_date_notice_days", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"due_date_notice_days": {"min_value": 1, "max_value": 60}}


class CustomerDunningSettingsView(GenericAPIView):
    """A customer's dunning settings: policy (null: the default), payment date agreed by contract
    (§ 286 (2) Nr. 1 BGB), due-date heads-up days (null: none). A customer without settings reads
    as the defaults."""

    api_area = "customers"
    pagination_class = None
    filter_backends = []
    serializer_class = DunningSettingsSerializer

    def _customer(self, customer_pk: int) -> Customer:
        return get_object_or_404(Customer, pk=customer_pk)

    def get(self, request, customer_pk: int):
        customer = self._customer(customer_pk)
        profile = DunningProfile.objects.filter(customer=customer).first()
        if profile is None:
            return Response(
                {"policy": None, "payment_date_agreed": False, "due_date_notice_days": None, "updated_at": None}
            )
        return Response(DunningSettingsSerializer(profile).data)

    def put(self, request, customer_pk: int):
        customer = self._customer(customer_pk)
        payload = DunningSettingsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        profile = dunning_settings_save(
            customer=customer,
            policy=data.get("policy"),
            payment_date_agreed=data.get("payment_date_agreed", False),
            due_date_notice_days=data.get("due_date_notice_days"),
            as_of=timezone.now(),
            by=_user(request),
        )
        return Response(DunningSettingsSerializer(profile).data)


router = DefaultRouter()
router.include_root_view = False
router.register("dunning-policies", DunningPolicyViewSet, basename="dunning-policy")
router.register("dunning/pauses", DunningPauseViewSet, basename="dunning-pause")

urlpatterns: list = [
    *router.urls,
    path(
        "customers/<int:customer_pk>/dunning-settings/",
        CustomerDunningSettingsView.as_view(),
        name="customer-dunning-settings",
    ),
]
