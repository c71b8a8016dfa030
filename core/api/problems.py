"""Errors as RFC 9457 problem details (``application/problem+json``).

Shape::

    {"type": "https://debitor.dev/problems/validation", "title": "Invalid input",
     "status": 400, "detail": "...", "instance": "/api/v1/...",
     "errors": [{"pointer": "#/lines/2/quantity", "field": "lines.2.quantity",
                 "code": "invalid", "message": "..."}]}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import ngettext, pgettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://debitor.dev/problems/"

# Worded in the request's language when the problem is rendered (a German client reads German).
TITLES = {
    400: pgettext_lazy("problem title", "Invalid input"),
    401: pgettext_lazy("problem title", "Not authenticated"),
    403: pgettext_lazy("problem title", "Forbidden"),
    404: pgettext_lazy("problem title", "Not found"),
    405: pgettext_lazy("problem title", "Method not allowed"),
    406: pgettext_lazy("problem title", "Not acceptable"),
    409: pgettext_lazy("problem title", "Conflict"),
    413: pgettext_lazy("problem title", "Payload too large"),
    415: pgettext_lazy("problem title", "Unsupported media type"),
    422: pgettext_lazy("problem title", "Unprocessable content"),
    429: pgettext_lazy("problem title", "Too many requests"),
    500: pgettext_lazy("problem title", "Internal server error"),
}
TYPES = {
    400: "validation",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "throttled",
    500: "server-error",
}


# Exceptions that services raise (plain Python, no DRF) and that answer with their own
# status rather than a 500: class -> (status, problem type slug). An app registers its
# own next to its API, e.g. an edit of an issued invoice is a 409 "document-not-editable".
DOMAIN_PROBLEMS: dict[type[Exception], tuple[int, str]] = {}


def register_problem(exc_class: type[Exception], *, status_code: int, type_slug: str) -> None:
    """Answer ``exc_class`` (and its subclasses) with ``status_code``; its message is the detail."""
    DOMAIN_PROBLEMS[exc_class] = (status_code, type_slug)


def problem(status_code: int, detail: str = "", *, instance: str = "", errors=None, type_slug: str = "") -> dict:
    body = {
        "type": PROBLEM_BASE + (type_slug or TYPES.get(status_code, "error")),
        "title": str(TITLES.get(status_code, "Error")),
        "status": status_code,
        "detail": str(detail or TITLES.get(status_code, "Error")),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def flatten_errors(detail, path: tuple = ()) -> list[dict]:
    """DRF's nested error detail as a flat list with JSON pointers."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            sub = path if key in ("non_field_errors", "__all__") else (*path, str(key))
            out.extend(flatten_errors(value, sub))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [_error_entry(item, path) for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(flatten_errors(item, (*path, str(index))))
        return out
    return [_error_entry(detail, path)]


def service_errors(exc: DjangoValidationError) -> list[dict]:
    """A service's ValidationError as a flat list; a dotted key names a nested field.

    Services name the fields of nested input by path (``contacts.0.email``), so the
    pointer is ``#/contacts/0/email``, as for the same error found by a serializer.
    """
    out = []
    for key, messages in as_serializer_error(exc).items():
        path = () if key in ("non_field_errors", "__all__") else tuple(str(key).split("."))
        out.extend(flatten_errors(messages, path))
    return out


def _pointer_token(key: str) -> str:
    # RFC 6901: "~" and "/" inside a key are escaped, or the pointer names another path.
    return key.replace("~", "~0").replace("/", "~1")


def _error_entry(message, path: tuple) -> dict:
    return {
        "pointer": "#/" + "/".join(map(_pointer_token, path)) if path else "#",
        "field": ".".join(path) if path else None,
        "code": getattr(message, "code", "invalid"),
        "message": str(message),
    }


def _summary(errors: list[dict]) -> str:
    first = errors[0]
    where = f"{first['field']}: " if first["field"] else ""
    others = len(errors) - 1
    # Worded in the request's language like the title and the messages (a German client reads German).
    more = " " + ngettext("(and %(count)d more)", "(and %(count)d more)", others) % {"count": others} if others else ""
    return f"{where}{first['message']}{more}"


def problem_exception_handler(exc, context):
    """DRF exception handler: every error, including service ValidationErrors, as a problem."""
    errors = None
    for exc_class, (status_code, type_slug) in DOMAIN_PROBLEMS.items():
        if isinstance(exc, exc_class):
            exc = ProblemException(status_code=status_code, detail=str(exc), type_slug=type_slug)
            break
    if isinstance(exc, DjangoValidationError):
        errors = service_errors(exc)
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # unhandled: a bug, rendered as a 500 problem by ApiProblemMiddleware
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = errors if errors is not None else flatten_errors(exc.detail)
        summary = _summary(errors) if errors else ""
        body = problem(status.HTTP_400_BAD_REQUEST, summary, instance=instance, errors=errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            errors = flatten_errors(detail)
            body = problem(response.status_code, _summary(errors), instance=instance, errors=errors)
        else:
            body = problem(response.status_code, str(detail), instance=instance)
        if isinstance(exc, ProblemException):
            body["type"] = PROBLEM_BASE + exc.type_slug
    problem_response = Response(body, status=response.status_code, headers=dict(response.items()))
    # The browsable API renders the problem as an HTML page; labelling that page
    # application/problem+json made browsers download it instead of showing it.
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.format == "json":
        problem_response.content_type = PROBLEM_CONTENT_TYPE
    return problem_response


class ProblemException(exceptions.APIException):
    """An API error with its own status and problem type, e.g. idempotency conflicts."""

    def __init__(self, *, status_code: int, detail: str, type_slug: str):
        self.status_code = status_code
        self.type_slug = type_slug
        super().__init__(detail=detail)


def problem_json_response(status_code: int, detail: str = "", *, instance: str = "") -> JsonResponse:
    return JsonResponse(
        problem(status_code, detail, instance=instance), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )
