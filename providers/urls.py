from rest_framework.routers import DefaultRouter

from .api import PaymentLinkViewSet, ProviderPaymentViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("payment-links", PaymentLinkViewSet, basename="payment-link")
router.register("provider-payments", ProviderPaymentViewSet, basename="provider-payment")

urlpatterns = router.urls
