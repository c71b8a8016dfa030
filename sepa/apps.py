from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    name = "sepa"
    verbose_name = _("SEPA direct debit and transfers")
