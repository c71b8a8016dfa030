"""Contact persons and bank accounts of a customer."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.fonts import check_drawable
from core.languages import is_language, language_codes

from ..models import (
    BankAccount,
    Contact,
    Customer,
    VerificationRun,
)
from ..validation import (
    clean_bic,
    clean_email,
    clean_iban,
    clean_phone,
)
from .common import BANK_ACCOUNT_FIELDS, CONTACT_FIELDS, _check_lengths, _clean, _queue_verification, _raise_if


# --- Contacts and bank accounts ---------------------------------------------------------------
def contact_clean(data: dict, *, country: str, instance: Contact | None = None) -> dict:
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    name = data.get("name", instance.name if instance else "")
    if not str(name or "").strip():
        errors.setdefault("name", []).append(_("This field is required."))
    if "email" in data:
        clean["email"] = _clean(errors, "email", clean_email, data["email"] or "")
    if "phone" in data:
        clean["phone"] = _clean(errors, "phone", clean_phone, data["phone"] or "", country=country)
    if data.get("language") and not is_language(data["language"]):
        errors.setdefault("language", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(language_codes())}
        )
    _check_lengths(errors, Contact, {k: v for k, v in data.items() if k not in ("email", "phone")})
    check_drawable(errors, data, ("name", "role"))  # letters and e-mails address the contact by name
    receives = data.get("receives_invoices", instance.receives_invoices if instance else False) or data.get(
        "receives_reminders", instance.receives_reminders if instance else False
    )
    email = clean.get("email", instance.email if instance else "")
    if receives and not email and "email" not in errors:
        errors.setdefault("email", []).append(
            _("A contact who receives invoices or reminders needs an e-mail address.")
        )
    _raise_if(errors)
    return clean


def contact_create(*, customer: Customer, data: dict, as_of: datetime, by=None) -> Contact:
    clean = contact_clean(data, country=customer.billing_country)
    with transaction.atomic():
        contact = Contact(customer=customer, **clean)
        contact._history_user = by
        contact.save()
    return contact


def contact_update(*, contact: Contact, data: dict, as_of: datetime, by=None) -> Contact:
    clean = contact_clean(data, country=contact.customer.billing_country, instance=contact)
    if "email" in clean and clean["email"].lower() != contact.email.lower():
        # A corrected address may receive mail again (a hard bounce blocked the old one).
        clean["email_invalid_since"], clean["email_invalid_reason"] = None, ""
    with transaction.atomic():
        for field, value in clean.items():
            setattr(contact, field, value)
        contact._history_user = by
        contact.save()
    return contact


def contact_delete(*, contact: Contact, as_of: datetime, by=None) -> None:
    with transaction.atomic():
        contact._history_user = by
        contact.delete()


def bank_account_clean(data: dict, *, instance: BankAccount | None = None) -> dict:
    unknown = set(data) - set(BANK_ACCOUNT_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    if "iban" in data or instance is None:
        iban = _clean(errors, "iban", clean_iban, data.get("iban") or "")
        if iban is not None:
            clean["iban"] = str(iban.compact)
            try:
                derived = iban.bic
            except Exception:  # noqa: BLE001 - no registry entry for this bank
                derived = None
            clean["bank_name"] = iban.bank_name or ""
            if not data.get("bic") and derived is not None:
                clean["bic"] = str(derived.compact)
    if data.get("bic"):
        clean["bic"] = _clean(errors, "bic", clean_bic, data["bic"])
    _check_lengths(errors, BankAccount, {k: v for k, v in data.items() if k == "account_holder"})
    _raise_if(errors)
    return clean


def _save_unique_iban(account: BankAccount) -> None:
    """Save; a concurrent insert of the same IBAN loses to the unique constraint with a field error."""
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError(
            {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": account.iban}]}
        ) from None


def bank_account_create(*, customer: Customer, data: dict, as_of: datetime, by=None) -> BankAccount:
    clean = bank_account_clean(data)
    with transaction.atomic():
        if BankAccount.objects.filter(customer=customer, iban=clean["iban"]).exists():
            raise ValidationError(
                {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": clean["iban"]}]}
            )
        account = BankAccount(customer=customer, **clean)
        account._history_user = by
        _save_unique_iban(account)
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return account


def bank_account_update(*, account: BankAccount, data: dict, as_of: datetime, by=None) -> BankAccount:
    clean = bank_account_clean(data, instance=account)
    with transaction.atomic():
        if (
            "iban" in clean
            and BankAccount.objects.filter(customer_id=account.customer_id, iban=clean["iban"])
            .exclude(pk=account.pk)
            .exists()
        ):
            raise ValidationError(
                {"iban": [_("IBAN %(value)s is already recorded for this customer.") % {"value": clean["iban"]}]}
            )
        for field, value in clean.items():
            setattr(account, field, value)
        account._history_user = by
        _save_unique_iban(account)
        _queue_verification(customer=account.customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
    return account


def bank_account_delete(*, account: BankAccount, as_of: datetime, by=None) -> None:
    with transaction.atomic():
        customer = account.customer
        account._history_user = by
        account.delete()
        _queue_verification(customer=customer, trigger=VerificationRun.Trigger.CHANGED, as_of=as_of, by=by)
