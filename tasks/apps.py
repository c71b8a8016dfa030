from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Follow-up tasks")

    def ready(self) -> None:
        from . import events  # noqa: F401  (registers the task event types)
