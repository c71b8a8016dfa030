"""Personal data in customer master data (``core.privacy``): contact persons and their history,
and a consumer customer's own name, addresses and bank accounts with their history.

Master data has no retention duty of its own; a consumer's master data is the debtor account of
the books, so it is kept while the consumer's vouchers are (``follows_documents``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.privacy import ERASED, NONE, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register

from .models import BankAccount, Contact, Customer

CONTACT_PERSONAL = {"name": ERASED, "role": "", "email": "", "phone": ""}
# What of a consumer names or locates the person. Country and kind stay (no person in them).
CUSTOMER_PERSONAL = {
    "legal_name": ERASED,
    "billing_street": ERASED,
    "billing_street2": "",
    "billing_postal_code": "",
    "billing_city": ERASED,
    "shipping_name": "",
    "shipping_street": "",
    "shipping_street2": "",
    "shipping_postal_code": "",
    "shipping_city": "",
    "vat_id": "",
    "tax_number": "",
    "e_invoice_address": "",
    "notes": "",
    "dunning_block_reason": "",
}
BANK_ACCOUNT_PERSONAL = {"iban": "", "bic": "", "account_holder": "", "bank_name": ""}


def _stored(obj) -> dict:
    """Every column of a row as stored (an access request asks for everything; keys are ids)."""
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def _history(model, ids) -> list[dict]:
    """Every earlier version of the rows, with when and how it changed."""
    rows = model.history.filter(id__in=ids).order_by("id", "history_date", "history_id")
    fields = [field.attname for field in model._meta.concrete_fields]
    return [
        {
            **{name: getattr(row, name) for name in fields if hasattr(row, name)},
            "history_date": row.history_date,
            "history_type": row.get_history_type_display(),
        }
        for row in rows
    ]


# --- Contacts --------------------------------------------------------------------------------------


def _contacts(subject: DataSubject):
    return Contact.objects.filter(customer_id=subject.customer_id, pk__in=subject.contact_ids).order_by("pk")


def contacts_export(subject: DataSubject) -> list[dict]:
    return [{**_stored(contact), "history": _history(Contact, [contact.pk])} for contact in _contacts(subject)]


def contacts_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=contact.pk,
            label=str(_("contact person #%(id)s") % {"id": contact.pk}),
            record_date=None,
            retention=NONE,
        )
        for contact in _contacts(subject)
    ]


def contacts_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    """Contact row kept (invoices, messages and tasks refer to it), its personal values replaced by
    the marker and its mail flags cleared; every history row of it blanked the same way."""
    changed = 0
    for contact in _contacts(subject).filter(pk__in=keys).select_for_update():
        for name, value in CONTACT_PERSONAL.items():
            setattr(contact, name, value)
        contact.receives_invoices = contact.receives_reminders = False
        contact.email_invalid_since, contact.email_invalid_reason = None, ""
        contact._history_user = context.by
        contact.save()
        changed += 1
    Contact.history.filter(id__in=keys, customer_id=subject.customer_id).update(
        **CONTACT_PERSONAL, email_invalid_reason=""
    )
    return changed


register(
    PersonalDataSource(
        name="customers.contacts",
        label=_("Contact persons"),
        holds=_("name, role, e-mail, phone of each contact person and every earlier version of them"),
        export=contacts_export,
        records=contacts_records,
        erase=contacts_erase,
        order=10,
    )
)


# --- The consumer customer itself ------------------------------------------------------------------


def _consumer(subject: DataSubject):
    if not subject.customer_itself:
        return Customer.objects.none()
    return Customer.objects.filter(pk=subject.customer_id)


def customer_export(subject: DataSubject) -> list[dict]:
    rows = []
    for customer in _consumer(subject):
        accounts = list(customer.bank_accounts.order_by("pk"))
        rows.append(
            {
                **_stored(customer),
                "history": _history(Customer, [customer.pk]),
                "bank_accounts": [_stored(a) for a in accounts],
                "bank_account_history": _history(BankAccount, [a.pk for a in accounts]),
            }
        )
    return rows


def customer_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=customer.pk,
            label=str(_("customer %(number)s") % {"number": customer.number}),
            record_date=None,
            retention=NONE,
        )
        for customer in _consumer(subject)
    ]


def customer_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    """A consumer's name, addresses, tax ids and notes become the marker; bank accounts lose IBAN and
    holder (the row stays, inactive); history rows of both are blanked the same way."""
    changed = 0
    for customer in _consumer(subject).filter(pk__in=keys).select_for_update():
        for name, value in CUSTOMER_PERSONAL.items():
            setattr(customer, name, value)
        if customer.dunning_blocked:  # the block stays; its reason is free text
            customer.dunning_block_reason = ERASED
        customer.updated_at = context.as_of
        customer._history_user = context.by
        customer.save()
        Customer.history.filter(id=customer.pk).update(
            **{k: v for k, v in CUSTOMER_PERSONAL.items() if k != "dunning_block_reason"}
        )
        Customer.history.filter(id=customer.pk).exclude(dunning_block_reason="").update(dunning_block_reason=ERASED)
        account_ids = list(customer.bank_accounts.values_list("pk", flat=True))
        # IBANs are unique per customer: each erased account gets a distinct marker value.
        for account in BankAccount.objects.filter(pk__in=account_ids).select_for_update().order_by("pk"):
            for name, value in BANK_ACCOUNT_PERSONAL.items():
                setattr(account, name, value)
            account.iban = f"ERASED{account.pk}"[:34]
            account.is_active = False
            account._history_user = context.by
            account.save()
        BankAccount.history.filter(id__in=account_ids).update(**BANK_ACCOUNT_PERSONAL)
        changed += 1
    return changed


register(
    PersonalDataSource(
        name="customers.customer",
        label=_("Consumer customer's master data"),
        holds=_("a consumer's name, addresses, tax numbers, notes and bank accounts, with their history"),
        export=customer_export,
        records=customer_records,
        erase=customer_erase,
        follows_documents=True,
        order=20,
    )
)
