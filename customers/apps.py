from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import Customer

        lock_place_register(Customer, "customer")
        from . import (
            events,  # noqa: F401  (registers the customer event types)
            handlers,  # noqa: F401  (registers the customer job kinds)
            schedules,  # noqa: F401  (declares the customer schedules)
        )
