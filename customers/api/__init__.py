"""The customers REST API: master data, contacts, bank accounts, verification, history.

Thin: serializers check types and shapes, services (customers.services) hold every rule
and every write, selectors (customers.selectors) every non-trivial read.
"""

from .views import BankAccountViewSet, ContactViewSet, CustomerViewSet, VatIdConfirmationViewSet, VerificationRunViewSet

__all__ = [
    "BankAccountViewSet",
    "ContactViewSet",
    "CustomerViewSet",
    "VatIdConfirmationViewSet",
    "VerificationRunViewSet",
]
