"""The customers admin: master data with the verification panel, the verification records, e-mail,
the seller's company profile (checked with the same field rules) and the payment terms."""

from . import company, customers, inbound, messages, records, terms, wording  # noqa: F401  (registers the admins)
