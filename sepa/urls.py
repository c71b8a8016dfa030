from rest_framework.routers import DefaultRouter

from .api import BatchViewSet, MandateViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("sepa-mandates", MandateViewSet, basename="sepa-mandate")
router.register("sepa-batches", BatchViewSet, basename="sepa-batch")

urlpatterns = router.urls
