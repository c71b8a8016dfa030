from rest_framework.routers import DefaultRouter

from .api import FollowUpTaskViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("tasks", FollowUpTaskViewSet, basename="followuptask")
urlpatterns = router.urls
