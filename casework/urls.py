from rest_framework.routers import DefaultRouter

from .api import DisputeViewSet, PaymentPromiseViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("payment-promises", PaymentPromiseViewSet, basename="payment-promise")
router.register("disputes", DisputeViewSet, basename="dispute")
urlpatterns = router.urls
