"""The payments REST API: payments, their allocations, credit, refunds and returns; write-offs of
small differences (finance managers); a customer's balance, open items and account statement; the
live feed of payment events.

Thin: serializers check types and shapes, the services (``payments.services``) hold every rule
and every write, selectors (``payments.selectors``) the non-trivial reads. A service's refusal is
a Django ``ValidationError`` with field errors, answered as a 400 problem with JSON pointers.
Amounts are strings (``"119.00"``), never floats.
"""

from .accounts import CustomerBalanceView, CustomerOpenItemsView, CustomerStatementView
from .feed import feed_rows, feed_since
from .views import AllocationViewSet, PaymentViewSet, WriteOffViewSet

__all__ = [
    "AllocationViewSet",
    "CustomerBalanceView",
    "CustomerOpenItemsView",
    "CustomerStatementView",
    "PaymentViewSet",
    "WriteOffViewSet",
    "feed_rows",
    "feed_since",
]
