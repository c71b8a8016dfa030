"""Customers: master data (the messages exchanged with them live in the communications app)."""

from .master_data import (
    BankAccount,
    CheckOutcome,
    Contact,
    Customer,
    DuplicateDismissal,
    EInvoiceFormat,
    VatIdConfirmation,
    VerificationCheck,
    VerificationRun,
    VerificationStatus,
)
from .terms import PaymentTerms as PaymentTerms

__all__ = [
    "BankAccount",
    "CheckOutcome",
    "Contact",
    "Customer",
    "DuplicateDismissal",
    "EInvoiceFormat",
    "VatIdConfirmation",
    "VerificationCheck",
    "VerificationRun",
    "VerificationStatus",
]
