"""What every dashboard page shares: who may look, the scope from the URL, the filter bar, the
admin's frame (navigation, breadcrumbs, language) and the download of a table.

The filters are a GET form, so a view is a URL that can be bookmarked and shared. A bad value
never breaks the page: its messages stand next to the field and the numbers are for the default
scope. The filter choices come from cheap sources — the customers' currencies and account owners
(one query each, not a scan of the invoices) and the country list.
"""

from __future__ import annotations

import importlib.util
from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from core.roles import Role, role_of
from customers.countries import country_choices
from customers.models import Customer

from ..scope import CUSTOMER_KINDS, DEFAULT_PERIOD, PERIODS, Scope, ScopeError, scope_from_params
from .exports import Table, export_response

PAGES = (
    ("overview", pgettext_lazy("dashboard page", "Overview")),
    ("aging", pgettext_lazy("dashboard page", "Aging")),
    ("trends", pgettext_lazy("dashboard page", "Trends")),
    ("forecast", pgettext_lazy("dashboard page", "Forecast")),
    ("dunning", pgettext_lazy("dashboard page", "Dunning")),
)
KIND_LABELS = {value: label for value, label in Customer.Kind.choices if value in CUSTOMER_KINDS}
TITLE = gettext_lazy("Dashboard")


def available(module: str) -> bool:
    """Whether a KPI module is installed: a section whose module has not landed says so, instead
    of failing (or showing numbers that are not computed)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def dashboard_view(func):
    """Login (the admin's), a finance role (viewer and up), GET only."""

    @require_GET
    @staff_member_required
    @wraps(func)
    def view(request, *args, **kwargs):
        role = role_of(request.user)
        if role is None or role < Role.FINANCE_VIEWER:
            raise PermissionDenied
        return func(request, *args, **kwargs)

    return view


def read_scope(request) -> tuple[Scope, dict[str, list[str]]]:
    """The scope in the URL, or the default one and the messages of what was wrong."""
    today = timezone.localdate()
    try:
        return scope_from_params(request.GET, today=today), {}
    except ScopeError as error:
        return scope_from_params({}, today=today), error.errors


def filter_choices() -> dict:
    """Currencies and owners of the customers (two small queries), countries from the list."""
    currencies = set(Customer.objects.order_by().values_list("currency", flat=True).distinct()) | {"EUR"}
    owners = get_user_model().objects.filter(
        pk__in=Customer.objects.order_by().filter(account_owner__isnull=False).values("account_owner_id")
    )
    return {
        "periods": list(PERIODS.items()),
        "currencies": sorted(currencies),
        "countries": country_choices(),
        "owners": [(user.pk, user.get_full_name() or user.get_username()) for user in owners.order_by("username")],
        "kinds": list(KIND_LABELS.items()),
    }


def reporting_currency(scope: Scope) -> str:
    return scope.currency or "EUR"


def page_url(name: str, scope: Scope, **extra) -> str:
    params = scope.params() | {key: value for key, value in extra.items() if value not in (None, "")}
    return f"{reverse(f'analytics:{name}')}?{urlencode(params)}"


def render_page(request, page: str, scope: Scope, errors: dict, context: dict, *, tables: list[Table] = ()):
    """The page in the admin's frame, or the table ``?export=`` asks for."""
    download = export_response(list(tables), request.GET)
    if download is not None:
        return download
    query = urlencode(scope.params())
    title = dict(PAGES).get(page) or dict(PAGES)["aging"]  # a customer's open items belong to the aging
    return TemplateResponse(
        request,
        f"analytics/{page}.html",
        {
            **admin.site.each_context(request),
            "title": title,
            "page": page if page in dict(PAGES) else "aging",
            "pages": [(key, label, f"{reverse(f'analytics:{key}')}?{query}") for key, label in PAGES],
            "scope": scope,
            "errors": errors,
            "raw": request.GET,
            "choices": filter_choices(),
            "default_period": DEFAULT_PERIOD,
            "currency": reporting_currency(scope),
            "query": query,
            "tables": {table.name: table for table in tables},
            "not_available": gettext("Not available yet: this figure's computation is not installed."),
            **context,
        },
    )
