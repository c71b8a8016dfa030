"""``/api/v1/page-links/``: customer page links for finance systems (area ``invoicing``).

Creating answers the link's URL once (only its hash is stored); reading lists links with their
visits; ``revoke`` ends one. Made and revoked through ``portal.services`` like the admin's actions.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from customers.models import Customer
from invoicing.models import Invoice

from .models import PageLink, PageLinkStatus
from .services import PageLinkConflict, page_link_create, page_link_revoke

register_problem(PageLinkConflict, status_code=status.HTTP_409_CONFLICT, type_slug="page-link-conflict")


def _by(request):
    return request.user if getattr(request.user, "pk", None) else None


class PageLinkSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=PageLinkStatus.choices, read_only=True)
    expired = serializers.SerializerMethodField(help_text="True once expires_at has passed.")

    class Meta:
        model = PageLink
        fields = [
            "id",
            "customer",
            "invoice",
            "status",
            "expired",
            "created_at",
            "expires_at",
            "revoked_at",
            "first_viewed_at",
            "last_viewed_at",
            "view_count",
        ]
        read_only_fields = fields

    def get_expired(self, obj) -> bool:
        return obj.expires_at <= timezone.now()


class PageLinkCreatedSerializer(PageLinkSerializer):
    url = serializers.SerializerMethodField(help_text="The page's address: shown only in this answer.")

    class Meta(PageLinkSerializer.Meta):
        fields = [*PageLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return self.context["url"]


class PageLinkCreateSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(), required=False, allow_null=True, help_text="An issued invoice's id."
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="A customer's id: a link to the account (open items, statement) without an invoice.",
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Default: 90 days after the invoice's due date, at least 30 days."
    )

    def validate(self, attrs):
        if not attrs.get("invoice") and not attrs.get("customer"):
            raise serializers.ValidationError({"invoice": "Give an invoice or a customer."})
        return attrs


class PageLinkFilter(ApiFilterSet):
    class Meta:
        model = PageLink
        fields = {"customer": ["exact"], "invoice": ["exact"], "status": ["exact"]}


class PageLinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Links to the customer's invoice page (``/p/<token>/``): signed, expiring, revocable."""

    api_area = "invoicing"
    queryset = PageLink.objects.all()
    serializer_class = PageLinkSerializer
    filterset_class = PageLinkFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "expires_at", "first_viewed_at", "id"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=PageLinkCreateSerializer, responses={201: PageLinkCreatedSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Make a link to an issued invoice's page (``invoice``) or to a customer's account page
        (``customer``); the answer carries its ``url``, which is not shown again."""
        payload = PageLinkCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        new = page_link_create(
            invoice=data.get("invoice"),
            customer=data.get("customer"),
            expires_at=data.get("expires_at"),
            as_of=timezone.now(),
            by=_by(request),
        )
        body = PageLinkCreatedSerializer(new.link, context={"url": request.build_absolute_uri(new.path)}).data
        location = request.build_absolute_uri(reverse("v1:page-link-detail", args=[new.link.pk]))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(request=None, responses=PageLinkSerializer)
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], filter_backends=[])
    def revoke(self, request, pk=None):
        """Revoke the link: from now on it opens a "no longer valid" page. 409 when already revoked."""
        link = page_link_revoke(link=self.get_object(), as_of=timezone.now(), by=_by(request))
        return Response(PageLinkSerializer(link).data)
