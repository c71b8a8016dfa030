"""Health endpoints for load balancers and container runtimes (no auth, no data)."""

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness and database: 200 when the process answers and PostgreSQL does."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request, exception=None):
    """404: a problem document under /api/, the usual page elsewhere."""
    from django.views.defaults import page_not_found

    from .api.problems import problem_json_response

    if request.path.startswith("/api/"):
        return problem_json_response(404, _("No such resource."), instance=request.path)
    return page_not_found(request, exception)


def server_error(request):
    from django.views.defaults import server_error as html_server_error

    from .api.problems import problem_json_response

    if request.path.startswith("/api/"):
        return problem_json_response(500, _("An unexpected error occurred; it has been logged."), instance=request.path)
    return html_server_error(request)
