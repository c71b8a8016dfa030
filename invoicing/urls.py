from rest_framework.routers import DefaultRouter

from .api import InvoiceViewSet, PaymentTermsViewSet, VatRateViewSet
from .api.recurring import RecurringTemplateViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payment-terms", PaymentTermsViewSet, basename="payment-terms")
router.register("vat-rates", VatRateViewSet, basename="vat-rate")
router.register("recurring-invoices", RecurringTemplateViewSet, basename="recurring-invoice")

urlpatterns = router.urls
