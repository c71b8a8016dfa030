from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` (M up to 200); answers with count, next, previous, results."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # DRF's default text does not mention the cap, so clients could not know it.
    page_size_query_description = format_lazy(
        _("Number of results per page (default {default}, at most {max}; larger values are capped)."),
        default=page_size,
        max=MAX_PAGE_SIZE,
    )

    def get_page_size(self, request):
        # DRF falls back to the default for "abc" or 0: the client then reads a page of a size it
        # did not ask for without knowing. Refuse it, naming the parameter.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number of at least 1 (at most %(max)s are returned).") % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        # A page that is no number is bad input (400 naming it); a number past the last page is 404.
        number = super().get_page_number(request, paginator)
        if number in self.last_page_strings:
            return number
        try:
            valid = int(number) >= 1
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValidationError({self.page_query_param: [_("Enter a page number of at least 1.")]})
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
        return parameters
