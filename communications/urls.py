"""API paths of the outbox: unchanged since the outbox lived in ``customers``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import CustomerMessageViewSet, OutboxMessageViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("messages", OutboxMessageViewSet, basename="message")

urlpatterns = [
    *router.urls,
    path(
        "customers/<int:customer_pk>/messages/",
        CustomerMessageViewSet.as_view({"get": "list"}),
        name="customer-message-list",
    ),
]
