from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from . import navigation

        # The app at the top of the layering tells the admin (core) its finance order, the
        # review queue's link, the counts beside the navigation and the home's numbers.
        navigation.register()
