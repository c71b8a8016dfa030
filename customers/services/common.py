"""What the customer services share: field lists, error collection, queuing re-verification."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.followups import followup_kind_register
from core.services import job_enqueue

from ..models import (
    Customer,
)
from ..validation import (
    FieldProblem,
)

CUSTOMER_FIELDS = (
    "legal_name",
    "kind",
    "billing_street",
    "billing_street2",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "has_shipping_address",
    "shipping_name",
    "shipping_street",
    "shipping_street2",
    "shipping_postal_code",
    "shipping_city",
    "shipping_country",
    "vat_id",
    "tax_number",
    "register_court",
    "register_number",
    "leitweg_id",
    "e_invoice_scheme",
    "e_invoice_address",
    "e_invoice_format",
    "invoice_delivery",
    "language",
    "currency",
    "payment_terms",
    "credit_limit",
    "account_owner",
    "dunning_blocked",
    "dunning_block_reason",
    "notes",
)
# Changes to these are re-verified (name, address, VAT ID; bank accounts separately).
LEGALLY_RELEVANT_FIELDS = frozenset(
    {
        "legal_name",
        "kind",
        "billing_street",
        "billing_street2",
        "billing_postal_code",
        "billing_city",
        "billing_country",
        "vat_id",
        "leitweg_id",
    }
)
# What invoices, letters and e-invoices print or send of a customer: checked against the document fonts.
PRINTED_CUSTOMER_FIELDS = frozenset(
    {
        "legal_name",
        "billing_street",
        "billing_street2",
        "billing_postal_code",
        "billing_city",
        "shipping_name",
        "shipping_street",
        "shipping_street2",
        "shipping_postal_code",
        "shipping_city",
        "vat_id",
        "tax_number",
        "register_court",
        "register_number",
        "leitweg_id",
        "e_invoice_address",
    }
)
CONTACT_FIELDS = ("name", "role", "email", "phone", "language", "receives_invoices", "receives_reminders")
BANK_ACCOUNT_FIELDS = ("iban", "bic", "account_holder", "is_active")
REVIEW_TASK_KIND = followup_kind_register("customer_needs_review", gettext_lazy("customer data to review"))
MAX_CREDIT_LIMIT = Decimal("1e12")  # the column holds 12 integer digits
REVIEW_RULE = "customers.verification"


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _clean(errors: dict, field: str, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except FieldProblem as problem:
        errors.setdefault(field, []).append(str(problem))
        return None


def _check_lengths(errors: dict, model, data: dict) -> None:
    """Text longer than its column is an input error, not a database error."""
    for field, value in data.items():
        limit = getattr(model._meta.get_field(field), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors.setdefault(field, []).append(
                _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(value)}
            )


def _queue_verification(*, customer: Customer, trigger: str, as_of: datetime, by=None) -> None:
    job_enqueue(
        kind="customers.verify",
        payload={"customer_id": customer.pk, "trigger": trigger, "user_id": getattr(by, "pk", None)},
        as_of=as_of,
        dedupe_key=f"customer:{customer.pk}",
        created_by=by if getattr(by, "pk", None) else None,
    )
