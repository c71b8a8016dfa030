from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Follow-up tasks")

    def ready(self) -> None:
        from core.followups import followups_register

        from .causes import open_for_cause
        from .services import tasks_close_about

        # Every app opens and closes tasks through core.followups; none imports tasks to do it.
        followups_register(open_for_cause=open_for_cause, close_about=tasks_close_about)
        from . import events  # noqa: F401  (registers the task event types)
