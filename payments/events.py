"""Payments' event types, written through from its typed event tables (core.typed_events)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types
from core.typed_events import connect_typed_events

from .models import BankStatement, BankStatementEvent, Payment, PaymentEvent


def _payment_customer_id(event: PaymentEvent) -> int | None:
    return event.payment.customer_id  # None while the payer is unknown


connect_typed_events(
    PaymentEvent, prefix="payment", obj_model=Payment, obj_id_attr="payment_id", customer_id_of=_payment_customer_id
)
# A bank statement belongs to the company's account, not to a customer.
connect_typed_events(
    BankStatementEvent,
    prefix="bank_statement",
    obj_model=BankStatement,
    obj_id_attr="statement_id",
    customer_id_of=lambda event: None,
    state_fields=("from_standing", "to_standing"),
)
# Written by the bank services directly: an upload queued for import, a line ignored or matched
# again by a person (a line taken as a payment is logged as the payment's events).
register_event_types("bank_import.queued", "bank_line.ignored", "bank_line.rematched")
# Return fees (services.return_fees): the rule's or a person's decision on the bank's fee.
register_event_types(
    "return_fee.charged", "return_fee.asked", "return_fee.declined", "return_fee.waived", "return_fee.not_charged"
)

# The ledger (issue 19): a payer's designation (§ 367 (2) BGB) and its decision, waivers of fees
# and interest, bad-debt write-offs and their reversal (services.designation, waivers, bad_debts).
register_event_types(
    "payment_designation.recorded",
    "payment_designation.accepted",
    "payment_designation.refused",
    "open_item.waived",
    "bad_debt.written_off",
    "bad_debt.reversed",
)

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "payment.recorded": EventSentence(
            gettext_noop("Payment recorded"), (gettext_noop("Payment of %(amount)s recorded"),)
        ),
        "payment.status_changed": EventSentence(
            gettext_noop("Status changed"), (gettext_noop("Status changed from %(from_state)s to %(to_state)s"),)
        ),
        "payment.allocated": EventSentence(
            gettext_noop("Allocated to an invoice"),
            (
                gettext_noop("%(amount)s allocated to invoice %(invoice)s, with Skonto %(discount)s"),
                gettext_noop("%(amount)s allocated to invoice %(invoice)s"),
            ),
        ),
        "payment.allocation_reversed": EventSentence(
            gettext_noop("Allocation reversed"),
            (gettext_noop("Allocation of %(amount)s to invoice %(invoice)s reversed"),),
        ),
        "payment.credited": EventSentence(
            gettext_noop("Rest kept as customer credit"), (gettext_noop("%(amount)s kept as customer credit"),)
        ),
        "payment.refunded": EventSentence(gettext_noop("Refunded"), (gettext_noop("%(amount)s refunded"),)),
        "payment.returned": EventSentence(
            gettext_noop("Returned by the bank"), (gettext_noop("Returned by the bank (return code %(return_code)s)"),)
        ),
        "payment.written_off": EventSentence(
            gettext_noop("Difference written off"), (gettext_noop("Difference of %(amount)s written off"),)
        ),
        "bank_statement.held": gettext_noop("Statement put on hold"),
        "bank_statement.accepted": gettext_noop("Re-delivery accepted"),
        "bank_statement.rejected": gettext_noop("Re-delivery rejected"),
        "bank_statement.superseded": gettext_noop("Replaced by a re-delivery"),
        "bank_import.queued": gettext_noop("Bank file uploaded for import"),
        "bank_line.ignored": gettext_noop("Bank line ignored"),
        "bank_line.rematched": gettext_noop("Bank line matched again"),
        "return_fee.charged": EventSentence(
            gettext_noop("Return fee charged to the customer"),
            (gettext_noop("Return fee of %(fee)s charged to the customer (return reason %(reason_code)s)"),),
        ),
        "return_fee.asked": EventSentence(
            gettext_noop("Return fee waiting for a decision"),
            (gettext_noop("Return fee of %(fee)s waiting for a decision (return reason %(reason_code)s)"),),
        ),
        "return_fee.declined": EventSentence(
            gettext_noop("Return fee not charged"), (gettext_noop("Return fee of %(fee)s not charged"),)
        ),
        "return_fee.waived": EventSentence(
            gettext_noop("Return fee waived"), (gettext_noop("Return fee waived: %(amount)s no longer owed"),)
        ),
        "return_fee.not_charged": EventSentence(
            gettext_noop("Return fee not charged by rule"),
            (
                gettext_noop(
                    "Return fee of %(fee)s not charged: return reason %(reason_code)s is not the customer's doing"
                ),
            ),
        ),
    }
)

# The ledger's events (issue 19: services.designation, waivers, bad_debts).
register_event_sentences(
    {
        "payment_designation.recorded": EventSentence(
            gettext_noop("Payer designated another order of application (§ 367 (2) BGB)")
        ),
        "payment_designation.accepted": EventSentence(gettext_noop("Payer's order of application accepted")),
        "payment_designation.refused": EventSentence(
            gettext_noop("Payment refused (§ 367 (2) BGB)"),
            (gettext_noop("Payment refused (§ 367 (2) BGB): %(credit)s kept as credit to pay back"),),
        ),
        "open_item.waived": EventSentence(
            gettext_noop("Fee or interest waived"), (gettext_noop("Fee or interest waived: %(amount)s"),)
        ),
        "bad_debt.written_off": EventSentence(
            gettext_noop("Invoice written off as a bad debt"),
            (gettext_noop("Invoice %(invoice)s written off as a bad debt: %(amount)s"),),
        ),
        "bad_debt.reversed": EventSentence(
            gettext_noop("Bad-debt write-off reversed: money arrived"),
            (gettext_noop("Bad-debt write-off of %(invoice)s reversed for %(amount)s: money arrived"),),
        ),
    }
)
