from rest_framework.routers import DefaultRouter

from .api import DataSubjectRequestViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("privacy-requests", DataSubjectRequestViewSet, basename="privacy-request")
urlpatterns = router.urls
