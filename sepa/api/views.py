"""SEPA mandates and batches: list, detail and the actions on them (thin: the services decide)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import ApiFilterSet, TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import register_problem

from .. import services
from ..models import Batch, BatchItem, Mandate
from ..services.errors import InvoiceAlreadyCollected, SepaConflict
from .serializers import (
    BatchDetailSerializer,
    BatchSerializer,
    CollectionCreateSerializer,
    MandateAmendSerializer,
    MandateCreateSerializer,
    MandateSerializer,
    RefundCreateSerializer,
    SepaReasonSerializer,
    _by,
)

for _conflict in (InvoiceAlreadyCollected, SepaConflict):
    register_problem(_conflict, status_code=status.HTTP_409_CONFLICT, type_slug=_conflict.type_slug)


class MandateFilter(ApiFilterSet):
    class Meta:
        model = Mandate
        fields = {
            "customer": ["exact"],
            "status": ["exact", "in"],
            "scheme": ["exact"],
            "sequence_type": ["exact"],
            "needs_attention": ["exact"],
        }


def _mandate_response(request, pk: int, *, status_code=status.HTTP_200_OK, **kwargs) -> Response:
    mandate = Mandate.objects.select_related("customer").get(pk=pk)
    return Response(MandateSerializer(mandate).data, status=status_code, **kwargs)


class MandateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SEPA direct-debit mandates of customers."""

    api_area = "payments"
    queryset = Mandate.objects.select_related("customer")
    serializer_class = MandateSerializer
    filterset_class = MandateFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["signed_on", "last_collected_on", "created_at", "id"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=MandateCreateSerializer, responses={201: MandateSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a signed mandate (reference in the SEPA character set, IBAN in the SEPA area)."""
        payload = MandateCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mandate = services.mandate_create(as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _mandate_response(
            request,
            mandate.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(reverse("v1:sepa-mandate-detail", args=[mandate.pk]))},
        )

    @extend_schema(request=MandateAmendSerializer, responses=MandateSerializer)
    @action(detail=True, methods=["post"], url_path="amend", filter_backends=[])
    def amend(self, request, pk=None):
        """Change reference, account or holder; sent as an amendment with the next collection."""
        mandate = self.get_object()
        payload = MandateAmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.mandate_amend(mandate=mandate, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _mandate_response(request, mandate.pk)

    @extend_schema(request=None, responses=MandateSerializer)
    @action(detail=True, methods=["post"], url_path="mark-final", filter_backends=[])
    def mark_final(self, request, pk=None):
        """The next collection is the last of the series (FNAL)."""
        mandate = self.get_object()
        services.mandate_mark_final(mandate=mandate, as_of=timezone.now(), by=_by(request))
        return _mandate_response(request, mandate.pk)

    @extend_schema(request=SepaReasonSerializer, responses=MandateSerializer)
    @action(detail=True, methods=["post"], url_path="revoke", filter_backends=[])
    def revoke(self, request, pk=None):
        """The debtor withdrew the mandate: no further collection under it."""
        mandate = self.get_object()
        payload = SepaReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.mandate_revoke(mandate=mandate, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _mandate_response(request, mandate.pk)


class BatchFilter(ApiFilterSet):
    class Meta:
        model = Batch
        fields = {"kind": ["exact"], "status": ["exact", "in"], "requested_date": ["gte", "lte"]}


def _batch_response(request, pk: int, *, status_code=status.HTTP_200_OK, **kwargs) -> Response:
    batch = Batch.objects.prefetch_related("items").get(pk=pk)
    return Response(BatchDetailSerializer(batch, context={"request": request}).data, status=status_code, **kwargs)


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SEPA files for the bank: direct-debit collections (pain.008) and refunds (pain.001)."""

    api_area = "payments"
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    filterset_class = BatchFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "requested_date", "total", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return Batch.objects.prefetch_related(Prefetch("items", queryset=BatchItem.objects.order_by("id")))
        return Batch.objects.defer("xml")

    def get_serializer_class(self):
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    def _created(self, request, batch: Batch) -> Response:
        return _batch_response(
            request,
            batch.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(reverse("v1:sepa-batch-detail", args=[batch.pk]))},
        )

    @extend_schema(request=CollectionCreateSerializer, responses={201: BatchDetailSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Create a direct-debit collection of every invoice due by the collection date whose customer
        has an active mandate of the scheme and whose pre-notification period has passed."""
        payload = CollectionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = services.collection_batch_create(as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return self._created(request, batch)

    @extend_schema(request=RefundCreateSerializer, responses={201: BatchDetailSerializer})
    @idempotent  # above @action, or @action drops the Idempotency-Key from the schema
    @action(detail=False, methods=["post"], url_path="refunds", filter_backends=[], pagination_class=None)
    def refunds(self, request):
        """Refund customer credit by bank transfer (pain.001) to each customer's active bank account."""
        payload = RefundCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        batch = services.refund_batch_create(
            execution_date=data["execution_date"],
            items=[(item["payment"], item["amount"]) for item in data["items"]],
            as_of=timezone.now(),
            by=_by(request),
        )
        return self._created(request, batch)

    @extend_schema(
        responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="The SEPA XML file.")}
    )
    @action(detail=True, methods=["get"], url_path="download", filter_backends=[])
    def download(self, request, pk=None):
        """The file as it was made (the same bytes every time; its SHA-256 is the batch's checksum)."""
        batch = self.get_object()
        response = HttpResponse(batch.xml.encode("utf-8"), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
        return response

    @extend_schema(request=None, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-submitted", filter_backends=[])
    def mark_submitted(self, request, pk=None):
        """The file was handed to the bank."""
        batch = self.get_object()
        services.batch_mark_submitted(batch=batch, as_of=timezone.now(), by=_by(request))
        return _batch_response(request, batch.pk)

    @extend_schema(request=SepaReasonSerializer, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="cancel", filter_backends=[])
    def cancel(self, request, pk=None):
        """Take a collection back before the bank has it; its invoices may be collected again. A file
        already submitted is cancelled only by a person, with a reason."""
        batch = self.get_object()
        payload = SepaReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.batch_cancel(batch=batch, as_of=timezone.now(), by=_by(request), **payload.validated_data)
        return _batch_response(request, batch.pk)
