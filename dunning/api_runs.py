"""API of dunning runs: state per invoice and customer, dry run, runs (with their entries) and reminders.

Thin: the decisions are ``dunning.selection``'s, the dry run is ``dunning.services.dunning_dry_run``
(it writes nothing). Reads need any finance role (or ``invoicing:read``); the dry run is a POST
and needs an accountant (or ``invoicing:write``), although it stores nothing. Reasons and statuses
come as codes and in words (the caller's language).
"""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from core.api.enums import NamedEnumModelSerializer
from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.messages import message_text, messages_text
from customers.models import Customer
from invoicing.models import Invoice

from . import charges
from .models import DunningRun, DunningRunEntry, Reminder
from .selection import Decision, decisions_for
from .selectors import paused_customers, paused_invoices, policies_of, profiles_of
from .services import RunReport, dunning_dry_run

API_AREA = "invoicing"


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


# --- State ----------------------------------------------------------------------------------------------
class PauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    until = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class InvoiceStateSerializer(serializers.Serializer):
    invoice = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField()
    overdue = serializers.BooleanField(help_text="Issued, open and past its due date on as_of.")
    due_date = serializers.DateField(allow_null=True)
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    policy = serializers.CharField(allow_null=True)
    level_reached = serializers.IntegerField(allow_null=True)
    level_reached_name = serializers.CharField(allow_blank=True)
    next_level = serializers.IntegerField(allow_null=True)
    next_level_name = serializers.CharField(allow_blank=True)
    next_level_day = serializers.DateField(allow_null=True, help_text="The day the next level falls (or fell) due.")
    due_now = serializers.BooleanField(help_text="The next level is due on as_of.")
    skip_reason = serializers.CharField(allow_blank=True, help_text="A SkipReason code; empty: it is reminded.")
    skip_reason_text = serializers.CharField(allow_blank=True)
    reason_text = serializers.CharField(allow_blank=True, help_text="Why, in words.")
    default_since = serializers.DateField(allow_null=True, help_text="The day default began (§ 286 BGB), if known.")
    default_basis = serializers.CharField(allow_blank=True)
    pauses = PauseSerializer(many=True)


class CustomerStateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    as_of = serializers.DateField()
    policy = serializers.CharField(allow_null=True)
    dunning_blocked = serializers.BooleanField()
    dunning_block_reason = serializers.CharField(allow_blank=True)
    pauses = PauseSerializer(many=True)
    invoices = InvoiceStateSerializer(many=True)


def _pause(pause) -> dict:
    return {"id": pause.pk, "reason": pause.reason, "until": pause.until, "created_at": pause.created_at}


def _skip_text(code: str) -> str:
    from .models import SkipReason

    return str(SkipReason(code).label) if code else ""


def _state(decision: Decision | None, invoice: Invoice, *, start, pauses: list) -> dict:
    last = decision.last_level if decision else None
    following = decision.next_level if decision else None
    policy = decision.policy if decision else None
    return {
        "invoice": invoice.pk,
        "number": invoice.number or "",
        "customer": invoice.customer_id,
        "overdue": decision is not None,
        "due_date": invoice.due_date,
        "open_amount": invoice.open_amount,
        "currency": invoice.currency,
        "policy": policy.name if policy else None,
        "level_reached": last.position if last else None,
        "level_reached_name": last.name if last else "",
        "next_level": following.position if following else None,
        "next_level_name": following.name if following else "",
        "next_level_day": decision.next_day if decision else None,
        "due_now": bool(decision and decision.due),
        "skip_reason": decision.skip if decision else "",
        "skip_reason_text": _skip_text(decision.skip) if decision else "",
        "reason_text": message_text(decision.reason) if decision else "",
        "default_since": start.day if start else None,
        "default_basis": start.basis if start else "",
        "pauses": pauses,
    }


def _as_of(request) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return _today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"as_of": [gettext("Give the day as YYYY-MM-DD.")]}) from None


def _starts(invoices: list[Invoice], customer_ids: list[int], as_of: date) -> dict:
    return charges.default_starts(
        invoices=invoices, policies=policies_of(customer_ids), profiles=profiles_of(customer_ids), as_of=as_of
    )


class AsOfQuery(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="Default: today.")


class InvoiceStateView(APIView):
    """The dunning state of one invoice on ``as_of`` (default today)."""

    api_area = API_AREA

    @extend_schema(parameters=[AsOfQuery], responses=InvoiceStateSerializer, operation_id="dunning_invoice_state")
    def get(self, request, pk: int):
        invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
        as_of = _as_of(request)
        found = decisions_for([invoice.customer_id], as_of=as_of)
        decision = next((d for group in found for d in group.decisions if d.invoice.pk == invoice.pk), None)
        start = _starts([invoice], [invoice.customer_id], as_of).get(invoice.pk)
        pauses = [_pause(p) for p in paused_invoices([invoice.pk], as_of=as_of).values()]
        return Response(InvoiceStateSerializer(_state(decision, invoice, start=start, pauses=pauses)).data)


class CustomerStateView(APIView):
    """The dunning state of a customer and each of its overdue invoices on ``as_of`` (default today)."""

    api_area = API_AREA

    @extend_schema(parameters=[AsOfQuery], responses=CustomerStateSerializer, operation_id="dunning_customer_state")
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer, pk=pk)
        as_of = _as_of(request)
        found = decisions_for([customer.pk], as_of=as_of)
        decisions = [d for group in found for d in group.decisions]
        invoices = [d.invoice for d in decisions]
        starts = _starts(invoices, [customer.pk], as_of) if invoices else {}
        invoice_pauses = paused_invoices([i.pk for i in invoices], as_of=as_of)
        policy = policies_of([customer.pk]).get(customer.pk)
        data = {
            "customer": customer.pk,
            "as_of": as_of,
            "policy": policy.name if policy else None,
            "dunning_blocked": customer.dunning_blocked,
            "dunning_block_reason": customer.dunning_block_reason,
            "pauses": [_pause(p) for p in paused_customers([customer.pk], as_of=as_of).values()],
            "invoices": [
                _state(
                    d,
                    d.invoice,
                    start=starts.get(d.invoice.pk),
                    pauses=[_pause(invoice_pauses[d.invoice.pk])] if d.invoice.pk in invoice_pauses else [],
                )
                for d in decisions
            ],
        }
        return Response(CustomerStateSerializer(data).data)


# --- Dry run ------------------------------------------------------------------------------------------------
class DryRunRequest(serializers.Serializer):
    as_of = serializers.DateField()
    customers = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000, help_text="Only these customers."
    )


class ReportEntrySerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    invoice = serializers.IntegerField(allow_null=True)
    number = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    level_name = serializers.CharField(allow_blank=True)
    next_day = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    skip_reason = serializers.CharField(allow_blank=True)
    reason_text = serializers.CharField(allow_blank=True)


class ReportLetterSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    language = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    to = serializers.ListField(child=serializers.DictField())
    lines = serializers.ListField(child=serializers.DictField(), help_text="The reminder's lines (snapshot).")


class RunReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    counts = serializers.DictField(child=serializers.IntegerField())
    warnings = serializers.ListField(child=serializers.CharField())
    entries = ReportEntrySerializer(many=True)
    letters = ReportLetterSerializer(many=True)


def report_data(report: RunReport) -> dict:
    return {
        "as_of": report.as_of,
        "counts": report.counts,
        "warnings": [message_text(w) for w in report.warnings],
        "entries": [{**e.__dict__, "reason_text": e.reason_text} for e in report.entries],
        "letters": [l.__dict__ for l in report.letters],  # noqa: E741
    }


class DryRunViewSet(viewsets.ViewSet):
    """What a dunning run would do on ``as_of``: every invoice with its outcome and reason, every
    letter with its lines. Nothing is written."""

    api_area = API_AREA

    @extend_schema(request=DryRunRequest, responses={200: RunReportSerializer}, operation_id="dunning_dry_run")
    def create(self, request):
        given = DryRunRequest(data=request.data)
        given.is_valid(raise_exception=True)
        report = dunning_dry_run(
            as_of=given.validated_data["as_of"], customer_ids=given.validated_data.get("customers")
        )
        return Response(RunReportSerializer(report_data(report)).data)


# --- Runs and reminders ---------------------------------------------------------------------------------------
class DunningRunSerializer(NamedEnumModelSerializer):
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    warnings_text = serializers.SerializerMethodField()

    class Meta:
        model = DunningRun
        fields = [
            "id",
            "as_of",
            "dry_run",
            "status",
            "started_at",
            "finished_at",
            "started_by",
            "trigger",
            "counts",
            "warnings_text",
        ]
        read_only_fields = fields

    def get_warnings_text(self, obj) -> str:
        return messages_text(obj.warnings)


class DunningRunEntrySerializer(NamedEnumModelSerializer):
    level = serializers.SerializerMethodField()
    reason_text = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = DunningRunEntry
        fields = ["id", "customer", "invoice", "level", "outcome", "skip_reason", "reason_text", "reminder", "message"]
        read_only_fields = fields

    def get_level(self, obj) -> int | None:
        return obj.level.position if obj.level_id else None

    def get_reason_text(self, obj) -> str:
        return message_text(obj.reason)

    def get_message(self, obj) -> int | None:
        return obj.reminder.message_id if obj.reminder_id else None


class RunFilter(ApiFilterSet):
    as_of = filters.DateFilter()
    status = filters.CharFilter()

    class Meta:
        model = DunningRun
        fields = ["as_of", "status"]


class DunningRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of the dunning job, newest first; each with what it did per invoice (``entries``)."""

    api_area = API_AREA
    queryset = DunningRun.objects.filter(dry_run=False).select_related("started_by")
    serializer_class = DunningRunSerializer
    filterset_class = RunFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["started_at", "as_of", "id"]
    ordering = ["-started_at", "-id"]

    @extend_schema(responses=DunningRunEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        run = self.get_object()
        rows = (
            DunningRunEntry.objects.filter(run=run)
            .select_related("level", "reminder")
            .order_by("customer_id", "invoice_id", "id")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DunningRunEntrySerializer(page, many=True).data)


class ReminderSerializer(NamedEnumModelSerializer):
    level = serializers.SerializerMethodField()
    level_name = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = [
            "id",
            "run",
            "customer",
            "policy",
            "level",
            "level_name",
            "status",
            "language",
            "currency",
            "total",
            "lines",
            "message",
            "document_sha256",
            "created_at",
            "decided_at",
            "superseded_reason",
        ]
        read_only_fields = fields

    def get_level(self, obj) -> int:
        return obj.level.position

    def get_level_name(self, obj) -> str:
        return obj.level.name


class ReminderFilter(ApiFilterSet):
    customer = filters.NumberFilter()
    status = filters.CharFilter()
    run = filters.NumberFilter()

    class Meta:
        model = Reminder
        fields = ["customer", "status", "run"]


class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reminders sent (or waiting, or superseded), newest first, with the lines they state."""

    api_area = API_AREA
    queryset = Reminder.objects.select_related("level")
    serializer_class = ReminderSerializer
    filterset_class = ReminderFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]


router = DefaultRouter()
router.include_root_view = False
router.register("dunning/runs", DunningRunViewSet, basename="dunning-run")
router.register("reminders", ReminderViewSet, basename="reminder")

urlpatterns: list = [
    path("dunning/invoices/<int:pk>/", InvoiceStateView.as_view(), name="dunning-invoice-state"),
    path("dunning/customers/<int:pk>/", CustomerStateView.as_view(), name="dunning-customer-state"),
    path("dunning/dry-run/", DryRunViewSet.as_view({"post": "create"}), name="dunning-dry-run"),
    *router.urls,
]
