"""The OpenAPI document states the problem responses (RFC 9457) every operation can answer.

drf-spectacular documents the success responses a view declares; the errors come from the
framework (authentication, permissions, validation, not found) and from
``core.api.problems``. A postprocessing hook adds them per kind of operation, so a new view is
documented without repeating the list and a client can rely on what the schema says:

- every operation: 401 (no or a bad credential), 403 (role or API key scope), 406 (an
  ``Accept`` the API cannot answer);
- with parameters or a body: 400 (invalid input, naming the field or parameter);
- with a path parameter, or paginated (a page past the last): 404;
- with a body: 415 (a content type the operation does not read), 413 (too large);
- every write: 409 (a conflict with the current state, or the same ``Idempotency-Key`` still
  running) and 422 (an ``Idempotency-Key`` reused for another request, or a rule of the domain).
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from .problems import PROBLEM_CONTENT_TYPE, TITLES

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error as RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What kind of problem, as a URI."},
        "title": {"type": "string", "description": "A short summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong in this request."},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "type": "array",
            "description": "One entry per invalid field or parameter.",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer into the request body."},
                    "field": {"type": "string", "nullable": True, "description": "The field or parameter."},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["pointer", "field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def problem_statuses(method: str, operation: dict) -> list[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = {401, 403, 406}
    if parameters or has_body:
        statuses.add(400)
    if any(p.get("in") == "path" for p in parameters) or any(p.get("name") == "page" for p in parameters):
        statuses.add(404)
    if has_body:
        statuses |= {413, 415}
    if method in WRITE_METHODS:
        statuses |= {400, 409, 422}
    return sorted(statuses)


def add_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in problem_statuses(method, operation):
                # A view may describe its own 409 (what the conflict is); the body is still a problem.
                response = responses.setdefault(str(status), {"description": TITLES[status]})
                response.setdefault("content", {PROBLEM_CONTENT_TYPE: {"schema": reference}})
    return result


class BlankableEmailField(OpenApiSerializerFieldExtension):
    """An e-mail field that may be empty (a contact reached by phone only) is documented as such.

    OpenAPI's ``format: email`` alone made ``""`` a schema violation though the API stores it.
    """

    target_class = "rest_framework.fields.EmailField"

    def map_serializer_field(self, auto_schema, direction):
        email = {"type": "string", "format": "email"}
        if not (getattr(self.target, "allow_blank", False) or _model_field_is_blank(self.target)):
            return email
        return {"oneOf": [email, {"type": "string", "maxLength": 0}], "description": "An e-mail address, or empty."}


def _model_field_is_blank(field) -> bool:
    # DRF drops allow_blank from read-only model fields; the model says whether "" is stored.
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.read_only:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:  # a property or a method, not a column: never stored blank
        return False


def tag_operations_by_area(result, generator, request, public):
    """drf-spectacular postprocessing hook: each operation is tagged with its area
    (``settings.API_TAGS_BY_PATH``, by the first path segment after ``/api/v1/``), so Swagger UI
    and ReDoc group customers, invoices, payments … instead of listing everything under "v1".
    A path of no listed area fails the schema build: a new endpoint must say where it belongs."""
    from django.conf import settings

    for path, operations in result.get("paths", {}).items():
        segment = path.removeprefix("/api/v1/").split("/", 1)[0]
        if segment not in settings.API_TAGS_BY_PATH:
            raise ValueError(f"{path}: add {segment!r} to API_TAGS_BY_PATH (config/settings/base.py)")
        for operation in operations.values():
            if isinstance(operation, dict):
                operation["tags"] = [settings.API_TAGS_BY_PATH[segment]]
    return result
