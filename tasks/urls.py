from rest_framework.routers import DefaultRouter

from .api import FollowUpTaskViewSet, TaskRuleViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("tasks", FollowUpTaskViewSet, basename="followuptask")
router.register("task-rules", TaskRuleViewSet, basename="taskrule")
urlpatterns = router.urls
