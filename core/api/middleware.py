import logging

from django.utils.translation import gettext as _

from .problems import problem_json_response

logger = logging.getLogger("debitor.api")


class ApiProblemMiddleware:
    """Under /api/, an unhandled exception answers a 500 problem instead of an HTML page.

    Bad input never gets here (views validate it); this is the safety net for bugs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return problem_json_response(500, _("An unexpected error occurred; it has been logged."), instance=request.path)
