"""Analytics' API under /api/v1/analytics/: each KPI module's routes from its own ``api_*`` module."""

from . import api_behaviour, api_forecast, api_receivables

urlpatterns = [*api_receivables.urlpatterns, *api_behaviour.urlpatterns, *api_forecast.urlpatterns]
