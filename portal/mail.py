"""What the customer page adds to invoicing: the link in the invoice e-mail, the "first viewed"
fact on the invoice's admin page (registered with ``invoicing.hooks`` in ``PortalConfig.ready``)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from core.formatting import datetime_text
from invoicing.models import DocumentStatus, DocumentType

from .selectors import first_viewed_at
from .services import page_link_create


def invoice_mail_page_link(*, invoice, as_of: datetime) -> dict:
    """A new link for each invoice e-mail, made in the sending transaction: a message that is
    never queued leaves no link behind. Credit notes have nothing to pay and get none."""
    if invoice.document_type != DocumentType.INVOICE or invoice.status != DocumentStatus.ISSUED:
        return {}
    return {"page_url": page_link_create(invoice=invoice, as_of=as_of).url}


def invoice_page_facts(*, invoice) -> list[tuple[str, str]]:
    if invoice.is_draft or invoice.document_type != DocumentType.INVOICE:
        return []
    seen = first_viewed_at(invoice)
    return [(_("Invoice page first opened by the customer"), datetime_text(seen) if seen else _("not yet"))]
