from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import BankAccountViewSet, ContactViewSet, CustomerViewSet, VatIdConfirmationViewSet, VerificationRunViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("customers", CustomerViewSet, basename="customer")

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

# Objects of one customer; <int:...> so an id that is not a number is a 404 (and the
# schema knows the parameters' type).
urlpatterns = [
    *router.urls,
    path("customers/<int:customer_pk>/contacts/", ContactViewSet.as_view(LIST), name="customer-contact-list"),
    path(
        "customers/<int:customer_pk>/contacts/<int:pk>/",
        ContactViewSet.as_view(DETAIL),
        name="customer-contact-detail",
    ),
    path(
        "customers/<int:customer_pk>/bank-accounts/",
        BankAccountViewSet.as_view(LIST),
        name="customer-bank-account-list",
    ),
    path(
        "customers/<int:customer_pk>/bank-accounts/<int:pk>/",
        BankAccountViewSet.as_view(DETAIL),
        name="customer-bank-account-detail",
    ),
    path(
        "customers/<int:customer_pk>/verifications/",
        VerificationRunViewSet.as_view({"get": "list"}),
        name="customer-verification-list",
    ),
    path(
        "customers/<int:customer_pk>/verifications/<int:pk>/",
        VerificationRunViewSet.as_view({"get": "retrieve"}),
        name="customer-verification-detail",
    ),
    path(
        "customers/<int:customer_pk>/vat-confirmations/",
        VatIdConfirmationViewSet.as_view({"get": "list"}),
        name="customer-vat-confirmation-list",
    ),
]
