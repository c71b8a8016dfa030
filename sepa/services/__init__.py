"""Every write of the sepa app (STYLE: services; API, admin and jobs call these)."""

from .batches import batch_cancel, batch_mark_submitted
from .collections import collection_batch_create, collection_date_check, collection_preview
from .mandates import mandate_amend, mandate_create, mandate_mark_final, mandate_revoke, mandates_expire
from .refunds import refund_batch_create

__all__ = [
    "batch_cancel",
    "batch_mark_submitted",
    "collection_batch_create",
    "collection_date_check",
    "collection_preview",
    "mandate_amend",
    "mandate_create",
    "mandate_mark_final",
    "mandate_revoke",
    "mandates_expire",
    "refund_batch_create",
]
