from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import DisputeViewSet, PaymentPromiseViewSet
from .timeline.api import CustomerNoteViewSet, CustomerTimelineView

router = DefaultRouter()
router.include_root_view = False
router.register("customer-notes", CustomerNoteViewSet, basename="customer-note")
router.register("payment-promises", PaymentPromiseViewSet, basename="payment-promise")
router.register("disputes", DisputeViewSet, basename="dispute")
urlpatterns = [
    *router.urls,
    path("customers/<int:customer_pk>/timeline/", CustomerTimelineView.as_view(), name="customer-timeline"),
]
