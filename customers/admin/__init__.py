"""The customers admin: master data with the verification panel and the verification records."""

from . import customers, records  # noqa: F401  (registers the admins)
