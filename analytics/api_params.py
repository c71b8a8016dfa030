"""What every analytics endpoint shares: the scope's query parameters, documented once for the
schema, and read once (``scope_of``) — a bad one is a 400 problem naming the parameter."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError

from .scope import DEFAULT_PERIOD, PERIODS, Scope, ScopeError, scope_from_params

SCOPE_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        OpenApiTypes.DATE,
        description="The day the figures are for, as the ledger had recorded them by its end (default today; "
        "with from/to: to).",
    ),
    OpenApiParameter(
        "period",
        str,
        enum=list(PERIODS),
        description=f"The period ending as_of (default {DEFAULT_PERIOD}); ignored when from and to are given.",
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a custom period (with to)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of a custom period (from; ten years at most)."),
    OpenApiParameter(
        "currency", str, description="ISO 4217 code: only documents in it, figures in it. Default: all, in EUR."
    ),
    OpenApiParameter("customer", int, description="Only this customer (id)."),
    OpenApiParameter("country", str, description="Only customers billed in this country (ISO 3166 alpha-2)."),
    OpenApiParameter("owner", int, description="Only customers of this account owner (user id)."),
    OpenApiParameter("customer_kind", str, enum=["business", "consumer", "public"], description="Only this kind."),
]


def scope_of(request) -> Scope:
    """The request's Scope; a 400 problem naming each bad parameter otherwise."""
    try:
        return scope_from_params(request.query_params, today=timezone.localdate())
    except ScopeError as error:
        raise ApiValidationError(error.errors) from None


def whole_number(request, name: str, *, default: int, low: int, high: int) -> int:
    """A bounded whole-number parameter (``months``, ``limit``, …); a 400 problem otherwise."""
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and low <= int(raw) <= high):
        raise ApiValidationError({name: [f"A whole number from {low} to {high}."]})
    return int(raw)


def page_envelope(request, *, page: int, size: int, count: int, shown: int) -> dict:
    """``count``, ``next`` and ``previous`` of a paged table (the API's pagination shape); a page
    past the last is a 404, like the rest of the API."""
    if page > 1 and not shown:
        raise NotFound(f"Page {page} is past the last page.")

    def link(number: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")

    return {
        "count": count,
        "next": link(page + 1) if page * size < count else None,
        "previous": link(page - 1) if page > 1 else None,
    }
