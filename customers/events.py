"""Customers' event types: master data changes, from the history records (core.history)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types
from core.history import connect_history_events

from .models import BankAccount, Contact, Customer

connect_history_events(
    Customer, prefix="customer", customer_id_of=lambda customer: customer.pk, data_of=lambda c: {"number": c.number}
)
connect_history_events(Contact, prefix="contact", customer_id_of=lambda contact: contact.customer_id)
connect_history_events(BankAccount, prefix="bank_account", customer_id_of=lambda account: account.customer_id)
# Written by the verification services.
register_event_types("customer.verified", "customer.duplicate_dismissed")

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "customer.created": EventSentence(
            gettext_noop("Customer created"), (gettext_noop("Customer %(number)s created"),)
        ),
        "customer.changed": gettext_noop("Customer data changed"),
        "customer.deleted": gettext_noop("Customer deleted"),
        "customer.verified": EventSentence(
            gettext_noop("Customer data checked"), (gettext_noop("Customer data checked: %(outcome)s"),)
        ),
        "customer.duplicate_dismissed": gettext_noop("Possible duplicate dismissed"),
        "contact.created": gettext_noop("Contact added"),
        "contact.changed": gettext_noop("Contact changed"),
        "contact.deleted": gettext_noop("Contact deleted"),
        "bank_account.created": gettext_noop("Bank account added"),
        "bank_account.changed": gettext_noop("Bank account changed"),
        "bank_account.deleted": gettext_noop("Bank account deleted"),
    }
)
