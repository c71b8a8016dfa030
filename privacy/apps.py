from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data protection: access requests (export) and erasure with retention duties."""

    name = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        pass
