"""Which category of the timeline an event type belongs to: one table, by type or prefix.

A pattern is an exact type (``invoice.page_viewed``) or a prefix ending in a dot (``invoice.``);
the longest pattern that matches wins, so a visit of an invoice page is a page visit, not an
invoice event. A type no pattern matches is "other" (a new app's events show up there until it is
given a category here). The same table filters in SQL (:func:`category_q`).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import pgettext_lazy

MESSAGES = "messages"
REPLIES = "replies"
NOTES = "notes"
PROMISES = "promises"
DISPUTES = "disputes"
VERIFICATION = "verification"
MASTER_DATA = "master_data"
INVOICES = "invoices"
PAYMENTS = "payments"
PAGE_VISITS = "page_visits"
TASKS = "tasks"
OTHER = "other"

CATEGORY_LABELS = {
    MESSAGES: pgettext_lazy("timeline category", "messages"),
    REPLIES: pgettext_lazy("timeline category", "replies"),
    NOTES: pgettext_lazy("timeline category", "notes and calls"),
    PROMISES: pgettext_lazy("timeline category", "promises to pay"),
    DISPUTES: pgettext_lazy("timeline category", "disputes"),
    VERIFICATION: pgettext_lazy("timeline category", "verification"),
    MASTER_DATA: pgettext_lazy("timeline category", "master data"),
    INVOICES: pgettext_lazy("timeline category", "invoices"),
    PAYMENTS: pgettext_lazy("timeline category", "payments"),
    PAGE_VISITS: pgettext_lazy("timeline category", "page visits"),
    TASKS: pgettext_lazy("timeline category", "tasks"),
    OTHER: pgettext_lazy("timeline category", "other"),
}
CATEGORIES = tuple(CATEGORY_LABELS)

# Event type or prefix → category. Promises and disputes are written by casework's own services
# (``promise.*``, ``dispute.*``); a provider's card dispute is money, so it stays with payments.
PATTERNS: dict[str, str] = {
    "message.": MESSAGES,
    "reply.": REPLIES,
    "note.": NOTES,
    "call.": NOTES,
    "promise.": PROMISES,
    "dispute.": DISPUTES,
    "customer.verified": VERIFICATION,
    "customer.duplicate_dismissed": VERIFICATION,
    "verification.": VERIFICATION,
    "customer.": MASTER_DATA,
    "contact.": MASTER_DATA,
    "bank_account.": MASTER_DATA,
    "mandate.": MASTER_DATA,
    "invoice.": INVOICES,
    "recurring_invoice.": INVOICES,
    "payment.": PAYMENTS,
    "return_fee.": PAYMENTS,
    "bank_line.": PAYMENTS,
    "sepa_item.": PAYMENTS,
    "sepa_batch.": PAYMENTS,
    "provider_payment.": PAYMENTS,
    "provider_refund.": PAYMENTS,
    "provider_dispute.": PAYMENTS,
    "checkout_session.": PAYMENTS,
    "invoice.page_viewed": PAGE_VISITS,
    "customer.page_viewed": PAGE_VISITS,
    "page_link.": PAGE_VISITS,
    "task.": TASKS,
}


def _matches(event_type: str, pattern: str) -> bool:
    return event_type.startswith(pattern) if pattern.endswith(".") else event_type == pattern


def category_of(event_type: str) -> str:
    """The category of an event type (the longest matching pattern's), else ``other``."""
    best = ""
    for pattern in PATTERNS:
        if len(pattern) > len(best) and _matches(event_type, pattern):
            best = pattern
    return PATTERNS[best] if best else OTHER


def _pattern_q(pattern: str) -> Q:
    return Q(type__startswith=pattern) if pattern.endswith(".") else Q(type=pattern)


def category_q(category: str) -> Q:
    """The events of one category as a filter on ``core.Event.type``.

    A category's patterns, less the longer patterns of other categories inside them
    (``invoice.`` without ``invoice.page_viewed``); "other" is what no pattern matches."""
    if category == OTHER:
        anything = Q()
        for pattern in PATTERNS:
            anything |= _pattern_q(pattern)
        return ~anything
    if category not in CATEGORY_LABELS:
        raise ValueError(f"Unknown timeline category {category!r}; use one of {list(CATEGORIES)}.")
    included, excluded = Q(), Q()
    mine = [p for p, c in PATTERNS.items() if c == category]
    for pattern in mine:
        included |= _pattern_q(pattern)
        for other, other_category in PATTERNS.items():
            if other_category != category and len(other) > len(pattern) and _matches_pattern(other, pattern):
                excluded |= _pattern_q(other)
    return included & ~excluded if excluded else included


def _matches_pattern(inner: str, outer: str) -> bool:
    """Whether every type ``inner`` matches is also matched by ``outer`` (a prefix)."""
    return outer.endswith(".") and inner.startswith(outer)


def categories_q(categories) -> Q:
    combined = Q()
    for category in categories:
        combined |= category_q(category)
    return combined
