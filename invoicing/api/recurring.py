"""Recurring invoice templates through the API: create, list, retrieve, change, pause, resume, end,
preview the next invoices. Thin: invoicing.recurring holds the rules and writes (a transition table
for the status, an event per change); an ended template answers 409 ``document-state-conflict``."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from customers.models import Customer, PaymentTerms

from .. import recurring
from ..models import RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent
from .serializers import MONEY, CustomerSummarySerializer, InvoiceLineInputSerializer


class RecurringEventSerializer(NamedEnumModelSerializer):
    by = serializers.SerializerMethodField(help_text="The user's name, or the API key or job that acted.")

    class Meta:
        model = RecurringInvoiceTemplateEvent
        fields = ["id", "kind", "at", "by", "from_state", "to_state", "reason", "data"]
        read_only_fields = fields

    def get_by(self, event) -> str:
        return event.by.get_username() if event.by_id else event.actor


class RecurringTemplateSerializer(NamedEnumModelSerializer):
    """A recurring invoice: schedule, terms, lines, status, and when the next invoice is made."""

    customer = CustomerSummarySerializer(read_only=True)
    lines = serializers.SerializerMethodField()
    next_run_on = serializers.SerializerMethodField(
        help_text="The day the daily job makes the next invoice; null while paused, ended or past the end date."
    )

    class Meta:
        model = RecurringInvoiceTemplate
        fields = [
            "id",
            "name",
            "customer",
            "status",
            "frequency",
            "day_of_month",
            "start_date",
            "end_date",
            "next_run_on",
            "auto_issue",
            "payment_terms",
            "note",
            "buyer_reference",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(InvoiceLineInputSerializer(many=True))
    def get_lines(self, template) -> list:
        return template.lines

    def get_next_run_on(self, template) -> str | None:
        day = recurring.next_run_on(template, today=self.context.get("today") or timezone.localdate())
        return day.isoformat() if day else None


class RecurringTemplateDetailSerializer(RecurringTemplateSerializer):
    events = RecurringEventSerializer(many=True, read_only=True)

    class Meta(RecurringTemplateSerializer.Meta):
        fields = [*RecurringTemplateSerializer.Meta.fields, "events"]
        read_only_fields = fields


class RecurringTemplateInputSerializer(NamedEnumModelSerializer):
    """A template as a client writes it; the lines are checked as invoice lines (``lines.N.field``)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    payment_terms = serializers.PrimaryKeyRelatedField(
        queryset=PaymentTerms.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="Active payment terms (see /payment-terms/); the customer's or the default when left out.",
    )
    lines = InvoiceLineInputSerializer(many=True, help_text="What each invoice bills (at least one line).")

    class Meta:
        model = RecurringInvoiceTemplate
        fields = [*recurring.TEMPLATE_FIELDS, "lines"]


class StatusChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class PreviewInvoiceSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    invoice_date = serializers.DateField(help_text="The day the job makes it (the period's start, or today).")
    net = serializers.DecimalField(**MONEY)
    vat = serializers.DecimalField(**MONEY)
    gross = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    problem = serializers.CharField(
        help_text="Why this invoice could not be made as the template stands; empty if fine."
    )


class RecurringTemplateFilter(ApiFilterSet):
    class Meta:
        model = RecurringInvoiceTemplate
        fields = {"status": ["exact", "in"], "frequency": ["exact"], "customer": ["exact"]}


def _jsonable_lines(rows) -> list[dict]:
    """Validated lines hold Decimals; the template stores them as JSON (numbers as strings)."""
    return json.loads(json.dumps([dict(row) for row in rows], cls=DjangoJSONEncoder))


def _fields_of(validated: dict) -> tuple[dict, list[dict] | None]:
    data = dict(validated)
    lines = data.pop("lines", None)
    return data, None if lines is None else _jsonable_lines(lines)


class RecurringTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recurring invoices (subscriptions, maintenance contracts): the daily job makes one invoice per
    period of each active template, exactly once. Finance viewers read; accountants write."""

    api_area = "invoicing"
    queryset = RecurringInvoiceTemplate.objects.all()
    filterset_class = RecurringTemplateFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["name", "start_date", "created_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        queryset = RecurringInvoiceTemplate.objects.select_related("customer").annotate(
            last_period_start=Max("runs__period_start")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__by")
        return queryset

    def get_serializer_class(self):
        return RecurringTemplateSerializer if self.action == "list" else RecurringTemplateDetailSerializer

    def _respond(self, template_id: int, *, status_code=status.HTTP_200_OK, **kwargs) -> Response:
        template = self.get_queryset().prefetch_related("events__by").get(pk=template_id)
        data = RecurringTemplateDetailSerializer(template, context=self.get_serializer_context()).data
        return Response(data, status=status_code, **kwargs)

    @extend_schema(request=RecurringTemplateInputSerializer, responses={201: RecurringTemplateDetailSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a recurring invoice (active from its start date)."""
        payload = RecurringTemplateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data, lines = _fields_of(payload.validated_data)
        template = recurring.recurring_template_create(data=data, lines=lines, as_of=timezone.now(), by=request.user)
        location = request.build_absolute_uri(reverse("v1:recurring-invoice-detail", args=[template.pk]))
        return self._respond(template.pk, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(request=RecurringTemplateInputSerializer, responses=RecurringTemplateDetailSerializer)
    def update(self, request, *args, **kwargs):
        """Replace the template's fields and lines; invoices already made stay. Ended: 409."""
        return self._update(request, partial=False)

    @extend_schema(request=RecurringTemplateInputSerializer, responses=RecurringTemplateDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change some fields (``lines`` replaces all lines when given). Ended: 409."""
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool) -> Response:
        template = self.get_object()
        payload = RecurringTemplateInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data, lines = _fields_of(payload.validated_data)
        recurring.recurring_template_update(
            template=template, data=data, lines=lines, as_of=timezone.now(), by=request.user
        )
        return self._respond(template.pk)

    def _transition(self, request, service) -> Response:
        template = self.get_object()
        payload = StatusChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service(template=template, as_of=timezone.now(), by=request.user, reason=payload.validated_data["reason"])
        return self._respond(template.pk)

    @extend_schema(request=StatusChangeSerializer, responses=RecurringTemplateDetailSerializer)
    @idempotent  # a retry replays the first answer instead of 409 "already paused"
    @action(detail=True, methods=["post"], filter_backends=[])
    def pause(self, request, pk=None):
        """Pause: no invoices until resumed (periods begun meanwhile are then made). 409 unless active."""
        return self._transition(request, recurring.recurring_template_pause)

    @extend_schema(request=StatusChangeSerializer, responses=RecurringTemplateDetailSerializer)
    @idempotent
    @action(detail=True, methods=["post"], filter_backends=[])
    def resume(self, request, pk=None):
        """Resume a paused template. 409 unless paused."""
        return self._transition(request, recurring.recurring_template_resume)

    @extend_schema(request=StatusChangeSerializer, responses=RecurringTemplateDetailSerializer)
    @idempotent
    @action(detail=True, methods=["post"], filter_backends=[])
    def end(self, request, pk=None):
        """End for good: no more invoices; the template and its invoices stay. 409 when already ended."""
        return self._transition(request, recurring.recurring_template_end)

    @extend_schema(
        parameters=[
            OpenApiParameter("count", int, description=f"How many invoices (1–{recurring.PREVIEW_MAX}, default 12).")
        ],
        responses=PreviewInvoiceSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def preview(self, request, pk=None):
        """The next invoices the template makes, with dates and amounts (nothing is stored)."""
        raw = request.query_params.get("count", "12")
        if not raw.isdigit() or not 1 <= int(raw) <= recurring.PREVIEW_MAX:
            raise serializers.ValidationError(
                {"count": [_("A whole number from 1 to %(max)s.") % {"max": recurring.PREVIEW_MAX}]}
            )
        rows = recurring.recurring_template_preview(
            template=self.get_object(), count=int(raw), today=timezone.localdate()
        )
        return Response(PreviewInvoiceSerializer(rows, many=True).data)
