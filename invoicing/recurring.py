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
import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.followups import followup_kind_register, followup_open
from core.locks import lock_rows

from .models import RecurringInvoiceRun, RecurringInvoiceTemplate, RecurringInvoiceTemplateEvent
from .services import invoice_draft_create, invoice_issue
from .services.draft_cleaning import clean_lines
from .services.drafts import DocumentStateConflict
from .totals import LineInput, TotalsError, compute_totals

Status = RecurringInvoiceTemplate.Status
EventKind = RecurringInvoiceTemplateEvent.Kind

# STYLE 6: the one table of a template's status moves, with the event each one writes.
# "ended" is final: the contract is over; a new one is a new template.
TEMPLATE_TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.ACTIVE, Status.PAUSED): EventKind.PAUSED,
    (Status.PAUSED, Status.ACTIVE): EventKind.RESUMED,
    (Status.ACTIVE, Status.ENDED): EventKind.ENDED,
    (Status.PAUSED, Status.ENDED): EventKind.ENDED,
}
# Fields a create or an update may set (the lines travel separately).
TEMPLATE_FIELDS = (
    "customer",
    "name",
    "frequency",
    "day_of_month",
    "start_date",
    "end_date",
    "auto_issue",
    "payment_terms",
    "note",
    "buyer_reference",
)
# Once invoices were made, these fields define the periods billed: moving them would start periods the
# job never ran (billing months twice, or before the contract), so they stay as they are.
SCHEDULE_FIELDS = ("frequency", "day_of_month", "start_date")
PREVIEW_MAX = 24

STEP_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

NOT_ISSUED_TASK_KIND = followup_kind_register(
    "recurring_invoice_not_issued", gettext_lazy("recurring invoice not issued")
)


def _add_months(day: date, months: int, day_of_month: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def periods(template: RecurringInvoiceTemplate) -> Iterator[tuple[date, date]]:
    """(start, end) of every period of the template's schedule, in order, up to its end date."""
    step = STEP_MONTHS[template.frequency]
    start = _add_months(template.start_date, 0, template.day_of_month)
    if start < template.start_date:
        start = _add_months(template.start_date, step, template.day_of_month)
    while template.end_date is None or start <= template.end_date:
        following = _add_months(start, step, template.day_of_month)
        yield start, following - timedelta(days=1)
        start = following


def periods_due(template: RecurringInvoiceTemplate, *, today: date) -> list[tuple[date, date]]:
    """(start, end) of every period that has begun by ``today`` within the template's range."""
    due = []
    for start, end in periods(template):
        if start > today:
            break
        due.append((start, end))
    return due


def next_periods(template: RecurringInvoiceTemplate, *, after: date | None, count: int) -> list[tuple[date, date]]:
    """The next ``count`` periods that have no invoice yet: those starting after the last run."""
    upcoming = []
    for start, end in periods(template):
        if len(upcoming) >= count:
            break
        if after is None or start > after:
            upcoming.append((start, end))
    return upcoming


def _actor(by) -> tuple[object | None, str]:
    """(user, label): an API key or a job is recorded by name, a person as the user."""
    if by is None:
        return None, ""
    if getattr(by, "pk", None):
        return by, ""
    return None, str(by)[:100]


def _event(template, kind: str, *, as_of: datetime, by, from_state="", to_state="", reason="", data=None):
    user, actor = _actor(by)
    return RecurringInvoiceTemplateEvent.objects.create(
        template=template,
        kind=kind,
        at=as_of,
        by=user,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )


def _check_fields(template: RecurringInvoiceTemplate) -> None:
    errors: dict[str, list[str]] = {}
    if template.frequency not in STEP_MONTHS:
        errors["frequency"] = [_("Choose monthly, quarterly or yearly.")]
    if not isinstance(template.day_of_month, int) or not 1 <= template.day_of_month <= 31:
        errors["day_of_month"] = [_("A day from 1 to 31 (a later day than the month has means its last day).")]
    try:
        template.full_clean(exclude=["lines", "created_at", "updated_at", "status", *errors])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if template.end_date and template.start_date and template.end_date < template.start_date:
        errors.setdefault("end_date", []).append(_("The last period cannot start before the first."))
    if errors:
        raise ValidationError(errors)


def recurring_template_create(*, data: dict, lines: list[dict], as_of: datetime, by=None) -> RecurringInvoiceTemplate:
    """Create a template; its lines are validated as invoice lines would be (field errors
    ``lines.N.field``), the other fields as the model says. Writes a ``created`` event."""
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    clean_lines(list(lines), on=timezone.localdate(as_of))  # raises field errors "lines.N.field"
    with transaction.atomic():
        template = RecurringInvoiceTemplate(**data, lines=list(lines), created_at=as_of, updated_at=as_of)
        _check_fields(template)
        template.save()
        _event(template, EventKind.CREATED, as_of=as_of, by=by, to_state=template.status)
    return template


def _locked(template: RecurringInvoiceTemplate) -> RecurringInvoiceTemplate:
    locked = lock_rows(RecurringInvoiceTemplate, [template.pk]).get(template.pk)
    if locked is None:
        raise RecurringInvoiceTemplate.DoesNotExist(template.pk)
    return locked


def recurring_template_update(
    *, template: RecurringInvoiceTemplate, data: dict, lines: list[dict] | None, as_of: datetime, by=None
) -> RecurringInvoiceTemplate:
    """Change the fields given (and the lines, when given) of a template that has not ended.

    Invoices already made stay as they are; the next periods use the new terms. An ended
    template answers 409 (its contract is over)."""
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({field: [_("This field cannot be set.")] for field in sorted(unknown)})
    if lines is not None:
        clean_lines(list(lines), on=timezone.localdate(as_of))
    with transaction.atomic():
        template = _locked(template)
        if template.status == Status.ENDED:
            raise DocumentStateConflict(_("This recurring invoice has ended and can no longer be changed."))
        changed = {}
        for field, value in data.items():
            before = getattr(template, field)
            if before != value:
                changed[field] = [_jsonable(before), _jsonable(value)]
                setattr(template, field, value)
        if lines is not None and list(lines) != template.lines:
            changed["lines"] = [len(template.lines), len(lines)]
            template.lines = list(lines)
        if not changed:
            return template
        moved = [field for field in SCHEDULE_FIELDS if field in changed]
        if moved and template.runs.exists():
            message = _(
                "Invoices were already made on this schedule. To bill on another day or interval, "
                "end this recurring invoice and create a new one."
            )
            raise ValidationError({field: [message] for field in moved})
        _check_fields(template)
        template.updated_at = as_of
        template.save()
        _event(template, EventKind.CHANGED, as_of=as_of, by=by, data={"changed": changed})
    return template


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    return value


def _transition(template, to: str, *, as_of: datetime, by, reason: str = "") -> RecurringInvoiceTemplate:
    with transaction.atomic():
        template = _locked(template)
        kind = TEMPLATE_TRANSITIONS.get((template.status, to))
        if kind is None:
            refusals = {
                Status.PAUSED: _("Only an active recurring invoice can be paused; this one is %(status)s."),
                Status.ACTIVE: _("Only a paused recurring invoice can be resumed; this one is %(status)s."),
                Status.ENDED: _("This recurring invoice has already ended."),
            }
            raise DocumentStateConflict(refusals[to] % {"status": template.get_status_display()})
        before = template.status
        template.status = to
        template.updated_at = as_of
        template.save(update_fields=["status", "updated_at"])
        _event(template, kind, as_of=as_of, by=by, from_state=before, to_state=to, reason=reason.strip())
    return template


def recurring_template_pause(*, template, as_of: datetime, by=None, reason: str = "") -> RecurringInvoiceTemplate:
    """No invoices while paused; periods that begin meanwhile are made when it resumes."""
    return _transition(template, Status.PAUSED, as_of=as_of, by=by, reason=reason)


def recurring_template_resume(*, template, as_of: datetime, by=None, reason: str = "") -> RecurringInvoiceTemplate:
    return _transition(template, Status.ACTIVE, as_of=as_of, by=by, reason=reason)


def recurring_template_end(*, template, as_of: datetime, by=None, reason: str = "") -> RecurringInvoiceTemplate:
    """No more invoices, ever (the contract ended); the template and its invoices stay."""
    return _transition(template, Status.ENDED, as_of=as_of, by=by, reason=reason)


@dataclasses.dataclass(frozen=True)
class PreviewInvoice:
    period_start: date
    period_end: date
    invoice_date: date  # the day the job makes it: the period's start, or today for a period begun
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    problem: str  # why this invoice could not be made as it stands (e.g. a VAT rate not in force)


def last_run_start(template: RecurringInvoiceTemplate) -> date | None:
    annotated = getattr(template, "last_period_start", False)
    if annotated is not False:
        return annotated
    return template.runs.aggregate(last=Max("period_start"))["last"]


def next_run_on(template: RecurringInvoiceTemplate, *, today: date) -> date | None:
    """When the job makes the next invoice (None: paused, ended or past the end date)."""
    if template.status != Status.ACTIVE:
        return None
    upcoming = next_periods(template, after=last_run_start(template), count=1)
    return max(upcoming[0][0], today) if upcoming else None


def recurring_template_preview(*, template: RecurringInvoiceTemplate, count: int, today: date) -> list[PreviewInvoice]:
    """The next ``count`` invoices of the template (1–24) with dates and amounts, as the job
    would make them from the template as it is now; nothing is stored."""
    count = max(1, min(count, PREVIEW_MAX))
    preview = []
    for start, end in next_periods(template, after=last_run_start(template), count=count):
        invoice_date = max(start, today)
        net = vat = gross = Decimal("0.00")
        problem = ""
        try:
            rows = clean_lines(list(template.lines), on=invoice_date)
            names = {field.name for field in dataclasses.fields(LineInput)}
            totals = compute_totals(
                lines=[LineInput(**{k: v for k, v in row.items() if k in names and v is not None}) for row in rows]
            )
            net, vat, gross = totals.tax_exclusive_total, totals.tax_total, totals.tax_inclusive_total
        except (ValidationError, TotalsError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            problem = "; ".join(messages)
        preview.append(PreviewInvoice(start, end, invoice_date, net, vat, gross, "EUR", problem))
    return preview


def recurring_invoices_run(*, as_of: datetime) -> dict[str, int]:
    """Beat: create (and issue, where the template says so) every due period's invoice once."""
    today = timezone.localdate(as_of)
    created = issued = skipped = 0
    for template_id in RecurringInvoiceTemplate.objects.filter(status=Status.ACTIVE).values_list("pk", flat=True):
        for start, end in periods_due(RecurringInvoiceTemplate.objects.get(pk=template_id), today=today):
            outcome = _run_period(template_id=template_id, start=start, end=end, as_of=as_of)
            created += outcome in ("created", "issued")
            issued += outcome == "issued"
            skipped += outcome == "exists"
    return {"created": created, "issued": issued, "skipped": skipped}


def _run_period(*, template_id: int, start: date, end: date, as_of: datetime) -> str:
    with transaction.atomic():
        template = lock_rows(RecurringInvoiceTemplate, [template_id], select_related=("customer", "payment_terms")).get(
            template_id
        )
        if template is None or template.status != Status.ACTIVE:
            return "exists"  # deleted, paused or ended meanwhile
        # A period that begins before the last one made has ended was billed (or lies before the
        # invoices made): never made again, also when the schedule was moved behind the service's back.
        if RecurringInvoiceRun.objects.filter(template=template, period_end__gte=start).exists():
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
                followup_open(
                    kind=NOT_ISSUED_TASK_KIND,
                    about=invoice,
                    customer=template.customer,
                    title=_("Recurring invoice “%(name)s” (%(period)s) could not be issued")
                    % {"name": template.name, "period": f"{start:%m/%Y}"},
                    description=run.problem,
                    rule="invoicing.recurring",
                    as_of=as_of,
                )
        run.save(update_fields=["invoice", "problem"])
    return outcome
