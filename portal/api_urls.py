from rest_framework.routers import DefaultRouter

from .api import PageLinkViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("page-links", PageLinkViewSet, basename="page-link")

urlpatterns = router.urls
