"""Admin of SEPA mandates and batches; the customer page shows the customer's mandates."""

from . import batches, customers, mandates, refunds  # noqa: F401  (registers the admins and the refund action)
