"""Reads of customer master data, with their prefetching, for the API and the admin.

Every list here takes a fixed number of queries whatever the number of rows (the API
tests pin them).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.forms.models import model_to_dict

from core.history import history_actor

from .models import BankAccount, Contact, Customer, VatIdConfirmation, VerificationCheck, VerificationRun

LATEST_RUN_ATTR = "latest_runs"


# --- Customers ------------------------------------------------------------------------------
def customer_queryset() -> QuerySet[Customer]:
    """Customers with contacts, bank accounts and the latest verification run (with its checks).

    The latest run is a sliced prefetch (one window-function query for the whole page),
    available as ``customer.latest_runs`` (a list of at most one run).
    """
    latest_run = VerificationRun.objects.order_by("-run_at", "-id").prefetch_related(
        Prefetch("checks", queryset=VerificationCheck.objects.order_by("id"))
    )[:1]
    return Customer.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("name", "id")),
        Prefetch("bank_accounts", queryset=BankAccount.objects.order_by("-is_active", "id")),
        Prefetch("verification_runs", queryset=latest_run, to_attr=LATEST_RUN_ATTR),
    )


def latest_run_of(customer: Customer) -> VerificationRun | None:
    runs = getattr(customer, LATEST_RUN_ATTR, None)
    if runs is None:  # not prefetched
        return customer.verification_runs.order_by("-run_at", "-id").prefetch_related("checks").first()
    return runs[0] if runs else None


def customer_search(queryset: QuerySet[Customer], term: str) -> QuerySet[Customer]:
    """Customers whose legal name, number, VAT ID, a contact's e-mail or an IBAN contain ``term``.

    Contacts and bank accounts are matched with ``EXISTS`` rather than joins, so a customer
    with two matching contacts is listed once. IBANs and VAT IDs are stored compact, so
    spaces, dots and dashes in the term are ignored for them ("DE89 3704 …").
    """
    term = (term or "").strip()
    if not term:
        return queryset
    compact = re.sub(r"[\s.\-/]", "", term).upper()
    condition = Q(legal_name__icontains=term) | Q(number__icontains=term)
    if compact:
        condition |= Q(vat_id__icontains=compact)
        condition |= Exists(BankAccount.objects.filter(customer=OuterRef("pk"), iban__icontains=compact))
    condition |= Exists(Contact.objects.filter(customer=OuterRef("pk"), email__icontains=term))
    return queryset.filter(condition)


# --- Verification ---------------------------------------------------------------------------
def verification_runs_of(customer_id: int) -> QuerySet[VerificationRun]:
    """A customer's verification runs, newest first, with their checks and who ran them."""
    return (
        VerificationRun.objects.filter(customer_id=customer_id)
        .select_related("run_by")
        .prefetch_related(Prefetch("checks", queryset=VerificationCheck.objects.order_by("id")))
        .order_by("-run_at", "-id")
    )


def vat_confirmations_of(customer_id: int) -> QuerySet[VatIdConfirmation]:
    """The stored proofs of online VAT ID confirmations, newest first."""
    return VatIdConfirmation.objects.filter(customer_id=customer_id).order_by("-requested_at", "-id")


# --- History --------------------------------------------------------------------------------
HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# (name in the API, model, fields left out of its entries: the id is object_id, the
# customer is the one asked about)
HISTORY_MODELS = (
    ("customer", Customer, {"id"}),
    ("contact", Contact, {"id", "customer"}),
    ("bank_account", BankAccount, {"id", "customer"}),
)


def _plain(value):
    """A history value as JSON: amounts as strings, dates and times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _history_entries(name: str, records: list, left_out: set[str]) -> list[dict]:
    """Entries of one model's history records, each diffed against the object's previous record."""
    entries, previous = [], {}
    for record in records:  # oldest first
        fields = [f.name for f in record.tracked_fields if f.editable and f.name not in left_out]
        action = HISTORY_ACTIONS.get(record.history_type, "changed")
        before = previous.get(record.id)
        if action == "deleted":
            changes = []
        elif before is None:  # created: the fields it set
            values = model_to_dict(record, fields=fields)
            changes = [
                {"field": field, "old": None, "new": _plain(values[field])}
                for field in sorted(fields)
                if values[field] not in (None, "")
            ]
        else:
            delta = record.diff_against(before, included_fields=fields)
            changes = [
                {"field": change.field, "old": _plain(change.old), "new": _plain(change.new)}
                for change in delta.changes
            ]
        previous[record.id] = record
        entries.append(
            {
                "model": name,
                "object_id": record.id,
                "action": action,
                "at": record.history_date,
                "by": history_actor(record),
                "changes": changes,
                "_order": (record.history_date, record.history_id, name),
            }
        )
    return entries


def customer_history(customer_id: int) -> list[dict]:
    """The change history of a customer, its contacts and bank accounts (also deleted ones), newest first.

    Each entry says who did what when; a change lists each field old → new (simple_history's
    ``diff_against`` on the object's consecutive records), a creation the fields it set.
    Three queries, one per history table, whatever the length of the history.
    """
    entries = []
    for name, model, left_out in HISTORY_MODELS:
        filters = {"id": customer_id} if model is Customer else {"customer_id": customer_id}
        records = list(
            model.history.filter(**filters).select_related("history_user").order_by("history_date", "history_id")
        )
        entries.extend(_history_entries(name, records, left_out))
    entries.sort(key=lambda entry: entry["_order"], reverse=True)
    for entry in entries:
        del entry["_order"]
    return entries
