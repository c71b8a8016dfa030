from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data protection: access requests (export) and erasure with retention duties."""

    name = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from core.privacy import restriction_lookup_register

        from . import events  # noqa: F401  (registers the privacy event types)
        from .selectors import restrictions_of

        # Every app's ``privacy.py`` declares its personal-data sources (core.privacy).
        autodiscover_modules("privacy")
        restriction_lookup_register(restrictions_of)
