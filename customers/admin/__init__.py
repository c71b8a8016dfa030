"""The customers admin: master data with the verification panel, the verification records, the
seller's company profile (checked with the same field rules) and the payment terms."""

from . import company, customers, records, terms  # noqa: F401  (registers the admins)
