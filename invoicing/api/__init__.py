"""The invoicing REST API: drafts with nested lines, issue, credit notes, due dates; terms and rates.

Thin: serializers check types and shapes, services (invoicing.services) hold every rule
and every write, selectors (invoicing.selectors) every non-trivial read. An edit of an
issued document is a 409 problem (``document-not-editable``) with the service's reason.
"""

from .views import InvoiceViewSet, PaymentTermsViewSet, VatRateViewSet

__all__ = ["InvoiceViewSet", "PaymentTermsViewSet", "VatRateViewSet"]
