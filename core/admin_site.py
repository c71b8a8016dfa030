"""Debitor's admin site.

Django's admin lets anyone with *view* permission post to a change list, which runs
actions that do not declare ``allowed_permissions`` (third-party admins have such
actions, e.g. django-celery-beat's "run selected tasks"). Every ModelAdmin registered
here is wrapped so that posting to a change list needs *change* permission.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ChangeListWriteGuard:
    def changelist_view(self, request, extra_context=None):
        if request.method not in ("GET", "HEAD") and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        if not self.has_change_permission(request):
            return {}
        return super().get_actions(request)


class DebitorAdminSite(admin.AdminSite):
    site_header = _("Debitor")
    site_title = _("Debitor")
    index_title = _("Accounts receivable")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChangeListWriteGuard):
            admin_class = type(admin_class.__name__, (ChangeListWriteGuard, admin_class), {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)
