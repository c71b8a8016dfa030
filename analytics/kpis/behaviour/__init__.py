"""Payment behaviour and collection KPIs (issue 20): how and when customers pay, and what
collection work yields. Every function reads the ledger as it stood at the end of ``scope.as_of``
and honours every filter of the scope; each docstring states its formula."""

from .collections import (
    DisputeSummary,
    FeesInterest,
    LevelEffect,
    WriteOffSummary,
    disputes,
    dunning_effectiveness,
    fees_and_interest,
    write_offs,
)
from .countries import CountryRow, by_country
from .payments import (
    CUSTOMER_ORDERS,
    BehaviourMonth,
    BehaviourPage,
    ChannelShare,
    CustomerBehaviour,
    InvoicedCollectedMonth,
    PaymentBehaviour,
    TransactionValues,
    channel_mix,
    invoiced_vs_collected,
    payment_behaviour,
    payment_behaviour_by_customer,
    payment_behaviour_monthly,
    transaction_values,
)

__all__ = [
    "CUSTOMER_ORDERS",
    "BehaviourMonth",
    "BehaviourPage",
    "ChannelShare",
    "CountryRow",
    "CustomerBehaviour",
    "DisputeSummary",
    "FeesInterest",
    "InvoicedCollectedMonth",
    "LevelEffect",
    "PaymentBehaviour",
    "TransactionValues",
    "WriteOffSummary",
    "by_country",
    "channel_mix",
    "disputes",
    "dunning_effectiveness",
    "fees_and_interest",
    "invoiced_vs_collected",
    "payment_behaviour",
    "payment_behaviour_by_customer",
    "payment_behaviour_monthly",
    "transaction_values",
    "write_offs",
]
