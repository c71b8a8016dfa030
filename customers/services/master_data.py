"""Customers: input normalised and checked field by field (all problems at once, nothing
half-saved); legally relevant changes are kept in history and queue re-verification."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from core.fonts import check_drawable
from core.languages import is_language, language_codes
from core.money import quantize
from core.numbering import number_next

from ..models import (
    BankAccount,
    Contact,
    Customer,
    EInvoiceFormat,
    VerificationRun,
)
from ..validation import (
    clean_country,
    clean_currency,
    clean_leitweg_id,
    clean_postal_code,
    clean_vat_id,
)
from .common import (
    CUSTOMER_FIELDS,
    LEGALLY_RELEVANT_FIELDS,
    MAX_CREDIT_LIMIT,
    PRINTED_CUSTOMER_FIELDS,
    _check_lengths,
    _clean,
    _queue_verification,
    _raise_if,
)
from .contacts import bank_account_clean, contact_clean


# --- Customers ------------------------------------------------------------------------------
def customer_clean(data: dict, *, instance: Customer | None = None) -> dict:
    """Normalise customer fields (those present in ``data``) or raise field-level errors."""
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    if instance is None:  # a new customer: model defaults (country DE, language de, EUR) fill the gaps
        data = {
            f: Customer._meta.get_field(f).get_default()
            for f in CUSTOMER_FIELDS
            if f not in ("account_owner", "payment_terms")
        } | data
    merged = {f: getattr(instance, f) for f in CUSTOMER_FIELDS if instance is not None} | dict(data)
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    for field in ("legal_name", "billing_street", "billing_city"):
        if field in merged and not str(merged.get(field) or "").strip():
            errors.setdefault(field, []).append(_("This field is required."))
    if "kind" in data and data["kind"] not in Customer.Kind.values:
        errors.setdefault("kind", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Customer.Kind.values)}
        )
    if "invoice_delivery" in data and data["invoice_delivery"] not in ("email", "manual"):
        errors.setdefault("invoice_delivery", []).append(
            _("Choose one of: %(choices)s.") % {"choices": "email, manual"}
        )
    if "e_invoice_format" in data and data["e_invoice_format"] not in EInvoiceFormat.values:
        errors.setdefault("e_invoice_format", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(EInvoiceFormat.values)}
        )
    if "language" in data and not is_language(data["language"]):
        errors.setdefault("language", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(language_codes())}
        )
    _check_lengths(errors, Customer, data)
    # Name and addresses are printed on invoices and letters: characters no document font can draw
    # (an emoji) are refused here, naming them (core.fonts); internal notes are never printed.
    check_drawable(errors, data, PRINTED_CUSTOMER_FIELDS)
    country = _clean(errors, "billing_country", clean_country, merged.get("billing_country") or "")
    if country:
        clean["billing_country"] = country
        if "billing_postal_code" in merged:
            clean["billing_postal_code"] = _clean(
                errors, "billing_postal_code", clean_postal_code, merged["billing_postal_code"], country=country
            )
    if merged.get("has_shipping_address") or merged.get("shipping_country") or merged.get("shipping_postal_code"):
        # Validated whenever given, so stored shipping data is never garbage.
        ship_country = _clean(errors, "shipping_country", clean_country, merged.get("shipping_country") or "")
        if merged.get("has_shipping_address"):
            for field in ("shipping_street", "shipping_city"):
                if not str(merged.get(field) or "").strip():
                    errors.setdefault(field, []).append(_("Required with a separate shipping address."))
        if ship_country and (merged.get("shipping_postal_code") or merged.get("has_shipping_address")):
            clean["shipping_country"] = ship_country
            clean["shipping_postal_code"] = _clean(
                errors,
                "shipping_postal_code",
                clean_postal_code,
                merged.get("shipping_postal_code") or "",
                country=ship_country,
            )
    if "vat_id" in data:
        clean["vat_id"] = _clean(errors, "vat_id", clean_vat_id, data["vat_id"] or "")
    if "leitweg_id" in data:
        clean["leitweg_id"] = _clean(errors, "leitweg_id", clean_leitweg_id, data["leitweg_id"] or "")
    if "currency" in data:
        clean["currency"] = _clean(errors, "currency", clean_currency, data["currency"] or "")
    if merged.get("dunning_blocked") and not str(merged.get("dunning_block_reason") or "").strip():
        errors.setdefault("dunning_block_reason", []).append(_("Say why dunning is blocked."))
    if data.get("credit_limit") not in (None, ""):
        clean["credit_limit"] = _clean_credit_limit(errors, data["credit_limit"], merged.get("currency") or "EUR")
    elif "credit_limit" in data:
        clean["credit_limit"] = None
    terms = data.get("payment_terms")
    if terms is not None and not getattr(terms, "active", False):
        errors.setdefault("payment_terms", []).append(_("Payment terms %(terms)s are not active.") % {"terms": terms})
    if merged.get("e_invoice_address") and not merged.get("e_invoice_scheme"):
        errors.setdefault("e_invoice_scheme", []).append(_("Give the scheme (EAS code) of the electronic address."))
    _raise_if(errors)
    return clean


def _clean_credit_limit(errors: dict, value, currency: str) -> Decimal | None:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault("credit_limit", []).append(
            _("Credit limit %(value)s: not an amount.") % {"value": repr(value)}
        )
        return None
    if amount < 0:
        errors.setdefault("credit_limit", []).append(_("A credit limit cannot be negative."))
        return None
    if amount >= MAX_CREDIT_LIMIT:
        errors.setdefault("credit_limit", []).append(
            _("A credit limit must be below %(limit)s.") % {"limit": f"{MAX_CREDIT_LIMIT:,}"}
        )
        return None
    try:
        return quantize(amount, currency)
    except ValueError:
        return quantize(amount, "EUR")  # the currency field reports its own error


def _clean_children(contacts: list[dict], bank_accounts: list[dict], *, country: str) -> tuple[list, list]:
    errors: dict[str, list[str]] = {}
    clean_contacts, clean_accounts = [], []
    for index, data in enumerate(contacts):
        try:
            clean_contacts.append(contact_clean(data, country=country))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"contacts.{index}.{field}", []).extend(messages)
    for index, data in enumerate(bank_accounts):
        try:
            clean_accounts.append(bank_account_clean(data))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"bank_accounts.{index}.{field}", []).extend(messages)
    ibans = [a["iban"] for a in clean_accounts]
    if len(ibans) != len(set(ibans)):
        errors.setdefault("bank_accounts", []).append(_("The same IBAN is listed twice."))
    _raise_if(errors)
    return clean_contacts, clean_accounts


def customer_create(
    *, data: dict, as_of: datetime, by=None, contacts: list[dict] = (), bank_accounts: list[dict] = ()
) -> Customer:
    """Create a customer (with contacts and bank accounts, all or nothing) and queue its verification."""
    errors: dict[str, list[str]] = {}
    clean, clean_contacts, clean_accounts = {}, [], []
    try:
        clean = customer_clean(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    country = clean.get("billing_country") or str(data.get("billing_country") or "DE").upper()
    try:
        clean_contacts, clean_accounts = _clean_children(list(contacts), list(bank_accounts), country=country)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _raise_if(errors)  # every problem at once, nothing saved
    with transaction.atomic():
        customer = Customer(**clean, created_at=as_of, updated_at=as_of)
        customer.number = number_next(key="customer", today=as_of.date())
        customer._history_user = by
        customer.save()
        for contact_data in clean_contacts:
            contact = Contact(customer=customer, **contact_data)
            contact._history_user = by
            contact.save()
        for account_data in clean_accounts:
            account = BankAccount(customer=customer, **account_data)
            account._history_user = by
            account.save()
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CREATED, as_of=as_of, by=by)
    return customer


def customer_update(*, customer: Customer, data: dict, as_of: datetime, by=None) -> Customer:
    """Change customer fields; legally relevant changes are re-verified in the background."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        clean = customer_clean(data, instance=customer)
        changed = {field for field, value in clean.items() if getattr(customer, field) != value}
        if not changed:
            return customer
        for field in changed:
            setattr(customer, field, clean[field])
        customer.updated_at = as_of
        customer._history_user = by
        customer.save()
        if changed & LEGALLY_RELEVANT_FIELDS:
            _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return customer


def customer_delete(*, customer: Customer, as_of: datetime, by=None) -> None:
    """Delete a customer with contacts and bank accounts (their history stays).

    Documents issued to a customer protect it (their foreign keys refuse the delete).
    """
    try:
        with transaction.atomic():
            customer._history_user = by
            customer.delete()
    except ProtectedError:
        raise ValidationError(
            {"customer": [_("Customer %(number)s has documents and cannot be deleted.") % {"number": customer.number}]}
        ) from None
