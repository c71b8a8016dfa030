from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import (
    AllocationViewSet,
    CustomerBalanceView,
    CustomerOpenItemsView,
    CustomerStatementView,
    PaymentViewSet,
    WriteOffViewSet,
)
from .api.ledger import BadDebtWriteOffViewSet, OpenItemViewSet, PaymentDesignationViewSet
from .bank.api import BankImportViewSet, BankStatementLineViewSet, BankStatementViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("payments", PaymentViewSet, basename="payment")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("write-offs", WriteOffViewSet, basename="write-off")
router.register("open-items", OpenItemViewSet, basename="open-item")
router.register("bad-debt-write-offs", BadDebtWriteOffViewSet, basename="bad-debt-write-off")
router.register("payment-designations", PaymentDesignationViewSet, basename="payment-designation")
router.register("bank-imports", BankImportViewSet, basename="bank-import")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("bank-statement-lines", BankStatementLineViewSet, basename="bank-statement-line")

# A customer's account lives under the customer (customers/urls.py holds the customer itself).
urlpatterns = [
    *router.urls,
    path("customers/<int:customer_pk>/balance/", CustomerBalanceView.as_view(), name="customer-balance"),
    path("customers/<int:customer_pk>/open-items/", CustomerOpenItemsView.as_view(), name="customer-open-items"),
    path("customers/<int:customer_pk>/statement/", CustomerStatementView.as_view(), name="customer-statement"),
]
