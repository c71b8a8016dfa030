"""Dunning's API under /api/v1/: each part adds its routes in its own module (``api_*``)."""

from . import api_config, api_rates, api_runs

urlpatterns = [*api_config.urlpatterns, *api_runs.urlpatterns, *api_rates.urlpatterns]
