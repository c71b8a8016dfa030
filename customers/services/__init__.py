"""Customer master data: every write, and the verification checklist (STYLE: services).

Input is normalised and checked field by field before anything is written (all
problems at once, each naming its field); a change to legally relevant data is kept
in history (django-simple-history: who, when, old → new) and triggers re-verification
as durable background work.
"""

from .common import (
    BANK_ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    LEGALLY_RELEVANT_FIELDS,
    MAX_CREDIT_LIMIT,
    REVIEW_RULE,
    REVIEW_TASK_KIND,
)
from .contacts import (
    bank_account_clean,
    bank_account_create,
    bank_account_delete,
    bank_account_update,
    contact_clean,
    contact_create,
    contact_delete,
    contact_update,
)
from .master_data import (
    customer_clean,
    customer_create,
    customer_delete,
    customer_update,
)
from .verification import (
    OnlineServiceUnavailable,
    customer_verify,
    customers_reverify_due,
    duplicate_dismiss,
    vat_id_confirm,
)

__all__ = [
    "BANK_ACCOUNT_FIELDS",
    "CONTACT_FIELDS",
    "CUSTOMER_FIELDS",
    "LEGALLY_RELEVANT_FIELDS",
    "MAX_CREDIT_LIMIT",
    "REVIEW_RULE",
    "REVIEW_TASK_KIND",
    "OnlineServiceUnavailable",
    "bank_account_clean",
    "bank_account_create",
    "bank_account_delete",
    "bank_account_update",
    "contact_clean",
    "contact_create",
    "contact_delete",
    "contact_update",
    "customer_clean",
    "customer_create",
    "customer_delete",
    "customer_update",
    "customer_verify",
    "customers_reverify_due",
    "duplicate_dismiss",
    "vat_id_confirm",
]
