"""API keys for integrations: ``Authorization: Api-Key <prefix>.<secret>``."""

import re
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.models import ApiKey

KEYWORD = "Api-Key"
# last_used_at is written at most this often per key, to keep reads free of writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The shape the key generator produces (get_random_string: letters and digits). Anything
# else is refused before the database sees it: PostgreSQL rejects a NUL byte in a query
# parameter with an error, which turned a garbage header into a 500.
KEY_SHAPE = re.compile(r"[A-Za-z0-9]{1,8}\.[A-Za-z0-9]{1,128}")


class ApiKeyPrincipal:
    """request.user for a request authenticated by an API key (not a Django user)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.username = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix} ({self.api_key.name})"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{KEYWORD} "):
            return None
        raw = header[len(KEYWORD) + 1 :].strip()
        if not KEY_SHAPE.fullmatch(raw):
            raise exceptions.AuthenticationFailed(_("The API key is unknown or revoked."))
        try:
            api_key = ApiKey.objects.get_from_key(raw)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("The API key is unknown or revoked.")) from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("The API key has expired."))
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Api-Key <prefix>.<secret>`"}
