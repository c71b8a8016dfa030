from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
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
