from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Follow-up tasks")

    def ready(self) -> None:
        from core.followups import followups_register

        from . import kinds, schedules  # noqa: F401  (the generic task kinds; the wake-up and digest jobs)
        from .autoclose import autoclose_register
        from .causes import open_for_cause
        from .services import tasks_close_about

        # Every app opens and closes tasks through core.followups; none imports tasks to do it.
        followups_register(open_for_cause=open_for_cause, close_about=tasks_close_about)
        # Tasks close themselves when the event log says their cause is resolved.
        autoclose_register()
        from . import events  # noqa: F401  (registers the task event types)
