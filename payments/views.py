"""The live payment feed as an HTML fragment for the dashboard: new payments and state changes
without reload. The fragment polls itself (``?since=<last event id>``) with a few lines of
vanilla JavaScript; each poll costs a constant number of queries (payments.selectors)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET

from .api import feed_rows

POLL_SECONDS = 10


@require_GET
@staff_member_required
def payment_feed(request):
    """The feed fragment; with ``?since=`` only the rows after that event (what a poll adds)."""
    if not request.user.has_perm("payments.view_payment"):
        raise PermissionDenied
    raw = request.GET.get("since", "")
    since = None
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            return HttpResponseBadRequest("since: an event id")
        since = int(raw)
    rows = feed_rows(since=since, limit=20 if since is None else 50)
    last_id = max((row["id"] for row in rows), default=since or 0)
    template = "payments/feed_rows.html" if since is not None else "payments/feed.html"
    return TemplateResponse(request, template, {"rows": rows, "last_id": last_id, "poll_seconds": POLL_SECONDS})


app_name = "payments"
urlpatterns = [path("feed/", payment_feed, name="feed")]
