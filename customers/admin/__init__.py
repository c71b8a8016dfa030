"""The customers admin: master data with the verification panel, the verification records, and the
seller's company profile (checked with the same field rules)."""

from . import company, customers, records  # noqa: F401  (registers the admins)
