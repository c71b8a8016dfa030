"""The timeline and notes in the REST API.

``GET /api/v1/customers/{id}/timeline/``: the customer's timeline, newest first, with the filters
of the admin page (``category`` — repeatable or comma-separated —, ``since``, ``until`` as dates,
``actor`` kind) and page-number paging (``page``, ``page_size`` up to 200). Each entry: type,
category, at, the sentence in the request's language, the actor {kind, name}, the object
{type, id} and the event's data. Three queries per page, however long the history.

``/api/v1/customer-notes/``: notes and logged calls; ``POST`` adds one (accountants,
``customers:write``) through ``communications.services.notes``; refusals are problem documents
naming the field.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import urlencode
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.reverse import reverse

from communications.models import CustomerNote
from communications.services.notes import customer_call_log, customer_note_add
from core.api.enums import NamedEnumModelSerializer
from core.api.idempotency import idempotent
from core.api.pagination import MAX_PAGE_SIZE
from customers.models import Customer

from .categories import CATEGORIES
from .selectors import ACTOR_KINDS, PAGE_SIZE, TimelineQueryError, customer_timeline


class TimelineQuerySerializer(serializers.Serializer):
    category = serializers.ListField(child=serializers.ChoiceField(choices=CATEGORIES), required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    actor = serializers.ChoiceField(choices=ACTOR_KINDS, required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, default=PAGE_SIZE)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["The period ends before it starts."]})
        attrs["page_size"] = min(attrs["page_size"], MAX_PAGE_SIZE)
        return attrs


class ActorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ACTOR_KINDS)
    name = serializers.CharField()


class TimelineObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model, e.g. invoicing.invoice")
    id = serializers.IntegerField()


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField(help_text="The event type, e.g. invoice.issued, message.delivered, call.logged.")
    category = serializers.ChoiceField(choices=CATEGORIES)
    at = serializers.DateTimeField()
    sentence = serializers.CharField(help_text="What happened, in the request's language.")
    actor = ActorSerializer()
    object = TimelineObjectSerializer(allow_null=True)
    message_status = serializers.CharField(
        allow_blank=True, help_text="For message events: the message's current delivery status."
    )
    data = serializers.DictField()


def _entry_data(entry) -> dict:
    return {
        "id": entry.id,
        "type": entry.type,
        "category": entry.category,
        "at": entry.at,
        "sentence": entry.sentence,
        "actor": {"kind": entry.actor_kind, "name": entry.actor_name},
        "object": {"type": entry.object_type, "id": entry.object_id} if entry.object_type else None,
        "message_status": entry.message_status,
        "data": entry.data,
    }


def _query_values(request) -> dict:
    """The query string as the serializer reads it: ``category`` repeated or comma-separated."""
    values = {key: request.query_params.get(key) for key in ("since", "until", "actor", "page", "page_size")}
    values = {key: value for key, value in values.items() if value not in (None, "")}
    categories = [part for raw in request.query_params.getlist("category") for part in raw.split(",") if part]
    if categories:
        values["category"] = categories
    return values


class CustomerTimelineView(GenericAPIView):
    """A customer's timeline, newest first (the admin's timeline page, as data)."""

    api_area = "customers"
    pagination_class = None
    filter_backends = []
    serializer_class = TimelineEntrySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "category",
                str,
                many=True,
                enum=list(CATEGORIES),
                description="Only these categories (repeat the parameter or separate by commas).",
            ),
            OpenApiParameter("since", str, description="From this day (YYYY-MM-DD, in the configured time zone)."),
            OpenApiParameter("until", str, description="Up to and including this day (YYYY-MM-DD)."),
            OpenApiParameter("actor", str, enum=list(ACTOR_KINDS), description="Only entries by this kind of actor."),
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter(
                "page_size", int, description=f"Entries per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
            ),
        ],
        responses={
            200: inline_serializer(
                "CustomerTimelinePage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": TimelineEntrySerializer(many=True),
                },
            )
        },
    )
    def get(self, request, customer_pk: int):
        customer = get_object_or_404(Customer.objects.only("pk", "currency"), pk=customer_pk)
        query = TimelineQuerySerializer(data=_query_values(request))
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            page = customer_timeline(
                customer.pk,
                kinds=params.get("category"),
                since=params.get("since"),
                until=params.get("until"),
                actor=params.get("actor"),
                page=params["page"],
                page_size=params["page_size"],
                currency=customer.currency,
            )
        except TimelineQueryError as exc:
            if exc.field == "page":
                raise exceptions.NotFound(exc.message) from None
            raise exceptions.ValidationError({exc.field: [exc.message]}) from None
        base = reverse("v1:customer-timeline", args=[customer.pk], request=request)
        others = [(k, v) for k, v in request.query_params.lists() if k != "page"]

        def link(number):
            flat = [(k, item) for k, values in others for item in values] + [("page", number)]
            return f"{base}?{urlencode(flat)}"

        return Response(
            {
                "count": page.count,
                "next": link(page.page + 1) if page.has_next else None,
                "previous": link(page.page - 1) if page.has_previous else None,
                "results": [_entry_data(entry) for entry in page.entries],
            }
        )


class CustomerNoteSerializer(NamedEnumModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CustomerNote
        fields = [
            "id",
            "customer",
            "contact",
            "kind",
            "occurred_at",
            "summary",
            "direction",
            "outcome",
            "author",
            "created_at",
        ]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {
            "occurred_at": {"required": False, "help_text": "When it happened (default: now)."},
            "direction": {"help_text": "Calls only: outgoing (we called) or incoming."},
            "outcome": {"help_text": "Calls only."},
        }

    def validate(self, attrs):
        contact = attrs.get("contact")
        if contact is not None and contact.customer_id != attrs["customer"].pk:
            raise serializers.ValidationError({"contact": ["This contact belongs to another customer."]})
        return attrs


class CustomerNoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Notes and logged calls; ``?customer=`` lists one customer's. Never changed once written."""

    api_area = "customers"
    queryset = CustomerNote.objects.select_related("author").order_by("-occurred_at", "-id")
    serializer_class = CustomerNoteSerializer
    filterset_fields = ["customer", "kind", "outcome"]
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at", "-id"]

    @extend_schema(responses={201: CustomerNoteSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        by = request.user if getattr(request.user, "pk", None) else None
        common = {
            "customer": data["customer"],
            "contact": data.get("contact"),
            "summary": data.get("summary", ""),
            "occurred_at": data.get("occurred_at") or timezone.now(),
            "as_of": timezone.now(),
            "by": by,
        }
        if data["kind"] == CustomerNote.Kind.CALL:
            note = customer_call_log(**common, direction=data.get("direction", ""), outcome=data.get("outcome", ""))
        else:
            if data.get("direction") or data.get("outcome"):
                raise serializers.ValidationError({"kind": ["A note has no direction or outcome; log a call instead."]})
            note = customer_note_add(**common)
        return Response(self.get_serializer(note).data, status=status.HTTP_201_CREATED)
