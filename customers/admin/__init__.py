"""The customers admin: master data with the verification panel, the verification records, e-mail,
and the seller's company profile (checked with the same field rules)."""

from . import company, customers, inbound, messages, records, wording  # noqa: F401  (registers the admins)
