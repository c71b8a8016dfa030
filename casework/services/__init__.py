"""Every write to promises and disputes (STYLE: services; API, admin and the job call these)."""

from .disputes import DisputeConflict, dispute_open, dispute_resolve, dispute_resolve_with_credit_note
from .promises import PromiseConflict, promise_cancel, promise_evaluate, promise_take, promises_evaluate_due

__all__ = [
    "DisputeConflict",
    "PromiseConflict",
    "dispute_open",
    "dispute_resolve",
    "dispute_resolve_with_credit_note",
    "promise_cancel",
    "promise_evaluate",
    "promise_take",
    "promises_evaluate_due",
]
