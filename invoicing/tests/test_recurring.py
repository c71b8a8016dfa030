"""Recurring invoices: each period once, also when the job runs twice or concurrently or late."""

import calendar
import itertools
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from core.models import CompanyProfile
from customers.tests.factories import make_customer
from invoicing.demo import DEMO_SELLER
from invoicing.models import Invoice, RecurringInvoiceRun, RecurringInvoiceTemplate
from invoicing.recurring import (
    next_periods,
    periods,
    periods_due,
    recurring_invoices_run,
    recurring_template_create,
    recurring_template_end,
    recurring_template_pause,
    recurring_template_update,
)
from invoicing.tests.factories import seed_rates_and_terms
from tasks.models import FollowUpTask

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
LINES = [{"description": "Wartungsvertrag", "quantity": "1", "unit_code": "MON", "unit_price": "249.00",
          "vat_category": "S", "vat_rate": "19"}]  # fmt: skip


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=BERLIN)


@pytest.fixture
def seller():
    return CompanyProfile.objects.create(pk=1, **DEMO_SELLER)


def template(customer, **overrides) -> RecurringInvoiceTemplate:
    data = {"customer": customer, "name": "Wartung", "frequency": "monthly", "day_of_month": 1,
            "start_date": date(2026, 1, 1), "auto_issue": True} | overrides  # fmt: skip
    return recurring_template_create(data=data, lines=LINES, as_of=at(date(2026, 1, 1)))


@pytest.mark.parametrize(
    ("frequency", "day", "start", "today", "expected"),
    [
        ("monthly", 1, date(2026, 1, 1), date(2026, 3, 15), [(date(2026, 1, 1), date(2026, 1, 31)),
                                                               (date(2026, 2, 1), date(2026, 2, 28)),
                                                               (date(2026, 3, 1), date(2026, 3, 31))]),
        ("monthly", 31, date(2026, 1, 31), date(2026, 3, 31), [(date(2026, 1, 31), date(2026, 2, 27)),
                                                                 (date(2026, 2, 28), date(2026, 3, 30)),
                                                                 (date(2026, 3, 31), date(2026, 4, 29))]),
        ("quarterly", 15, date(2026, 1, 10), date(2026, 12, 31), [(date(2026, 1, 15), date(2026, 4, 14)),
                                                                    (date(2026, 4, 15), date(2026, 7, 14)),
                                                                    (date(2026, 7, 15), date(2026, 10, 14)),
                                                                    (date(2026, 10, 15), date(2027, 1, 14))]),
        ("yearly", 29, date(2027, 2, 1), date(2029, 3, 1), [(date(2027, 2, 28), date(2028, 2, 28)),
                                                              (date(2028, 2, 29), date(2029, 2, 27)),
                                                              (date(2029, 2, 28), date(2030, 2, 27))]),
    ],
)  # fmt: skip
def test_periods_follow_the_schedule_with_month_ends_and_leap_years(frequency, day, start, today, expected):
    t = RecurringInvoiceTemplate(frequency=frequency, day_of_month=day, start_date=start)
    assert periods_due(t, today=today) == expected


def test_each_due_period_becomes_one_issued_invoice_and_a_rerun_makes_none(seller):
    customer = make_customer()
    customer.verification_status = "verified"
    customer.save(update_fields=["verification_status"])
    template(customer)
    assert recurring_invoices_run(as_of=at(date(2026, 3, 2))) == {"created": 3, "issued": 3, "skipped": 0}
    assert recurring_invoices_run(as_of=at(date(2026, 3, 2))) == {"created": 0, "issued": 0, "skipped": 3}
    invoices = Invoice.objects.order_by("number")
    assert [i.service_period_start for i in invoices] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert {(i.status, i.amount_due) for i in invoices} == {("issued", Decimal("296.31"))}  # 249.00 + 19 %


def test_a_period_that_cannot_be_issued_stays_a_draft_with_a_task(seller):
    customer = make_customer(billing_country="AT", billing_postal_code="1010", billing_city="Wien", tax_number="")
    customer.verification_status = "needs_review"
    customer.save(update_fields=["verification_status"])
    template(customer, start_date=date(2026, 3, 1))
    assert recurring_invoices_run(as_of=at(date(2026, 3, 2)))["created"] == 1
    run = RecurringInvoiceRun.objects.get()
    assert run.invoice.status == "draft" and "needs review" in run.problem
    assert FollowUpTask.objects.filter(kind="recurring_invoice_not_issued", customer=customer).exists()


def test_a_template_ends_and_inactive_templates_make_nothing(seller):
    customer = make_customer()
    template(customer, end_date=date(2026, 2, 15), auto_issue=False)
    recurring_template_pause(template=template(customer, name="Paused"), as_of=at(date(2026, 1, 1)))
    recurring_template_end(template=template(customer, name="Ended"), as_of=at(date(2026, 1, 1)))
    assert recurring_invoices_run(as_of=at(date(2026, 6, 1)))["created"] == 2  # Jan and Feb of the first
    assert Invoice.objects.filter(status="draft").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_make_each_period_exactly_once():
    seed_rates_and_terms()  # an earlier transactional test may have emptied the tables the migrations seeded
    CompanyProfile.objects.create(pk=1, **DEMO_SELLER)
    customer = make_customer()
    template(customer, auto_issue=False)
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait(5)
            results.append(recurring_invoices_run(as_of=at(date(2026, 6, 1))))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r["created"] for r in results) == 6
    assert RecurringInvoiceRun.objects.count() == Invoice.objects.count() == 6


@given(
    frequency=st.sampled_from(["monthly", "quarterly", "yearly"]),
    day=st.integers(min_value=1, max_value=31),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    made=st.integers(min_value=0, max_value=5),
    count=st.integers(min_value=1, max_value=24),
)
def test_the_preview_periods_continue_the_made_ones_without_gap_or_overlap(frequency, day, start, made, count):
    t = RecurringInvoiceTemplate(frequency=frequency, day_of_month=day, start_date=start)
    schedule = list(itertools.islice(periods(t), made + count))
    last_made = schedule[made - 1][0] if made else None

    upcoming = next_periods(t, after=last_made, count=count)

    assert upcoming == schedule[made:]
    for (_, end), (following, _) in itertools.pairwise(schedule):
        assert end + timedelta(days=1) == following  # contiguous: every day billed once
    assert all(s >= start and s.day == min(day, calendar.monthrange(s.year, s.month)[1]) for s, _ in schedule)


@pytest.mark.parametrize(
    "change", [{"day_of_month": 15}, {"frequency": "quarterly"}, {"start_date": date(2025, 10, 1)}]
)
def test_a_schedule_that_made_invoices_cannot_move_so_no_period_is_billed_twice(seller, change):
    """Moving the schedule of a template with invoices made new periods (15 Jan, 15 Feb, …) the job had
    never run, so it billed the months already billed a second time (or months before the contract)."""
    made = template(make_customer(), auto_issue=False)
    assert recurring_invoices_run(as_of=at(date(2026, 3, 2)))["created"] == 3

    with pytest.raises(ValidationError) as refused:
        recurring_template_update(template=made, data=change, lines=None, as_of=at(date(2026, 3, 3)))
    assert set(refused.value.message_dict) == set(change)
    # nor does a schedule moved behind the service's back (an old row, a shell) bill a period twice
    RecurringInvoiceTemplate.objects.filter(pk=made.pk).update(**change)
    recurring_invoices_run(as_of=at(date(2026, 3, 20)))
    starts = sorted(Invoice.objects.values_list("service_period_start", flat=True))
    ends = sorted(Invoice.objects.values_list("service_period_end", flat=True))
    assert all(following > end for end, following in zip(ends, starts[1:], strict=False)), starts
    assert starts[0] == date(2026, 1, 1)  # nothing before the first invoice made


def test_a_schedule_without_invoices_made_may_still_move(seller):
    made = template(make_customer(), start_date=date(2026, 6, 1))
    changed = recurring_template_update(
        template=made, data={"day_of_month": 15}, lines=None, as_of=at(date(2026, 3, 3))
    )
    assert changed.day_of_month == 15
