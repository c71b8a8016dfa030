"""E-mail in the admin: the outbox, incoming replies, and the wording of the templates."""

from . import inbound, messages, wording  # noqa: F401  (registers the admins)
