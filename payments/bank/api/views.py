"""The bank statement API's views (thin: validate, call a service, render)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.filters import TieBreakOrderingFilter
from core.api.idempotency import idempotent
from core.api.problems import PROBLEM_CONTENT_TYPE, ProblemException, problem
from core.roles import Role
from invoicing.models import Invoice

from ...models import BankLineMatch, BankStatement, BankStatementEvent, BankStatementImport, BankStatementLine
from ...services.errors import SuggestionStale
from ..debits import line_link_return, lines_rematch
from ..importing import statement_import_create
from ..importing.redelivery import ACCEPT, REJECT, statement_redelivery_decide
from ..importing.upload import statement_upload_limit, statement_upload_refusal
from ..matching import line_accept, line_assign_to_customer, line_ignore, line_suggest
from .filters import BankImportFilter, BankStatementFilter, BankStatementLineFilter
from .serializers import (
    BankImportSerializer,
    BankImportUploadedSerializer,
    BankImportUploadSerializer,
    BankLineMatchSerializer,
    BankStatementLineSerializer,
    BankStatementSerializer,
    LineAcceptSerializer,
    LineAssignSerializer,
    LineIgnoreSerializer,
    LineLinkReturnSerializer,
    StatementDecisionSerializer,
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

    size_limit = None

    def initial(self, request, *args, **kwargs):
        if self.action == "create":
            # Before anything reads the body: authentication's CSRF check, the Idempotency-Key fingerprint.
            self.size_limit = statement_upload_limit(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": BankImportUploadSerializer},
        responses={
            202: OpenApiResponse(BankImportUploadedSerializer, description="A new import was queued."),
            200: OpenApiResponse(
                BankImportUploadedSerializer,
                description="The file was uploaded before (``duplicate: true``): its import, queued again only "
                "if it had failed.",
            ),
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Upload a statement file; it is imported in the background (poll the import for its state).
        The same file again, also at the same moment, answers 200 with the earlier import and
        ``duplicate: true``. The file is read in chunks and refused (400) as soon as it passes the limit."""
        payload = BankImportUploadSerializer(data=request.data)
        if self.size_limit is not None and self.size_limit.refused:
            raise ApiValidationError(statement_upload_refusal().message_dict)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        try:
            statement_import = statement_import_create(
                data=upload,
                filename=upload.name,
                as_of=timezone.now(),
                by=_by(request),
                csv_mapping=payload.validated_data["csv_mapping"] or None,
                account_iban=payload.validated_data["account_iban"],
            )
        except DjangoValidationError as exc:
            raise ApiValidationError(exc.message_dict) from exc
        duplicate = statement_import.duplicate
        statement_import = self.get_queryset().get(pk=statement_import.pk)
        statement_import.duplicate = duplicate
        return Response(
            BankImportUploadedSerializer(statement_import, context={"request": request}).data,
            status=status.HTTP_200_OK if duplicate else status.HTTP_202_ACCEPTED,
            headers={
                "Location": request.build_absolute_uri(reverse("v1:bank-import-detail", args=[statement_import.pk]))
            },
        )


class BankStatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported statements, intraday reports and notifications, with their balance warnings. A
    statement delivered again with other content is ``standing: held`` with its ``changes``; a
    finance manager accepts or rejects it (``?standing=held`` lists them)."""

    api_area = "payments"
    write_roles = {"accept": Role.FINANCE_MANAGER, "reject": Role.FINANCE_MANAGER}
    queryset = BankStatement.objects.prefetch_related(
        Prefetch("events", queryset=BankStatementEvent.objects.select_related("by").order_by("at", "id"))
    )
    serializer_class = BankStatementSerializer
    filterset_class = BankStatementFilter
    filter_backends = [filters.DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["to_date", "id"]
    ordering = ["-to_date", "-id"]

    def _decide(self, request, decision: str) -> Response:
        statement = self.get_object()
        payload = StatementDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            decided = statement_redelivery_decide(
                statement=statement,
                decision=decision,
                as_of=timezone.now(),
                by=request.user,
                reason=payload.validated_data["reason"],
            )
        except DjangoValidationError as exc:
            texts = [text for texts in exc.message_dict.values() for text in texts]
            raise ProblemException(
                status_code=409, detail=" ".join(texts), type_slug="bank-statement-decision"
            ) from exc
        decided = self.get_queryset().get(pk=decided.pk)
        return Response(BankStatementSerializer(decided, context={"request": request}).data)

    @extend_schema(
        request=StatementDecisionSerializer,
        responses={
            200: BankStatementSerializer,
            409: OpenApiResponse(description="Not on hold, or a line it would withdraw is booked."),
        },
    )
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[])
    def accept(self, request, pk=None):
        """Accept a re-delivery on hold (finance managers): the earlier delivery's removed and changed
        lines are withdrawn (kept), the added and changed lines are stored and matched. Refused (409)
        while a line it would withdraw is booked, naming it."""
        return self._decide(request, ACCEPT)

    @extend_schema(
        request=StatementDecisionSerializer,
        responses={200: BankStatementSerializer, 409: OpenApiResponse(description="Not on hold.")},
    )
    @action(detail=True, methods=["post"], url_path="reject", filter_backends=[])
    def reject(self, request, pk=None):
        """Reject a re-delivery on hold (finance managers): it is kept, marked rejected; nothing changes."""
        return self._decide(request, REJECT)


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

    def _decide(self, request, line: BankStatementLine, decide) -> Response:
        """Run a decision in one transaction: 409 for a line already decided (before, or by a
        concurrent request), 400 naming the field for what the service refuses."""
        if line.match_status in DECIDED:
            raise _decided(line)
        try:
            with transaction.atomic():
                decide()
        except DjangoValidationError as exc:
            line.refresh_from_db(fields=["match_status"])
            if line.match_status in DECIDED:
                raise _decided(line) from exc
            raise
        return self._line_response(request, line.pk)

    @extend_schema(
        request=LineAcceptSerializer,
        responses={
            200: BankStatementLineSerializer,
            409: OpenApiResponse(
                description="The line was decided already (``bank-line-decided``), or the suggestion is out of "
                "date (``suggestion-stale``: an invoice was paid meanwhile). A stale suggestion's problem also "
                "carries ``open_amounts`` ([{invoice, invoice_number, open_amount}]) and ``suggestions`` (the "
                "line ranked again, as in ``matches``: accept one of them by its id)."
            ),
        },
    )
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
            except SuggestionStale:
                raise
            except DjangoValidationError as exc:  # the service names the rows "targets"; the request "amounts"
                if not hasattr(exc, "error_dict"):
                    raise
                raise DjangoValidationError(
                    {re.sub(r"^targets\b", "amounts", key): value for key, value in exc.message_dict.items()}
                ) from exc

        try:
            return self._decide(request, line, accept)
        except SuggestionStale as stale:
            return _stale_response(request, line, stale)

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
        counts = lines_rematch(lines=[line], as_of=timezone.now(), by=_by(request))
        if counts["skipped"]:
            line.refresh_from_db(fields=["match_status"])
            raise _decided(line)
        if counts["errors"]:
            raise counts["errors"][0][1]
        return self._line_response(request, line.pk)


DECIDED = (BankStatementLine.MatchStatus.MATCHED, BankStatementLine.MatchStatus.IGNORED)


def _stale_response(request, line: BankStatementLine, stale: SuggestionStale) -> Response:
    """409: the suggestion's amounts are out of date. The problem names the invoices' current open
    amounts and carries the line's fresh suggestions (ranked again and stored, so the client can
    accept one of them by its id)."""
    fresh = line_suggest(line=line, as_of=timezone.now())
    numbers = dict(Invoice.objects.filter(pk__in=stale.open_amounts).values_list("pk", "number"))
    body = problem(status.HTTP_409_CONFLICT, str(stale), instance=request.path, type_slug=stale.type_slug)
    body["open_amounts"] = [
        {"invoice": pk, "invoice_number": numbers.get(pk), "open_amount": f"{amount:.2f}"}
        for pk, amount in sorted(stale.open_amounts.items())
    ]
    rows = BankLineMatch.objects.filter(pk__in=[row.pk for row in fresh]).select_related("invoice")
    body["suggestions"] = BankLineMatchSerializer(rows.order_by("rank", "id"), many=True).data
    response = Response(body, status=status.HTTP_409_CONFLICT)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _decided(line: BankStatementLine) -> ProblemException:
    return ProblemException(
        status_code=409,
        detail=gettext("This statement line was already decided (%(status)s).")
        % {"status": line.get_match_status_display()},
        type_slug="bank-line-decided",
    )
