from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("live/", views.live, name="live"),
    path("aging/", views.aging, name="aging"),
    path("aging/<int:customer_id>/", views.customer, name="customer"),
    path("trends/", views.trends, name="trends"),
    path("forecast/", views.forecast, name="forecast"),
    path("dunning/", views.dunning, name="dunning"),
]
