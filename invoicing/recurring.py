"""Recurring invoices: each due period of a template becomes one invoice, exactly once.

The template row is locked (a concurrent run waits, then finds the period's run row and
moves on) and the run row, unique per template and period, is inserted before the invoice
is made in the same transaction — the constraint is the backstop. (SKIP LOCKED would lose
periods: a run skipping a template locked for another period would never come back to it.)
Missed periods (the job did not run for a while) are caught up, each once. Invoices are
dated on the day they are created, so numbers keep following dates.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks.services import task_open_for_cause

from .models import RecurringInvoiceRun, RecurringInvoiceTemplate
from .services import invoice_draft_create, invoice_issue
from .services.draft_cleaning import clean_lines

STEP_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def _add_months(day: date, months: int, day_of_month: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def periods_due(template: RecurringInvoiceTemplate, *, today: date) -> list[tuple[date, date]]:
    """(start, end) of every period that has begun by ``today`` within the template's range."""
    step = STEP_MONTHS[template.frequency]
    periods = []
    start = _add_months(template.start_date, 0, template.day_of_month)
    if start < template.start_date:
        start = _add_months(template.start_date, step, template.day_of_month)
    while start <= today and (template.end_date is None or start <= template.end_date):
        following = _add_months(start, step, template.day_of_month)
        periods.append((start, following - timedelta(days=1)))
        start = following
    return periods


def recurring_template_create(*, data: dict, lines: list[dict], as_of: datetime, by=None) -> RecurringInvoiceTemplate:
    """Create a template; its lines are validated as invoice lines would be."""
    clean_lines(lines, on=timezone.localdate(as_of))  # raises field errors "lines.N.field"
    template = RecurringInvoiceTemplate(**data, lines=lines, created_at=as_of)
    template.full_clean(exclude=["lines", "created_at"])
    template.save()
    return template


def recurring_invoices_run(*, as_of: datetime) -> dict[str, int]:
    """Beat: create (and issue, where the template says so) every due period's invoice once."""
    today = timezone.localdate(as_of)
    created = issued = skipped = 0
    for template_id in RecurringInvoiceTemplate.objects.filter(active=True).values_list("pk", flat=True):
        for start, end in periods_due(RecurringInvoiceTemplate.objects.get(pk=template_id), today=today):
            outcome = _run_period(template_id=template_id, start=start, end=end, as_of=as_of)
            created += outcome in ("created", "issued")
            issued += outcome == "issued"
            skipped += outcome == "exists"
    return {"created": created, "issued": issued, "skipped": skipped}


def _run_period(*, template_id: int, start: date, end: date, as_of: datetime) -> str:
    with transaction.atomic():
        template = (
            RecurringInvoiceTemplate.objects.select_for_update(of=("self",))
            .select_related("customer", "payment_terms")
            .filter(pk=template_id)
            .first()
        )
        if template is None:
            return "exists"  # deleted meanwhile
        if RecurringInvoiceRun.objects.filter(template=template, period_start=start).exists():
            return "exists"
        try:
            with transaction.atomic():
                run = RecurringInvoiceRun.objects.create(
                    template=template, period_start=start, period_end=end, created_at=as_of
                )
        except IntegrityError:
            return "exists"
        data = {
            "service_period_start": start,
            "service_period_end": end,
            "note": template.note,
            "buyer_reference": template.buyer_reference,
        }
        if template.payment_terms_id:
            data["payment_terms"] = template.payment_terms
        invoice = invoice_draft_create(customer=template.customer, as_of=as_of, data=data, lines=template.lines)
        run.invoice = invoice
        outcome = "created"
        if template.auto_issue:
            try:
                with transaction.atomic():
                    invoice_issue(invoice=invoice, as_of=as_of)
                outcome = "issued"
            except ValidationError as exc:
                # The draft stays; a person decides (e.g. the customer needs review).
                run.problem = "; ".join(exc.messages)
                task_open_for_cause(
                    kind="recurring_invoice_not_issued",
                    about=invoice,
                    customer=template.customer,
                    title=f"Recurring invoice '{template.name}' ({start:%m/%Y}) could not be issued",
                    description=run.problem,
                    rule="invoicing.recurring",
                    as_of=as_of,
                )
        run.save(update_fields=["invoice", "problem"])
    return outcome
