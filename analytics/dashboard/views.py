"""The dashboard pages (thin: read the scope, ask sections.py, render or export) and the live
endpoint the overview polls for its headline figures."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from customers.models import Customer
from dunning.models import DunningRun
from dunning.services import dunning_dry_run
from payments.api.feed import feed_rows
from payments.models import PaymentEvent
from payments.views import POLL_SECONDS

from ..home import my_open_tasks
from . import sections
from .frame import available, dashboard_view, page_url, read_scope, render_page

TASKS_SHOWN = 5
FEED_ROWS = 10
PAGE_SIZE = 50
LIVE_SECONDS = 15


@dashboard_view
def overview(request):
    scope, errors = read_scope(request)
    aging_chart, aging_table = sections.aging_section(scope)
    months = sections.months_section(scope)
    invoiced = sections.invoiced_collected_section(scope)
    forecast = sections.forecast_section(scope)
    rows = feed_rows(since=None, limit=FEED_ROWS)
    tasks = list(my_open_tasks(request.user.pk).select_related("customer")[:TASKS_SHOWN])
    tables = [t for t in (aging_table, months and months["table"], invoiced and invoiced["table"],
                          forecast and forecast["table"]) if t]  # fmt: skip
    return render_page(
        request,
        "overview",
        scope,
        errors,
        {
            "figures": sections.headline(scope),
            "aging_chart": aging_chart,
            "aging_table": aging_table,
            "months": months,
            "invoiced": invoiced,
            "forecast": forecast,
            "tasks": tasks,
            "tasks_url": reverse("admin:tasks_followuptask_mine"),
            "rows": rows,
            "last_id": max((row["id"] for row in rows), default=0),
            "poll_seconds": POLL_SECONDS,
            "live_url": page_url("live", scope),
            "live_seconds": LIVE_SECONDS,
        },
        tables=tables,
    )


@dashboard_view
def live(request):
    """The headline figures now and the id of the newest payment event: what the overview's script
    polls (``?since=`` the last event it saw). The figures are read only when a payment event came
    after ``since`` (or without it): a quiet poll costs one query."""
    scope, errors = read_scope(request)
    raw = request.GET.get("since", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return JsonResponse({"errors": {"since": [gettext("An event id (a whole number).")]}}, status=400)
    since = int(raw) if raw else None
    events = PaymentEvent.objects.order_by("-id").values_list("id", flat=True)
    newest = (events.filter(pk__gt=since) if since is not None else events).first()
    answer = {"since": newest if newest is not None else since, "changed": since is None or newest is not None}
    if answer["changed"]:
        answer["figures"] = {
            f.key: {"value": f.value, "change": f.change, "direction": f.direction} for f in sections.headline(scope)
        }
    return JsonResponse(answer)


@dashboard_view
def aging(request):
    scope, errors = read_scope(request)
    chart, table = sections.aging_section(scope)
    context = {"chart": chart, "aging_table": table, "customers": None}
    tables = [table] if table else []
    if available(sections.RECEIVABLES):
        from ..kpis.receivables import configured_buckets, customer_order_sql

        order = request.GET.get("order") or "-total"
        try:
            customer_order_sql(order, configured_buckets())
        except ValueError as error:
            errors = {**errors, "order": [str(error)]}
            order = "-total"
        number = request.GET.get("page", "1")
        page = int(number) if number.isascii() and number.isdigit() and 0 < len(number) < 7 else 1
        customers, count = sections.aging_customers(scope, order=order, page=page, size=PAGE_SIZE)
        pages = Paginator(range(count), PAGE_SIZE)
        tables.append(customers)
        context |= {
            "customers": customers,
            "count": count,
            "order": order,
            "page_number": page,
            "page_links": pages.page_range if pages.num_pages > 1 else [],
        }
        customers.sort_links = sort_links(scope, order, len(customers.columns) - 7)
    return render_page(request, "aging", scope, errors, context, tables=tables)


def sort_links(scope, order: str, buckets: int) -> list[str]:
    """Per column of the customer list, the URL sorting by it: names and numbers A to Z first,
    amounts and days largest first; the current column's link turns the order round."""
    keys = ["number", "name", "country", *[f"b{index}" for index in range(buckets)], "total", "overdue", "credits",
            "oldest"]  # fmt: skip
    links = []
    for key in keys:
        first = key if key in ("number", "name", "country") else f"-{key}"
        wanted = first.removeprefix("-") if order == first and first.startswith("-") else first
        if order == first and not first.startswith("-"):
            wanted = f"-{key}"
        links.append(page_url("aging", scope, order=wanted))
    return links


@dashboard_view
def customer(request, customer_id: int):
    scope, errors = read_scope(request)
    found = Customer.objects.filter(pk=customer_id).values("pk", "number", "legal_name").first()
    if found is None:
        raise Http404(gettext("No such customer."))
    table = sections.open_items(scope, customer_id) if available(sections.RECEIVABLES) else None
    return render_page(
        request,
        "customer",
        scope,
        errors,
        {
            "customer": found,
            "items": table,
            "account_url": reverse("admin:customers_customer_change", args=[customer_id]),
            "timeline_url": reverse("admin:communications_customernote_timeline", args=[customer_id]),
            "back_url": page_url("aging", scope),
        },
        tables=[table] if table else [],
    )


@dashboard_view
def trends(request):
    scope, errors = read_scope(request)
    months = sections.months_section(scope)
    invoiced = sections.invoiced_collected_section(scope)
    behaviour = sections.behaviour_months_section(scope)
    extra = sections.behaviour_tables(scope)
    top = sections.top_debtors_table(scope)
    period = sections.period_dso_table(scope)
    found = (period, months and months["table"], invoiced and invoiced["table"], behaviour and behaviour["table"], top)
    tables = [t for t in (*found, *[v for k, v in extra.items() if not k.endswith("_chart")]) if t]
    context = {"period_dso": period, "months": months, "invoiced": invoiced, "behaviour": behaviour, "extra": extra}
    context["top"] = top
    return render_page(request, "trends", scope, errors, context, tables=tables)


@dashboard_view
def forecast(request):
    """The 13 weeks; the backtest only when asked (``?backtest=1``): it rebuilds the ledger at
    each of twelve month ends — a report's work (seconds to minutes on years of data), not a
    page read."""
    scope, errors = read_scope(request)
    wanted = request.GET.get("backtest") == "1"
    section = sections.forecast_section(scope, backtest=wanted)
    tables = [section["table"], *([section["backtest"]] if wanted else [])] if section else []
    extra = {"forecast": section, "backtest_url": page_url("forecast", scope, backtest="1")}
    return render_page(request, "forecast", scope, errors, extra, tables=tables)


@dashboard_view
def dunning(request):
    """The last runs and the effect of each level; what the next run will do only when asked
    (``?preview=1``): that is the dry run over every customer with overdue invoices, a batch's
    work rather than a page read, so the page itself stays a few queries."""
    scope, errors = read_scope(request)
    runs = list(DunningRun.objects.filter(dry_run=False).order_by("-started_at", "-id")[:10])
    preview = dunning_dry_run(as_of=timezone.localdate()) if request.GET.get("preview") == "1" else None
    effect = sections.dunning_effect_table(scope)
    runs_table = sections.runs_table(runs)
    return render_page(
        request,
        "dunning",
        scope,
        errors,
        {
            "runs": runs_table,
            "preview": preview,
            "preview_counts": sections.run_counts(preview.counts) if preview else [],
            "preview_url": page_url("dunning", scope, preview="1"),
            "admin_preview_url": reverse("admin:dunning_dunningrun_preview"),
            "effect": effect,
            "runs_url": reverse("admin:dunning_dunningrun_changelist"),
        },
        tables=[t for t in (runs_table, effect) if t],
    )
