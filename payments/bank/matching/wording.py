"""The wording of matching explanations, defined once (``core.messages``): a signal is stored as
``{"code", "weight", "message", "params"}`` and worded when read, in the reader's language.

Rows stored before (``{"code", "weight", "detail"}``, the detail worded when it was written) are
shown with that detail (``signal_text``).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from core.messages import message_define, message_text

# Where in a line a number was found (a ``Term`` parameter: translated when read).
REMITTANCE = gettext_noop("remittance")
END_TO_END = gettext_noop("end-to-end id")
STRUCTURED = gettext_noop("structured reference")
CUSTOMER_REFERENCE = gettext_noop("customer reference")
ADDITIONAL = gettext_noop("additional information")

NUMBER_EXACT = message_define("bank.match.number_exact", gettext_noop("%(number)s found in %(field)s"))
NUMBER_MANGLED = message_define(
    "bank.match.number_mangled", gettext_noop("%(number)s found as “%(text)s” in %(field)s")
)
NUMBER_LOOKALIKE = message_define(
    "bank.match.number_lookalike",
    gettext_noop(
        "%(number)s found as “%(text)s” in %(field)s: invoice number with a look-alike character "
        "(%(written)s for %(meant)s)"
    ),
)
NUMBER_TYPO = message_define(
    "bank.match.number_typo", gettext_noop("“%(text)s” in %(field)s differs from %(number)s by one character")
)
IBAN = message_define("bank.match.iban", gettext_noop("payer IBAN belongs to customer %(number)s"))
CUSTOMER_NUMBER = message_define(
    "bank.match.customer_number", gettext_noop("customer number %(number)s found in %(field)s")
)
NAME = message_define(
    "bank.match.name", gettext_noop("payer name “%(payer)s” resembles %(name)s (similarity %(score)s/100)")
)
NUMBER_OTHER_CUSTOMER = message_define(
    "bank.match.number_other_customer",
    gettext_noop("the invoice number belongs to customer %(number)s, the payer IBAN to customer %(other)s"),
)
IBAN_OTHER_CUSTOMER = message_define(
    "bank.match.iban_other_customer",
    gettext_noop("the payer IBAN belongs to customer %(number)s, the invoice number named to customer %(other)s"),
)
AMOUNT_AMBIGUOUS = message_define(
    "bank.match.amount_ambiguous",
    gettext_noop("amount fits %(count)s open invoices of the customer and none is named"),
)
CUSTOMER_ONLY = message_define(
    "bank.match.customer_only",
    gettext_noop("no open invoice of the customer fits; record as a payment of the customer"),
)
RETURNED_CREDIT = message_define(
    "bank.match.returned_credit",
    gettext_noop(
        "the bank marks this credit as one of our payments coming back (reason %(code)s, for example a "
        "refund the customer's bank returned): check before applying"
    ),
)
REVERSAL = message_define(
    "bank.match.reversal",
    gettext_noop(
        "the bank marks this credit as the reversal of an earlier debit (for example a refund that came "
        "back): check before applying"
    ),
)
AMOUNT_EXACT = message_define("bank.match.amount_exact", gettext_noop("amount equals the open amount"))
AMOUNT_SKONTO = message_define(
    "bank.match.amount_skonto",
    gettext_noop("amount equals the amount to pay with early payment discount (%(amount)s) within the discount period"),
)
AMOUNT_PARTIAL = message_define(
    "bank.match.amount_partial", gettext_noop("amount is less than the open amount %(open)s (partial payment)")
)
AMOUNT_OVER = message_define(
    "bank.match.amount_over", gettext_noop("amount exceeds the open amount %(open)s; the rest stays unapplied")
)
SUM_EXACT = message_define("bank.match.sum_exact", gettext_noop("amount equals the sum of the open amounts"))
SUM_SKONTO = message_define(
    "bank.match.sum_skonto", gettext_noop("amount equals the sum of the amounts to pay with early payment discount")
)
SUM_PARTIAL = message_define(
    "bank.match.sum_partial",
    gettext_noop("amount is less than the sum of the open amounts %(open)s (partial payment)"),
)
SUM_OVER = message_define(
    "bank.match.sum_over",
    gettext_noop("amount exceeds the sum of the open amounts %(open)s; the rest stays unapplied"),
)
NUMBERS_SEVERAL = message_define(
    "bank.match.numbers_several",
    gettext_noop("several invoice numbers named (%(numbers)s); amount split by open amounts"),
)
ASSIGNED = message_define(
    "bank.match.assigned", gettext_noop("assigned to customer %(number)s by hand; left unapplied")
)
IGNORED = message_define("bank.match.ignored", gettext_noop("ignored: %(reason)s"))
ACCEPTED_BY = message_define("bank.match.accepted_by", gettext_noop("accepted by %(user)s"))


def signal_text(signal: dict) -> str:
    """One stored signal in the active language (an old row: the detail stored with it)."""
    if signal.get("message"):
        return message_text({"code": signal["message"], "params": signal.get("params") or {}})
    return signal.get("detail", "")


def signals_text(signals: list[dict] | None) -> str:
    return "; ".join(text for text in (signal_text(signal) for signal in signals or []) if text)


def has_messages(signals: list[dict] | None) -> bool:
    return any(signal.get("message") for signal in signals or [])
