from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DebitorAdminConfig(AdminConfig):
    """The admin with Debitor's site, which guards every registered ModelAdmin."""

    default_site = "core.admin_site.DebitorAdminSite"


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from .locks import lock_place_register
        from .models import NumberSeries

        lock_place_register(NumberSeries, "number_series")
        from . import handlers  # noqa: F401  (registers the platform's job kinds)
        from .api import schema  # noqa: F401  (registers the OpenAPI field extensions)
        from .events import connect_task_signals
        from .roles import sync_role_permissions
        from .schedules import apply_after_migrate

        # Permissions of models added by later migrations only exist after post_migrate,
        # so role permissions are synced there rather than in a data migration.
        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")
        # Schedules come from code (core.schedules); a migrate or flush creates the missing ones.
        post_migrate.connect(apply_after_migrate, dispatch_uid="core.apply_schedules")
        # Events written by a Celery task (beat) name the task.
        connect_task_signals()
