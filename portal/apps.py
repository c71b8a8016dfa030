from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer invoice page")

    def ready(self) -> None:
        from core.locks import lock_place_register
        from invoicing.hooks import invoice_facts_register, invoice_mail_context_register

        from . import events  # noqa: F401  (registers the page's event types and sentences)
        from .mail import invoice_mail_page_link, invoice_page_facts
        from .models import PageLink

        lock_place_register(PageLink, "page_link")
        # The invoice e-mail links to the page; the invoice admin shows when it was first opened.
        invoice_mail_context_register(invoice_mail_page_link)
        invoice_facts_register(invoice_page_facts)
