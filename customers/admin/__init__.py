"""The customers admin: master data with the verification panel, the verification records, and e-mail."""

from . import customers, inbound, messages, records, wording  # noqa: F401  (registers the admins)
