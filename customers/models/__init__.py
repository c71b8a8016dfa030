"""Customers: master data (master_data.py) and every message exchanged with them (messages.py)."""

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
from .messages import (
    InboundAttachment,
    InboundMessage,
    MessageEvent,
    MessageStatus,
    MessageWording,
    OutboxAttachment,
    OutboxMessage,
)
from .terms import PaymentTerms as PaymentTerms

__all__ = [
    "BankAccount",
    "CheckOutcome",
    "Contact",
    "Customer",
    "DuplicateDismissal",
    "EInvoiceFormat",
    "InboundAttachment",
    "InboundMessage",
    "MessageEvent",
    "MessageStatus",
    "MessageWording",
    "OutboxAttachment",
    "OutboxMessage",
    "VatIdConfirmation",
    "VerificationCheck",
    "VerificationRun",
    "VerificationStatus",
]
