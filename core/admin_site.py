"""Debitor's admin site.

Django's admin trusts *view* permission further than Debitor does:

- anyone with *view* permission may post to a change list, which runs actions that do
  not declare ``allowed_permissions`` (third-party admins have such actions, e.g.
  django-celery-beat's "run selected tasks");
- django-simple-history's revert form saves a POST from anyone who may *view* the
  object's history, and its ``revert_disabled`` only hides the button.

So every ModelAdmin registered here is wrapped (``ChangeListWriteGuard``): posting to a
change list needs *change* permission, any write to one of its views needs a write
permission on its model, and reverts from the history are refused. The admin's forms
only ever GET and POST, so other methods are refused everywhere (405), and the site's
own views take a POST only where staff act on their own account (login, logout,
password change). tests/test_access.py checks every route against this.
"""

from functools import wraps

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_navigation import arrange, navigation

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# The site's own views where any staff user may POST: their own session and password.
OWN_ACCOUNT_VIEWS = {"login", "logout", "password_change"}


def _guarded_patterns(patterns, guard):
    """``patterns`` with each view wrapped by ``guard(name, view)`` (included URLconfs as they are)."""
    return [
        URLPattern(p.pattern, guard(p.name, p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
        for p in patterns
    ]


class ChangeListWriteGuard:
    def get_urls(self):
        return _guarded_patterns(super().get_urls(), self._write_guard)

    def _write_guard(self, name, view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.method not in READ_METHODS:
                # Strangers are left to the view, which sends them to the login page.
                if self.admin_site.has_permission(request) and not self._has_any_write_permission(request):
                    raise PermissionDenied
                if request.method != "POST":
                    return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
            return view(request, *args, **kwargs)

        return guarded

    def _has_any_write_permission(self, request) -> bool:
        return (
            self.has_add_permission(request)
            or self.has_change_permission(request)
            or self.has_delete_permission(request)
        )

    def changelist_view(self, request, extra_context=None):
        if request.method not in ("GET", "HEAD") and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        if not self.has_change_permission(request):
            return {}
        return super().get_actions(request)

    # django-simple-history (SimpleHistoryAdmin) only: a revert writes an old version
    # back around the services (a task's status past its transition table, later an
    # issued invoice), so the history is for reading.
    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in READ_METHODS:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def _site_write_guard(name, view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method not in READ_METHODS and (name not in OWN_ACCOUNT_VIEWS or request.method != "POST"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"] if name in OWN_ACCOUNT_VIEWS else ["GET", "HEAD"])
        return view(request, *args, **kwargs)

    return guarded


class ReadOnlyMixin:
    """For records only services write (runs, proofs, notices): no one adds, changes or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceRefusalMixin:
    """A ModelAdmin whose saves call services: a refusal at save time becomes a message.

    The forms run the services' checks first, so a service refusing while saving means the
    stored data changed meanwhile; the admin's transaction has rolled everything back.
    ``refusal_messages`` maps further exception classes (not ValidationErrors) to their text.
    """

    refusal_messages: tuple[type[Exception], ...] = ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusal_messages as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except ValidationError as exc:
            self.message_user(
                request,
                gettext("Nothing was saved: %(problems)s") % {"problems": " ".join(exc.messages)},
                messages.ERROR,
            )
        return HttpResponseRedirect(request.get_full_path())


class DebitorAdminSite(admin.AdminSite):
    site_header = _("Debitor")
    site_title = _("Debitor")
    index_title = _("Accounts receivable")

    def get_app_list(self, request, app_label=None):
        """Finance order, the counts beside the navigation, and "System" for finance managers
        only (``core.admin_navigation``)."""
        return arrange(request, self._build_app_dict(request, app_label), app_label=app_label)

    def index(self, request, extra_context=None):
        """The finance home: what the user has to look at today, each number a link to its list."""
        home = navigation.home(request) if navigation.home is not None else None
        return super().index(request, {"home": home, **(extra_context or {})})

    def get_urls(self):
        # The models' URLs are included URLconfs, guarded by their ChangeListWriteGuard.
        return _guarded_patterns(super().get_urls(), _site_write_guard)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChangeListWriteGuard):
            admin_class = type(
                admin_class.__name__, (ChangeListWriteGuard, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)
