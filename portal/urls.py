from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/documents/<int:invoice_id>/<str:kind>/", views.document, name="document"),
    path("<str:token>/statement/", views.statement, name="statement"),
    path("<str:token>/pay/", views.pay, name="pay"),
]
