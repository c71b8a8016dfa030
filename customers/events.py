"""Customers' event types: master data changes, from the history records (core.history)."""

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
