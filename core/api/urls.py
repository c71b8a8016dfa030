from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import JobViewSet, MeView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("platform/jobs", JobViewSet, basename="job")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
