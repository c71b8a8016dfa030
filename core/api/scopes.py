"""API key scopes: ``<area>:read`` or ``<area>:write``; write includes read."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

AREAS = ("customers", "invoicing", "payments", "tasks", "analytics", "platform")
LEVELS = ("read", "write")
ALL_SCOPES = tuple(f"{area}:{level}" for area in AREAS for level in LEVELS)


def validate_scopes(scopes: list[str]) -> None:
    if not isinstance(scopes, list) or not scopes:
        raise ValidationError({"scopes": _("Give at least one scope, e.g. 'invoicing:read'.")})
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scope(s): %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(ALL_SCOPES)}
            }
        )


def scopes_allow(scopes: list[str], *, area: str, write: bool) -> bool:
    if f"{area}:write" in scopes:
        return True
    return not write and f"{area}:read" in scopes
