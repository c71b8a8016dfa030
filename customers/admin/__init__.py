"""The customers admin: master data with the verification panel, the verification records, and e-mail."""

from . import customers, messages, records  # noqa: F401  (registers the admins)
