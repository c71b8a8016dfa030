"""Who may call what: finance roles for people, scopes for API keys.

Every API view names its ``api_area`` (one of core.api.scopes.AREAS). Reads need any
finance role (or ``<area>:read``); writes need ``write_role`` — accountant unless the
view says finance_manager — (or ``<area>:write``). A view may set ``write_role`` per
action with ``write_roles = {"retry": Role.FINANCE_MANAGER}``.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.roles import Role, role_of

from .authentication import ApiKeyPrincipal
from .scopes import scopes_allow


def _is_write(request) -> bool:
    return request.method not in permissions.SAFE_METHODS


class RolePermission(permissions.BasePermission):
    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        area = getattr(view, "api_area", None)
        if area is None:
            return False  # a view without an area is a programming error: deny
        write = _is_write(request)
        if isinstance(request.user, ApiKeyPrincipal):
            allowed = scopes_allow(request.user.api_key.scopes, area=area, write=write)
            if not allowed:
                scope = f"{area}:{'write' if write else 'read'}"
                self.message = gettext("This API key lacks the scope '%(scope)s'.") % {"scope": scope}
            return allowed
        role = role_of(request.user)
        if role is None:
            return False
        if not write:
            return role >= getattr(view, "read_role", Role.FINANCE_VIEWER)
        needed = getattr(view, "write_roles", {}).get(getattr(view, "action", None)) or getattr(
            view, "write_role", Role.ACCOUNTANT
        )
        if role < needed:
            self.message = gettext("This needs the role %(needed)s; you are %(role)s.") % {
                "needed": needed.label,
                "role": role.label,
            }
            return False
        return True
