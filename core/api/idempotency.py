"""``Idempotency-Key`` for POSTs that create things (one mechanism, used by every such view).

- same key, same request: the first response is replayed (header ``Idempotent-Replayed: true``);
- same key, another request body: 422;
- same key while the first request is still running: 409;
- keys are kept 24 hours (settings.IDEMPOTENCY_KEY_TTL_HOURS), per caller.

A request that fails (an exception, or a 5xx) releases its key so it can be retried.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.models import IdempotencyRecord

from .authentication import ApiKeyPrincipal
from .problems import ProblemException

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location",)

MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional client-chosen key, 1 to 255 characters (not only spaces, no control characters; "
        "others answer 400). "
        "Repeating a request with the same key "
        "and body within 24 hours replays the first response instead of creating again; the same "
        "key with another body answers 422, and while the first request runs, 409."
    ),
)


def _principal(request) -> str:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return f"key:{user.api_key.prefix}"
    return f"user:{user.pk}"


def _canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict: keep repeated fields
        return {key: [_canonical(v) for v in values] for key, values in value.lists()}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _fingerprint(request) -> str:
    body = json.dumps(
        {"method": request.method, "path": request.path, "data": _canonical(request.data)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _claim(*, principal: str, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    now = timezone.now()
    expired_before = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    IdempotencyRecord.objects.filter(principal=principal, key=key, created_at__lt=expired_before).delete()
    # Two rounds: the holder of the key may fail and release it between our failed insert
    # and our read; then the key is free again and this request may claim it.
    for _attempt in range(2):
        try:
            # Its own commit, so a concurrent request with the same key sees "in progress".
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    fingerprint=fingerprint,
                    state=IdempotencyRecord.State.IN_PROGRESS,
                    created_at=now,
                )
            return record, True
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if record is not None:
                return record, False
    raise ProblemException(
        status_code=409,
        detail=_in_progress(key),
        type_slug="idempotency-key-in-progress",
    )


def _in_progress(key: str) -> str:
    return _("A request with %(header)s %(key)s is still being processed; retry shortly.") % {
        "header": HEADER,
        "key": repr(key),
    }


def idempotent(view_method):
    """Decorate a DRF view method (e.g. ``create``) that creates something.

    On a custom action, write ``@idempotent`` *above* ``@action``: ``@action`` replaces
    the method's schema annotations, so below it the header would vanish from the
    OpenAPI document (tests/test_api_schema.py checks every idempotent operation).
    """

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            return view_method(self, request, *args, **kwargs)
        key = raw_key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [_("Must be 1 to %(max)d characters long.") % {"max": MAX_KEY_LENGTH}]}
            )
        if any(unicodedata.category(character) == "Cc" for character in key):
            # A NUL reached PostgreSQL (which refuses it in text) and answered 500.
            raise exceptions.ValidationError({HEADER: [_("Must not contain control characters.")]})
        fingerprint = _fingerprint(request)
        record, claimed = _claim(principal=_principal(request), key=key, fingerprint=fingerprint)
        if not claimed:
            if record.fingerprint != fingerprint:
                raise ProblemException(
                    status_code=422,
                    detail=_("%(header)s %(key)s was already used for a different request; use a new key.")
                    % {"header": HEADER, "key": repr(key)},
                    type_slug="idempotency-key-reused",
                )
            if record.state == IdempotencyRecord.State.IN_PROGRESS:
                raise ProblemException(
                    status_code=409,
                    detail=_in_progress(key),
                    type_slug="idempotency-key-in-progress",
                )
            return Response(
                record.response_body,
                status=record.response_status,
                headers={**record.response_headers, REPLAYED_HEADER: "true"},
            )

        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        record.state = IdempotencyRecord.State.COMPLETED
        record.response_status = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
        record.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        record.save(update_fields=["state", "response_status", "response_body", "response_headers"])
        return response

    wrapper.idempotent = True  # lets the schema tests find every idempotent operation
    return wrapper
