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


def _error_page(request, status: int, title: str, message: str):
    """An error page in the reader's language (LocaleMiddleware has chosen it), with the admin's
    header and navigation for a signed-in member of staff and a way back (issue 16)."""
    from django.contrib import admin
    from django.template.response import TemplateResponse
    from django.utils.http import url_has_allowed_host_and_scheme

    context = {"title": title, "message": message, "status": status}
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        context.update(admin.site.each_context(request))
        context["title"] = title  # each_context brings the site's title; the page has its own
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        context["back_url"] = referer
    response = TemplateResponse(request, "debitor/error.html", context, status=status)
    return response.render()


def permission_denied(request, exception=None):
    """403: refused for this user (logged without a traceback, see core.logging)."""
    return _error_page(
        request,
        403,
        _("Access denied"),
        _("Your role does not allow this page or action. Ask a finance manager if you need it."),
    )


def not_found(request, exception=None):
    """404: a problem document under /api/, the usual page elsewhere."""
    from .api.problems import problem_json_response

    if request.path.startswith("/api/"):
        return problem_json_response(404, _("No such resource."), instance=request.path)
    return _error_page(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address. It may have been deleted or the link may be mistyped."),
    )


def server_error(request):
    from django.views.defaults import server_error as html_server_error

    from .api.problems import problem_json_response

    if request.path.startswith("/api/"):
        return problem_json_response(500, _("An unexpected error occurred; it has been logged."), instance=request.path)
    try:
        return _error_page(
            request,
            500,
            _("Server error"),
            _("An unexpected error occurred; it has been logged. Please try again in a moment."),
        )
    except Exception:  # noqa: BLE001 - the error page itself failed (database down): the plain one
        return html_server_error(request)
