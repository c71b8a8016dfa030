"""The finance home's numbers and the navigation's counts (selectors; nothing here writes).

Every number is a link to the change list (or, for the user's tasks, the worklist "My tasks")
filtered to exactly the rows it counts, so the filters named here exist in the domain apps'
admins (``?overdue=on``, ``?attention=``, ``?overdue=yes``, …). The reads are a fixed number of queries whatever the
data's size (pinned in analytics/tests/test_home.py):

1. one row of scalar sub-queries on the user's own row: the user's open and overdue tasks,
   bank lines to review, messages failed or stuck, e-invoices invalid, documents pending;
2. invoices overdue, count and open amount per currency;
3. payments received (completed) today and this week, count and amount per currency.

Each is served by an index (README, *Finance home*): ``tasks_status_due`` and the assignee's
foreign-key index, ``payments_bankline_match``, ``customers_outbox_status``,
``invoicing_document_state``, the partial ``invoicing_unpaid_by_due`` and
``payments_value_date``.

"Today" and "this week" (Monday to today, as in Germany) are the dates of ``as_of`` in the
active time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from communications.models import MessageStatus, OutboxMessage
from communications.services.outbox import STUCK_AFTER
from core.messages import money_text
from invoicing.models import DocumentState, Invoice, InvoiceDocumentState
from payments.models import BankStatementLine, Payment, PaymentStatus
from tasks.worklist.selectors import tasks_overdue, tasks_to_do
from tasks.worklist.views import sees_team


def _count(queryset) -> Subquery:
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar sub-query (0 for none)."""
    counted = queryset.order_by().annotate(_all=Value(1)).values("_all").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _on_user_row(user_id: int, **counts) -> dict[str, int]:
    """Several counts in one query: each a sub-query, selected on the user's own row."""
    row = get_user_model().objects.filter(pk=user_id).annotate(**counts).values(*counts).first()
    return row or dict.fromkeys(counts, 0)


def my_open_tasks(user_id: int):
    """The user's tasks to do (open or in progress; a task put aside until a day is not), as the
    worklist "My tasks" lists them (tasks.worklist.selectors)."""
    return tasks_to_do(assignee_id=user_id)


def lines_to_review():
    return BankStatementLine.objects.filter(match_status=BankStatementLine.MatchStatus.REVIEW)


def navigation_counts(request, *, as_of: datetime | None = None) -> dict[str, int]:
    """The counts beside the navigation, in one query: the user's open tasks, how many of them are
    overdue (due before ``as_of``'s day, default now) and the bank lines to review."""
    today = timezone.localdate(as_of or timezone.now())
    mine = my_open_tasks(request.user.pk)
    return _on_user_row(
        request.user.pk,
        my_tasks=_count(mine),
        my_overdue=_count(tasks_overdue(mine, today=today)),
        review=_count(lines_to_review()),
    )


@dataclass(frozen=True)
class Figure:
    """One number of the home: what it counts, how many, an amount where there is one, where to look."""

    key: str
    count: int
    url: str
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class FinanceHome:
    today: date
    week_start: date
    my_tasks_open: Figure
    my_tasks_overdue: Figure
    lines_to_review: Figure
    messages_failed: Figure
    messages_stuck: Figure
    e_invoices_invalid: Figure
    documents_pending: Figure
    overdue: list[Figure]  # per currency
    paid_today: list[Figure]  # per currency
    paid_this_week: list[Figure]  # per currency


def _url(name: str, **params) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def finance_home(*, user_id: int, as_of: datetime) -> FinanceHome:
    """What ``user_id`` has to look at on ``as_of`` (an aware datetime); three queries."""
    today = timezone.localtime(as_of).date()
    week_start = today - timedelta(days=today.weekday())
    tomorrow = today + timedelta(days=1)
    mine = my_open_tasks(user_id)
    counts = _on_user_row(
        user_id,
        tasks_open=_count(mine),
        tasks_overdue=_count(tasks_overdue(mine, today=today)),
        review=_count(lines_to_review()),
        failed=_count(OutboxMessage.objects.filter(status=MessageStatus.FAILED)),
        stuck=_count(OutboxMessage.objects.filter(status=MessageStatus.SENDING, sending_at__lte=as_of - STUCK_AFTER)),
        invalid=_count(InvoiceDocumentState.objects.filter(state=DocumentState.INVALID)),
        pending=_count(InvoiceDocumentState.objects.filter(state=DocumentState.PENDING)),
    )
    overdue = (
        Invoice.objects.overdue(as_of=today)
        .order_by()
        .values("currency")
        .annotate(n=Count("*"), amount=Sum("open_amount"))  # COUNT(*): answered from the index alone
        .order_by("currency")
    )
    received = Q(status=PaymentStatus.COMPLETED)
    payments = (
        Payment.objects.filter(received, value_date__gte=week_start, value_date__lt=tomorrow)
        .order_by()
        .values("currency")
        .annotate(
            week_n=Count("pk"),
            week_amount=Sum("amount"),
            today_n=Count("pk", filter=Q(value_date=today)),
            today_amount=Coalesce(Sum("amount", filter=Q(value_date=today)), Decimal("0")),
        )
        .order_by("currency")
    )
    tasks_url = "admin:tasks_followuptask_mine"
    messages_url = "admin:communications_outboxmessage_changelist"
    invoices_url = "admin:invoicing_invoice_changelist"
    payments_url = "admin:payments_payment_changelist"
    documents = "document_state__state__exact"
    paid = {"status__exact": PaymentStatus.COMPLETED, "value_date__lt": tomorrow.isoformat()}
    payment_rows = list(payments)

    def received(key: str, period: str, since: date) -> list[Figure]:
        """Payments received since ``since`` per currency, each linking to the payment list."""
        return [
            Figure(
                key,
                row[f"{period}_n"],
                _url(payments_url, currency__exact=row["currency"], value_date__gte=since.isoformat(), **paid),
                row[f"{period}_amount"],
                row["currency"],
            )
            for row in payment_rows
        ]

    return FinanceHome(
        today=today,
        week_start=week_start,
        my_tasks_open=Figure("my_tasks_open", counts["tasks_open"], _url(tasks_url)),
        my_tasks_overdue=Figure("my_tasks_overdue", counts["tasks_overdue"], _url(tasks_url, overdue="on")),
        lines_to_review=Figure("lines_to_review", counts["review"], _url("admin:payments_bankstatementline_review")),
        messages_failed=Figure("messages_failed", counts["failed"], _url(messages_url, attention="failed")),
        messages_stuck=Figure("messages_stuck", counts["stuck"], _url(messages_url, attention="stuck")),
        e_invoices_invalid=Figure(
            "e_invoices_invalid", counts["invalid"], _url(invoices_url, **{documents: DocumentState.INVALID})
        ),
        documents_pending=Figure(
            "documents_pending", counts["pending"], _url(invoices_url, **{documents: DocumentState.PENDING})
        ),
        overdue=[
            Figure(
                "overdue",
                row["n"],
                _url(invoices_url, overdue="yes", currency__exact=row["currency"]),
                row["amount"],
                row["currency"],
            )
            for row in overdue
        ],
        paid_today=[figure for figure in received("paid_today", "today", today) if figure.count],
        paid_this_week=received("paid_this_week", "week", week_start),
    )


def worklist_links(request) -> list[tuple[str, str]]:
    """The worklists the user may open: "My tasks", and "Team tasks" for finance managers."""
    links = [(gettext("My tasks"), reverse("admin:tasks_followuptask_mine"))]
    if sees_team(request):
        links.append((gettext("Team tasks"), reverse("admin:tasks_followuptask_team")))
    return links


def home_context(request) -> dict:
    """The index page's ``home``: the figures for the logged-in user, now, worded for the reader."""
    figures = finance_home(user_id=request.user.pk, as_of=timezone.now())
    since = date_format(figures.week_start, "SHORT_DATE_FORMAT")

    def row(label, figure: Figure) -> dict:
        amount = money_text(figure.amount, figure.currency) if figure.amount is not None else ""
        return {"label": label, "count": figure.count, "url": figure.url, "amount": amount, "key": figure.key}

    def per_currency(label, found: list[Figure], key: str, empty_url: str) -> list[dict]:
        if not found:
            return [{"label": label, "count": 0, "url": empty_url, "amount": "", "key": key}]
        return [row(label, figure) for figure in found]

    invoices = reverse("admin:invoicing_invoice_changelist")
    payments = reverse("admin:payments_payment_changelist")
    return {
        "today": date_format(figures.today, "SHORT_DATE_FORMAT"),
        "sections": [
            {
                "title": gettext("My tasks"),
                "rows": [
                    row(gettext("open"), figures.my_tasks_open),
                    row(gettext("overdue"), figures.my_tasks_overdue),
                ],
                "links": worklist_links(request),
            },
            {
                "title": gettext("Bank and messages"),
                "rows": [
                    row(gettext("bank lines to review"), figures.lines_to_review),
                    row(gettext("messages failed"), figures.messages_failed),
                    row(gettext("messages stuck (outcome unknown)"), figures.messages_stuck),
                ],
            },
            {
                "title": gettext("Documents"),
                "rows": [
                    row(gettext("e-invoices invalid"), figures.e_invoices_invalid),
                    row(gettext("PDF and e-invoice being created"), figures.documents_pending),
                ],
            },
            {
                "title": gettext("Invoices overdue"),
                "rows": per_currency(
                    gettext("overdue invoices"), figures.overdue, "overdue", f"{invoices}?overdue=yes"
                ),
            },
            {
                "title": gettext("Payments received"),
                "rows": [
                    *per_currency(gettext("today"), figures.paid_today, "paid_today", payments),
                    *per_currency(
                        gettext("this week (since %(date)s)") % {"date": since},
                        figures.paid_this_week,
                        "paid_this_week",
                        payments,
                    ),
                ],
            },
        ],
    }
