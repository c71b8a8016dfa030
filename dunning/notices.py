"""Dunning's scheduled notices: the daily overdue transition, the due-date heads-up and the account
statements (monthly on schedule, and on demand).

Every job takes ``as_of`` (a moment; its local day in ``settings.TIME_ZONE`` is the day it works
for), works in batches of its own transactions, and happens once however often it runs, also twice
at the same time: each writes a mark whose unique constraint is the gate (``OverdueMark`` per
invoice and due date, ``DueDateNotice`` per invoice and due date, ``StatementDispatch`` per
customer and period end), inserted with ``ON CONFLICT DO NOTHING ... RETURNING`` in the same
transaction as the event or message it stands for. A second run inserts nothing and so writes
nothing; a concurrent one waits on the unique index until the first commits, then finds the marks.

Heads-ups and statements go through the outbox to the customer's contacts who *receive reminders*
(purpose ``account_notices``): they are about paying the account, addressed to whoever pays, and
an invoice address is often an e-invoice inbox that would try to book a statement PDF as an
invoice. A customer with no such contact gets them at the contacts who receive invoices.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from communications.registry import Purpose, purpose_register
from communications.services.wording import company_footer, format_day, format_money, template_label_register
from core.event_sentences import EventSentence, register_event_sentences
from core.events import event_build, events_bulk_record
from core.languages import document_language
from core.models import CompanyProfile
from customers.models import Customer
from invoicing.models import Invoice
from invoicing.payment_means import is_direct_debit
from invoicing.querysets import open_condition, overdue_condition

from .models import DueDateNotice, DunningProfile, OverdueMark, StatementDispatch
from .selectors import paused_customers, paused_invoices

PURPOSE = "account_notices"
HEADS_UP_TEMPLATE = template_label_register("due_date_heads_up", pgettext_lazy("message template", "Due-date heads-up"))
STATEMENT_TEMPLATE = template_label_register(
    "account_statement", pgettext_lazy("message template", "Account statement")
)
purpose_register(
    Purpose(name=PURPOSE, contact_flag="receives_reminders", templates=(HEADS_UP_TEMPLATE, STATEMENT_TEMPLATE))
)
register_event_sentences(
    {
        "invoice.overdue": EventSentence(
            gettext_noop("Invoice overdue"),
            (gettext_noop("Invoice %(number)s overdue: due %(due_date)s, %(open_amount)s open"),),
        )
    }
)

# Why an invoice gets no heads-up (counted in the job's result, printed by ``run_job``).
SKIP_DISPUTED = "disputed"  # the customer contests it: asking for payment would be wrong
SKIP_COLLECTION = "collection_pending"  # a direct debit is on its way: paying again pays twice
SKIP_DIRECT_DEBIT = "direct_debit"  # collected by mandate on the pre-notified date
SKIP_PAUSED = "paused"  # dunning paused for the invoice or the customer, with a reason
SKIP_BLOCKED = "dunning_blocked"  # the customer's dunning block
SKIP_NO_RECIPIENT = "no_recipient"  # no contact with an address we may write to
SKIP_SENT_TODAY = "sent_today"  # the customer had a heads-up today: the rest follows tomorrow


def _day(as_of: datetime | date) -> date:
    return timezone.localdate(as_of) if isinstance(as_of, datetime) else as_of


def _moment(as_of: datetime | date) -> datetime:
    if isinstance(as_of, datetime):
        return as_of
    return timezone.make_aware(datetime.combine(as_of, time(0, 0)))


def _insert_once(model, columns: tuple[str, ...], rows: list[tuple], returning: tuple[str, ...]) -> set:
    """Insert ``rows`` into ``model``'s table, skipping those its unique constraint already holds;
    the values of the ``returning`` column of the rows this call inserted (a concurrent inserter of
    the same key waits for the other transaction and then inserts nothing)."""
    if not rows:
        return set()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    back = ", ".join(connection.ops.quote_name(c) for c in returning)
    # Identifiers from the model, quoted; every value a parameter.
    sql = f"INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT DO NOTHING RETURNING {back}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        found = cursor.fetchall()
    return {row[0] if len(row) == 1 else tuple(row) for row in found}


def _recipients(customer) -> list[dict]:
    from communications.services.outbox import message_recipients

    return message_recipients(customer=customer, purpose=PURPOSE) or message_recipients(
        customer=customer, purpose="invoices"
    )


def _tidy(body_text: str) -> str:
    """As ``communications.services.wording.mail_render`` leaves a text body: no trailing spaces
    (except the signature separator "-- "), at most one blank line in a row."""
    lines = [line if line == "-- " else line.rstrip() for line in body_text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _footer() -> dict:
    return company_footer(CompanyProfile.objects.filter(pk=1).first())


# --- 1. The daily overdue transition --------------------------------------------------------------


def overdue_transition_run(*, as_of: datetime | date, batch_size: int = 500) -> int:
    """Record ``invoice.overdue`` once per invoice and due date for every issued invoice with an
    amount open whose due date lies before ``as_of``'s day. A due date moved later that passes
    again is a new (invoice, due date) and is recorded again. The event carries ids and business
    values only (invoice id, number, due date, open amount, currency): it feeds the customer's
    timeline and the webhooks. Returns how many were recorded."""
    today, at = _day(as_of), _moment(as_of)
    recorded, after = 0, 0
    marked = OverdueMark.objects.filter(invoice=OuterRef("pk"), due_date=OuterRef("due_date"))
    while True:
        with transaction.atomic():
            batch = list(
                Invoice.objects.filter(overdue_condition(as_of=today), pk__gt=after)
                .exclude(Exists(marked))
                .order_by("pk")
                .values("pk", "number", "due_date", "open_amount", "currency", "customer_id")[:batch_size]
            )
            if not batch:
                return recorded
            ours = _insert_once(
                OverdueMark,
                ("invoice_id", "due_date", "created_at"),
                [(row["pk"], row["due_date"], at) for row in batch],
                returning=("invoice_id",),
            )
            events_bulk_record(
                [
                    event_build(
                        type="invoice.overdue",
                        obj=Invoice(pk=row["pk"]),
                        customer_id=row["customer_id"],
                        data={
                            "invoice_id": row["pk"],
                            "number": row["number"],
                            "due_date": row["due_date"],
                            "open_amount": row["open_amount"],
                            "currency": row["currency"],
                        },
                        at=at,
                    )
                    for row in batch
                    if row["pk"] in ours
                ]
            )
            recorded += len(ours)
        after = batch[-1]["pk"]


# --- 2. The due-date heads-up ---------------------------------------------------------------------


def _heads_up_candidates(profiles: list[DunningProfile], *, today: date) -> dict[int, list[Invoice]]:
    """Per customer, the open invoices whose heads-up day (due date minus the customer's days) has
    come and that have had none for this due date. An invoice issued after its heads-up day (terms
    shorter than the days asked for) gets none: the customer has just received it. A day the job did
    not run is caught up, up to the due date itself."""
    days = {p.customer_id: p.due_date_notice_days for p in profiles}
    noticed = DueDateNotice.objects.filter(invoice=OuterRef("pk"), due_date=OuterRef("due_date"))
    invoices = (
        Invoice.objects.filter(open_condition(), customer_id__in=list(days))
        .filter(due_date__gte=today, due_date__lte=today + timedelta(days=max(days.values())))
        .exclude(Exists(noticed))
        .order_by("customer_id", "due_date", "pk")
        .only("pk", "number", "customer_id", "due_date", "invoice_date", "open_amount", "currency", "payment_means")
    )
    chosen: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        heads_up_day = invoice.due_date - timedelta(days=days[invoice.customer_id])
        if heads_up_day <= today and invoice.invoice_date <= heads_up_day:
            chosen[invoice.customer_id].append(invoice)
    return chosen


def _heads_up_today(customer_ids: list[int], *, today: date) -> set[int]:
    """Customers who had a heads-up on ``today`` (one query, none without candidates): at most one
    e-mail per customer and day, also when the job runs again later that day."""
    if not customer_ids:
        return set()
    start = timezone.make_aware(datetime.combine(today, time(0, 0)))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(0, 0)))
    return set(
        DueDateNotice.objects.filter(
            invoice__customer_id__in=customer_ids, created_at__gte=start, created_at__lt=end
        ).values_list("invoice__customer_id", flat=True)
    )


def _heads_up_render(*, customer, invoices: list[Invoice], recipients: list[dict], days: int) -> tuple[str, str, str]:
    language = document_language(customer.language)
    rows = [
        {
            "number": invoice.number,
            "due_date": format_day(invoice.due_date, language),
            "amount": format_money(invoice.open_amount, invoice.currency, language),
        }
        for invoice in invoices
    ]
    context = {
        "language": language,
        "company_footer": _footer(),
        "contact_name": recipients[0]["name"] if len(recipients) == 1 else "",
        "customer_name": customer.legal_name,
        "customer_number": customer.number,
        "invoices": rows,
        "count": len(rows),
        "first_number": rows[0]["number"],
        "days": days,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{HEADS_UP_TEMPLATE}/subject.txt", context).split())
        context["subject_line"] = subject
        body_text = _tidy(render_to_string(f"mail/{HEADS_UP_TEMPLATE}/body.txt", context))
        body_html = render_to_string(f"mail/{HEADS_UP_TEMPLATE}/body.html", context)
    return subject, body_text, body_html


def due_date_heads_up_send(*, as_of: datetime | date, batch_size: int = 200) -> dict:
    """The daily heads-up: for each customer who asked for one (``DunningProfile
    .due_date_notice_days``), one outbox e-mail listing the invoices whose heads-up day has come,
    with a ``DueDateNotice`` per invoice in the same transaction (once per invoice and due date).

    At most one e-mail per customer and day: invoices that come due for a heads-up after the day's
    e-mail (a second run that day) follow the next day, if that is not after their due date.

    No heads-up for an invoice already paid (open amount 0), disputed, in a direct-debit collection
    pending or collected by mandate (the pre-notification said when), or paused; none for a
    customer with a dunning block or a pause. A skipped invoice gets no mark: once the reason is
    gone it is considered again up to its due date. Returns ``{"messages", "invoices", "skipped":
    {reason: count}}``."""
    from casework.selectors import invoices_disputed
    from communications.services.outbox import message_queue
    from sepa.selectors import invoices_collection_pending

    today, at = _day(as_of), _moment(as_of)
    result = {"messages": 0, "invoices": 0, "skipped": Counter()}
    after = 0
    while True:
        with transaction.atomic():
            profiles = list(
                DunningProfile.objects.filter(due_date_notice_days__isnull=False, customer_id__gt=after)
                .select_related("customer")
                .order_by("customer_id")[:batch_size]
            )
            if not profiles:
                break
            candidates = _heads_up_candidates(profiles, today=today)
            ids = [invoice.pk for invoices in candidates.values() for invoice in invoices]
            disputed = invoices_disputed(ids)
            collecting = invoices_collection_pending(ids)
            paused = set(paused_invoices(ids, as_of=today))
            paused_accounts = set(paused_customers(list(candidates), as_of=today))
            sent_today = _heads_up_today(list(candidates), today=today)
            for profile in profiles:
                customer = profile.customer
                invoices = []
                for invoice in candidates.get(customer.pk, ()):
                    reason = (
                        SKIP_SENT_TODAY
                        if customer.pk in sent_today
                        else SKIP_BLOCKED
                        if customer.dunning_blocked
                        else SKIP_PAUSED
                        if invoice.pk in paused or customer.pk in paused_accounts
                        else SKIP_DISPUTED
                        if invoice.pk in disputed
                        else SKIP_COLLECTION
                        if invoice.pk in collecting
                        else SKIP_DIRECT_DEBIT
                        if is_direct_debit(invoice.payment_means)
                        else ""
                    )
                    if reason:
                        result["skipped"][reason] += 1
                    else:
                        invoices.append(invoice)
                if not invoices:
                    continue
                recipients = _recipients(customer)
                if not recipients:
                    result["skipped"][SKIP_NO_RECIPIENT] += len(invoices)
                    continue
                with transaction.atomic():
                    notices = _insert_once(
                        DueDateNotice,
                        ("invoice_id", "due_date", "created_at"),
                        [(invoice.pk, invoice.due_date, at) for invoice in invoices],
                        returning=("id", "invoice_id"),
                    )
                    ours = {invoice_id for _notice, invoice_id in notices}
                    invoices = [invoice for invoice in invoices if invoice.pk in ours]
                    if not invoices:
                        continue  # a concurrent run wrote them
                    subject, body_text, body_html = _heads_up_render(
                        customer=customer, invoices=invoices, recipients=recipients, days=profile.due_date_notice_days
                    )
                    message = message_queue(
                        customer=customer,
                        template=HEADS_UP_TEMPLATE,
                        language=document_language(customer.language),
                        subject=subject,
                        body_text=body_text,
                        body_html=body_html,
                        to=recipients,
                        cause=_("Due-date heads-up"),
                        as_of=at,
                        subjects=invoices,
                    )
                    DueDateNotice.objects.filter(pk__in=[notice for notice, _invoice in notices]).update(
                        message=message
                    )
                result["messages"] += 1
                result["invoices"] += len(invoices)
        after = profiles[-1].customer_id
    result["skipped"] = dict(result["skipped"])
    return result


# --- 3. Account statements ------------------------------------------------------------------------


def previous_month(day: date) -> tuple[date, date]:
    """The first and last day of the month before ``day``'s."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _statement_message(
    *,
    customer,
    period_start: date,
    period_end: date,
    as_of: datetime,
    language: str | None,
    by,
    cause: str,
    recipients=None,
):
    from communications.services.outbox import AttachmentSpec, message_queue
    from payments.statement import account_statement_pdf, statement_filename

    language = document_language(language or customer.language)
    recipients = _recipients(customer) if recipients is None else recipients
    pdf = account_statement_pdf(
        customer=customer, period_start=period_start, period_end=period_end, as_of=as_of, language=language
    )
    context = {
        "language": language,
        "company_footer": _footer(),
        "contact_name": recipients[0]["name"] if len(recipients) == 1 else "",
        "customer_name": customer.legal_name,
        "customer_number": customer.number,
        "period_start": format_day(period_start, language),
        "period_end": format_day(period_end, language),
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{STATEMENT_TEMPLATE}/subject.txt", context).split())
        context["subject_line"] = subject
        body_text = _tidy(render_to_string(f"mail/{STATEMENT_TEMPLATE}/body.txt", context))
        body_html = render_to_string(f"mail/{STATEMENT_TEMPLATE}/body.html", context)
    return message_queue(
        customer=customer,
        template=STATEMENT_TEMPLATE,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        to=recipients,
        cause=cause,
        as_of=as_of,
        by=by,
        subjects=[customer],
        attachments=[
            AttachmentSpec(filename=statement_filename(customer, period_end), content_type="application/pdf", data=pdf)
        ],
    )


def customers_with_open_items():
    """Customers who owe something: an open invoice, or an open fee or interest item."""
    from payments.models import OpenItem

    return Customer.objects.filter(
        Exists(Invoice.objects.filter(open_condition(), customer=OuterRef("pk")))
        | Exists(OpenItem.objects.filter(customer=OuterRef("pk"), open_amount__gt=0))
    )


def statements_monthly_send(*, as_of: datetime | date, batch_size: int = 50) -> dict:
    """On the 1st: the account statement of the previous month (open items on ``as_of``'s day with
    aging, payments and credit notes of the month) as a PDF through the outbox to every customer
    with open items, once per customer and period end (``StatementDispatch``, same transaction).
    A customer we may not write to (no contact with an address, a data-protection restriction) is
    skipped and gets no mark: a rerun after the contact is fixed sends it. Returns ``{"messages",
    "skipped": {reason: count}, "period_end"}``."""
    at = _moment(as_of)
    period_start, period_end = previous_month(_day(as_of))
    result = {"messages": 0, "skipped": Counter(), "period_end": period_end.isoformat()}
    sent = StatementDispatch.objects.filter(customer=OuterRef("pk"), period_end=period_end)
    after = 0
    while True:
        with transaction.atomic():
            customers = list(
                customers_with_open_items().filter(pk__gt=after).exclude(Exists(sent)).order_by("pk")[:batch_size]
            )
            if not customers:
                break
            for customer in customers:
                recipients = _recipients(customer)
                if not recipients:
                    result["skipped"][SKIP_NO_RECIPIENT] += 1
                    continue
                with transaction.atomic():
                    if not _insert_once(
                        StatementDispatch,
                        ("customer_id", "period_end", "created_at"),
                        [(customer.pk, period_end, at)],
                        returning=("customer_id",),
                    ):
                        continue  # a concurrent run sent it
                    message = _statement_message(
                        customer=customer,
                        period_start=period_start,
                        period_end=period_end,
                        as_of=at,
                        language=None,
                        by=None,
                        cause=_("Monthly account statement"),
                        recipients=recipients,
                    )
                    StatementDispatch.objects.filter(customer=customer, period_end=period_end).update(message=message)
                result["messages"] += 1
        after = customers[-1].pk
    result["skipped"] = dict(result["skipped"])
    return result


def account_statement_send(
    *,
    customer,
    as_of: datetime,
    by=None,
    period_start: date | None = None,
    period_end: date | None = None,
    language: str | None = None,
):
    """The account statement sent now, on demand (the admin's action, the API): the period from
    ``period_start`` (default: the 1st of ``period_end``'s month) to ``period_end`` (default:
    today). Not a monthly dispatch: it does not stop the next monthly statement. Refused with a
    ``ValidationError`` naming the field: a period that ends before it starts or in the future, or
    no recipient (``to``). Returns the queued outbox message."""
    today = _day(as_of)
    period_end = period_end or today
    period_start = period_start or period_end.replace(day=1)
    errors = {}
    if period_end > today:
        errors["period_end"] = [_("The period cannot end after today.")]
    if period_start > period_end:
        errors["period_start"] = [_("The period starts after it ends.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _statement_message(
            customer=customer,
            period_start=period_start,
            period_end=period_end,
            as_of=as_of,
            language=language,
            by=by,
            cause=_("Account statement on request"),
        )


__all__ = [
    "account_statement_send",
    "customers_with_open_items",
    "due_date_heads_up_send",
    "overdue_transition_run",
    "previous_month",
    "statements_monthly_send",
]
