"""API of dunning's configuration: policies and levels, customer settings, pauses."""

urlpatterns: list = []
