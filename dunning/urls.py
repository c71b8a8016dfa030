"""Dunning's API under /api/v1/: each part adds its routes in its own module (``api_*``)."""

from . import api_config, api_limitation, api_notices, api_rates, api_runs

urlpatterns = [
    *api_config.urlpatterns,
    *api_runs.urlpatterns,
    *api_notices.urlpatterns,
    *api_limitation.urlpatterns,
    *api_rates.urlpatterns,
]
