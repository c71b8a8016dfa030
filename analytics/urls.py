"""Analytics' API under /api/v1/analytics/: each KPI module's routes from its own ``api_*`` module."""

urlpatterns: list = []
