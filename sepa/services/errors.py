"""Refusals of the sepa services that are conflicts with the current state (API: 409)."""


class SepaConflict(Exception):
    """The mandate or batch is not in a state that allows this (revoked, already submitted …)."""

    type_slug = "sepa-conflict"


class InvoiceAlreadyCollected(SepaConflict):
    """Another collection took the invoice first (two batches created at the same time)."""

    type_slug = "invoice-already-collected"
