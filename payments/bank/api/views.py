"""The bank statement API's views (thin: validate, call a service, render)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.filters import TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import ProblemException

from ...models import BankLineMatch, BankStatement, BankStatementImport, BankStatementLine
from ..debits import line_link_return, lines_rematch, relink_returns_enqueue
from ..importing import statement_import_create
from ..matching import line_accept, line_assign_to_customer, line_ignore
from .filters import BankImportFilter, BankStatementFilter, BankStatementLineFilter
from .serializers import (
    BankImportSerializer,
    BankImportUploadSerializer,
    BankStatementLineSerializer,
    BankStatementSerializer,
    LineAcceptSerializer,
    LineAssignSerializer,
    LineIgnoreSerializer,
    LineLinkReturnSerializer,
)


def _by(request):
    return request.user if getattr(request.user, "pk", None) else None


class BankImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploaded statement files and the state of their import."""

    api_area = "payments"
    queryset = BankStatementImport.objects.select_related("created_by")
    serializer_class = BankImportSerializer
    filterset_class = BankImportFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": BankImportUploadSerializer}, responses={202: BankImportSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Upload a statement file; it is imported in the background (poll the import for its state)."""
        payload = BankImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        try:
            statement_import = statement_import_create(
                data=upload.read(),
                filename=upload.name,
                as_of=timezone.now(),
                by=_by(request),
                csv_mapping=payload.validated_data["csv_mapping"] or None,
                account_iban=payload.validated_data["account_iban"],
            )
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from exc
        statement_import = self.get_queryset().get(pk=statement_import.pk)
        return Response(
            BankImportSerializer(statement_import, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={
                "Location": request.build_absolute_uri(reverse("v1:bank-import-detail", args=[statement_import.pk]))
            },
        )


class BankStatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported statements, intraday reports and notifications, with their balance warnings."""

    api_area = "payments"
    queryset = BankStatement.objects.all()
    serializer_class = BankStatementSerializer
    filterset_class = BankStatementFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["to_date", "id"]
    ordering = ["-to_date", "-id"]


def bank_line_queryset():
    return BankStatementLine.objects.prefetch_related(
        Prefetch("matches", queryset=BankLineMatch.objects.select_related("invoice").order_by("rank", "id"))
    )


class BankStatementLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The movements of imported statements with their ranked matches (filter
    ``?statement=&credit=&match_status=``; ``match_status=review``: the lines left to people)."""

    api_area = "payments"
    queryset = bank_line_queryset()
    serializer_class = BankStatementLineSerializer
    filterset_class = BankStatementLineFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["booking_date", "value_date", "amount", "id"]
    ordering = ["statement", "position", "id"]

    def _line_response(self, request, line_id: int) -> Response:
        line = bank_line_queryset().get(pk=line_id)
        return Response(BankStatementLineSerializer(line, context={"request": request}).data)

    def _decide(self, request, line: BankStatementLine, decide, *, relink: bool = False) -> Response:
        """Run a decision in one transaction: 409 for a line already decided (before, or by a
        concurrent request), 400 naming the field for what the service refuses. A decision that
        records a payment lets waiting returns look for it again (job, after commit)."""
        if line.match_status in DECIDED:
            raise _decided(line)
        try:
            with transaction.atomic():
                decide()
                if relink:
                    relink_returns_enqueue(as_of=timezone.now(), by=_by(request))
        except DjangoValidationError as exc:
            line.refresh_from_db(fields=["match_status"])
            if line.match_status in DECIDED:
                raise _decided(line) from exc
            raise
        return self._line_response(request, line.pk)

    @extend_schema(request=LineAcceptSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[])
    def accept(self, request, pk=None):
        """Accept one of the line's suggestions: the line is recorded as the customer's payment and
        applied as suggested, or split as ``amounts`` says; the other suggestions are rejected."""
        line = self.get_object()
        payload = LineAcceptSerializer(data=request.data, line=line)
        payload.is_valid(raise_exception=True)
        amounts = payload.validated_data["amounts"]

        def accept():
            try:
                line_accept(
                    match=payload.validated_data["match"],
                    as_of=timezone.now(),
                    by=_by(request),
                    amounts=None if amounts is None else [dict(row) for row in amounts],
                )
            except DjangoValidationError as exc:  # the service names the rows "targets"; the request "amounts"
                if not hasattr(exc, "error_dict"):
                    raise
                raise DjangoValidationError(
                    {re.sub(r"^targets\b", "amounts", key): value for key, value in exc.message_dict.items()}
                ) from exc

        return self._decide(request, line, accept, relink=True)

    @extend_schema(request=LineAssignSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="assign", filter_backends=[])
    def assign(self, request, pk=None):
        """The payer is known but not what for: the line is recorded as the customer's payment, unapplied."""
        line = self.get_object()
        payload = LineAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = payload.validated_data["customer"]
        return self._decide(
            request,
            line,
            lambda: line_assign_to_customer(line=line, customer=customer, as_of=timezone.now(), by=_by(request)),
            relink=True,
        )

    @extend_schema(request=LineIgnoreSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="ignore", filter_backends=[])
    def ignore(self, request, pk=None):
        """The line is no customer's payment (a refund from a supplier, a transfer between own accounts …)."""
        line = self.get_object()
        payload = LineIgnoreSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reason = payload.validated_data["reason"]
        return self._decide(
            request, line, lambda: line_ignore(line=line, as_of=timezone.now(), by=_by(request), reason=reason)
        )

    @extend_schema(request=LineLinkReturnSerializer, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="link-return", filter_backends=[])
    def link_return(self, request, pk=None):
        """Say which payment a return or reversal line takes back: the payment is returned (what it
        paid is open again, the return reason and the bank's charges are kept on its event)."""
        line = self.get_object()
        payload = LineLinkReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = payload.validated_data["payment"]
        if line.matches.filter(decision=BankLineMatch.Decision.ACCEPTED, payment=payment, line__credit=False).exists():
            return self._line_response(request, line.pk)  # a retry of the same decision: nothing returned twice
        return self._decide(
            request, line, lambda: line_link_return(line=line, payment=payment, as_of=timezone.now(), by=_by(request))
        )

    @extend_schema(request=None, responses=BankStatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="rematch", filter_backends=[])
    def rematch(self, request, pk=None):
        """Match a line waiting in review again: a credit line against the open invoices, a return
        or reversal against the payments it may take back. The line may stay in review."""
        line = self.get_object()
        if line.match_status in DECIDED:
            raise _decided(line)
        counts = lines_rematch(lines=[line], as_of=timezone.now())
        if counts["skipped"]:
            line.refresh_from_db(fields=["match_status"])
            raise _decided(line)
        if counts["errors"]:
            raise counts["errors"][0][1]
        if counts["matched"]:
            relink_returns_enqueue(as_of=timezone.now(), by=_by(request))
        return self._line_response(request, line.pk)


DECIDED = (BankStatementLine.MatchStatus.MATCHED, BankStatementLine.MatchStatus.IGNORED)


def _decided(line: BankStatementLine) -> ProblemException:
    return ProblemException(
        status_code=409,
        detail=f"This statement line was already decided ({line.match_status}).",
        type_slug="bank-line-decided",
    )
