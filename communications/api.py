"""The outbox in the REST API: what was sent to customers, to whom, and whether it arrived.

Read access for every finance role (``customers:read``); "send again" is a write (accountants,
``customers:write``). Sending an invoice lives with the invoice (``POST /invoices/{id}/send/``,
invoicing.api) and answers with the outbox row serialised here. Lists select their relations
and prefetch nothing per row (query counts pinned in communications/tests/test_messages_admin_api.py).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.enums import SHARED_ENUM_NAMES, NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem
from customers.models import Customer

from .models import MessageEvent, MessageSubject, OutboxAttachment, OutboxMessage
from .registry import subject_kinds
from .services.transitions import MessageStateConflict

register_problem(MessageStateConflict, status_code=status.HTTP_409_CONFLICT, type_slug="message-state-conflict")

SHARED_ENUM_NAMES.update({"communications.OutboxMessage.language": "LanguageCodeEnum"})


def _by(request):
    """The user a change is recorded for; an API key is no user (its writes are recorded without one)."""
    return request.user if getattr(request.user, "pk", None) else None


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, required=False)
    email = serializers.EmailField()
    contact_id = serializers.IntegerField(allow_null=True, required=False)
    # A staff recipient (task digests); null for customers' contacts and typed-in addresses.
    user_id = serializers.IntegerField(allow_null=True, required=False, read_only=True)


class MessageEventSerializer(NamedEnumModelSerializer):
    class Meta:
        model = MessageEvent
        fields = ["id", "kind", "at", "provider_event_id", "description"]
        read_only_fields = fields


class OutboxAttachmentSerializer(NamedEnumModelSerializer):
    class Meta:
        model = OutboxAttachment
        fields = ["id", "filename", "content_type", "size", "sha256"]
        read_only_fields = fields


class SubjectSerializer(serializers.Serializer):
    """A row the message is about: ``app_label.model`` and its id."""

    type = serializers.CharField()
    id = serializers.IntegerField()


def _subject_rows(message) -> list[tuple[str, int]]:
    # ``subjects`` is prefetched with its content types (message_list_queryset): no query per row.
    return [(f"{s.content_type.app_label}.{s.content_type.model}", s.object_id) for s in message.subjects.all()]


class OutboxMessageSerializer(NamedEnumModelSerializer):
    """An outgoing message in brief: who, what, and where it stands.

    ``subjects`` lists everything the message is about; ``invoice`` (kept for clients that read
    it) is the first subject of the kind registered as ``invoice``, else null."""

    to = RecipientSerializer(many=True, read_only=True)
    invoice = serializers.SerializerMethodField()
    subjects = serializers.SerializerMethodField()
    attachment_count = serializers.SerializerMethodField()

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "customer",
            "invoice",
            "subjects",
            "template",
            "language",
            "subject",
            "to",
            "status",
            "attempts",
            "provider",
            "provider_message_id",
            "message_id",
            "cause",
            "resend_of",
            "attachment_count",
            "created_at",
            "sent_at",
            "delivered_at",
            "opened_at",
            "bounced_at",
            "failed_at",
        ]
        read_only_fields = fields

    def get_invoice(self, message) -> int | None:
        kind = next((k for k in subject_kinds() if k.name == "invoice"), None)
        if kind is None:
            return None
        label = f"{kind.model._meta.app_label}.{kind.model._meta.model_name}"
        return next((pk for type_, pk in _subject_rows(message) if type_ == label), None)

    @extend_schema_field(SubjectSerializer(many=True))
    def get_subjects(self, message) -> list[dict]:
        return [{"type": type_, "id": pk} for type_, pk in _subject_rows(message)]

    def get_attachment_count(self, message) -> int:
        annotated = getattr(message, "attachment_count", None)
        return annotated if annotated is not None else message.attachments.count()


class OutboxMessageDetailSerializer(OutboxMessageSerializer):
    """Everything the message was: sender, all recipients, both bodies, files, events."""

    cc = RecipientSerializer(many=True, read_only=True)
    bcc = RecipientSerializer(many=True, read_only=True)
    reply_to = RecipientSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    attachments = OutboxAttachmentSerializer(many=True, read_only=True)
    events = MessageEventSerializer(many=True, read_only=True)

    class Meta(OutboxMessageSerializer.Meta):
        fields = [
            *OutboxMessageSerializer.Meta.fields,
            "from_email",
            "cc",
            "bcc",
            "reply_to",
            "body_text",
            "body_html",
            "last_error",
            "created_by",
            "sending_at",
            "updated_at",
            "attachments",
            "events",
        ]
        read_only_fields = fields


class OutboxMessageFilter(ApiFilterSet):
    # ``?invoice=<id>``: the messages with that invoice among their subjects (a subject filter).
    invoice = filters.NumberFilter(method="filter_subject", label="invoice")

    class Meta:
        model = OutboxMessage
        fields = {
            "status": ["exact", "in"],
            "template": ["exact"],
            "customer": ["exact"],
            "created_at": ["gte", "lt"],
        }

    def filter_subject(self, queryset, name, value):
        from django.contrib.contenttypes.models import ContentType

        kind = next((k for k in subject_kinds() if k.name == name), None)
        if kind is None:
            return queryset.none()
        links = MessageSubject.objects.filter(
            content_type=ContentType.objects.get_for_model(kind.model), object_id=value
        )
        return queryset.filter(pk__in=links.values("message_id"))


class OutboxOrderingFilter(TieBreakOrderingFilter):
    nulls_smallest = frozenset({"sent_at", "delivered_at"})


_SUBJECTS = Prefetch("subjects", queryset=MessageSubject.objects.select_related("content_type").order_by("id"))


def message_list_queryset():
    return OutboxMessage.objects.annotate(attachment_count=Count("attachments")).prefetch_related(
        _SUBJECTS, "recipients"
    )


def message_detail_queryset():
    return OutboxMessage.objects.select_related("created_by").prefetch_related(
        "attachments", "events", _SUBJECTS, "recipients"
    )


def message_response(request, message_id: int, *, status_code=status.HTTP_200_OK) -> Response:
    message = message_detail_queryset().get(pk=message_id)
    location = request.build_absolute_uri(reverse("v1:message-detail", args=[message.pk]))
    data = OutboxMessageDetailSerializer(message, context={"request": request}).data
    return Response(data, status=status_code, headers={"Location": location})


class OutboxMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The outbox: every customer e-mail, filterable by status, template, customer and invoice."""

    api_area = "customers"
    queryset = OutboxMessage.objects.all()
    serializer_class = OutboxMessageSerializer
    filterset_class = OutboxMessageFilter
    filter_backends = [filters.DjangoFilterBackend, OutboxOrderingFilter]
    ordering_fields = ["created_at", "sent_at", "delivered_at", "status", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if self.action == "list":
            return message_list_queryset()
        if self.action == "retrieve":
            return message_detail_queryset()
        return OutboxMessage.objects.all()

    def get_serializer_class(self):
        return OutboxMessageSerializer if self.action == "list" else OutboxMessageDetailSerializer

    @extend_schema(request=None, responses={201: OutboxMessageDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=True, methods=["post"], filter_backends=[])
    def resend(self, request, pk=None):
        """Send a message again: a new queued row with the same content and attachments, to the
        customer's current recipients; the original stays as it was (the record of what happened)."""
        from .services.outbox import message_resend

        message = self.get_object()
        new = message_resend(message=message, as_of=timezone.now(), by=_by(request))
        return message_response(request, new.pk, status_code=status.HTTP_201_CREATED)


class CustomerMessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The messages of one customer, newest first; an unknown customer is a 404."""

    api_area = "customers"
    serializer_class = OutboxMessageSerializer
    filterset_class = OutboxMessageFilter
    filter_backends = [filters.DjangoFilterBackend, OutboxOrderingFilter]
    ordering_fields = ["created_at", "sent_at", "delivered_at", "status", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return OutboxMessage.objects.none()
        customer = get_object_or_404(Customer.objects.all(), pk=self.kwargs["customer_pk"])
        return message_list_queryset().filter(customer_id=customer.pk)
