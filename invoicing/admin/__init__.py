"""The invoicing admin: invoices (drafts, issued documents, their actions), notices and settings."""

from . import configuration, invoices, recurring  # noqa: F401  (registers the admins)
