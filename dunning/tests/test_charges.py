"""Default start, fees, the flat fee and interest a reminder charges, recorded as open items;
the final interest item on payment; the seeded rates and the missing-rate warning."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.utils import translation

from core.events import event_build
from core.messages import message_text
from customers.tests.factories import make_customer
from dunning.charges import (
    DefaultStart,
    charges_plan_many,
    charges_record,
    default_starts,
    interest_finalize,
    missing_rate_warning,
    on_invoice_settlement_changed,
)
from dunning.models import (
    DunningLevel,
    DunningPolicy,
    DunningProfile,
    DunningRun,
    FlatFeeCredit,
    ForeignInterestRule,
    InterestPeriod,
    RateSeries,
    ReferenceRate,
    Reminder,
    ReminderCharge,
    ReminderRecord,
    ReminderStatus,
)
from dunning.selectors import policies_of, profiles_of
from dunning.snapshot import ReminderLine, lines_from_json, lines_to_json
from invoicing.models import Invoice
from invoicing.services.receipts import invoice_receipt_confirm
from invoicing.tests.factories import at, invoicing_setup  # noqa: F401
from payments.models import OpenItem, OpenItemKind
from payments.services import payment_allocate
from payments.tests.factories import make_invoice, make_payment, net_terms

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


@pytest.fixture(autouse=True)
def rates_seeded(db):
    """The migration's seeds, again after a committing test elsewhere emptied the tables."""
    importlib.import_module("dunning.migrations.0002_interest_rates").seed(django_apps, None)


@pytest.fixture
def policy(db):
    DunningPolicy.objects.filter(name="Standard").delete()  # the migration's default makes way
    DunningPolicy.objects.filter(is_default=True).update(is_default=False)
    created = DunningPolicy.objects.create(
        name="Standard", is_default=True, created_at=at(date(2024, 1, 1)), updated_at=at(date(2024, 1, 1))
    )
    for position, fee, interest in ((1, "0", False), (2, "5.00", True), (3, "10.00", True), (4, "30.00", True)):
        DunningLevel.objects.create(
            policy=created,
            position=position,
            name=f"Level {position}",
            days=14 * position,
            template="reminder",
            fee=D(fee),
            charges_interest=interest,
        )
    return created


def level(policy, position):
    return DunningLevel.objects.get(policy=policy, position=position)


def customer_agreed(kind="business", **kwargs):
    customer = make_customer(kind=kind, **kwargs)
    DunningProfile.objects.create(customer=customer, payment_date_agreed=True, updated_at=at(date(2024, 1, 1)))
    return customer


def invoice_due(customer, *, gross="10000.00", issued=date(2024, 5, 1)):
    """An invoice issued on ``issued`` due 30 days later (2024-05-31 by default)."""
    return make_invoice(customer=customer, gross=gross, terms=net_terms(30), as_of=at(issued))


def starts_of(invoices, as_of):
    customers = {i.customer_id for i in invoices}
    return default_starts(
        invoices=invoices, policies=policies_of(customers), profiles=profiles_of(customers), as_of=as_of
    )


def plan(invoice, lvl, as_of, warnings=None):
    invoice = Invoice.objects.get(pk=invoice.pk)
    starts = starts_of([invoice], as_of)
    return charges_plan_many(
        items=[(invoice, lvl)],
        policies=policies_of([invoice.customer_id]),
        starts=starts,
        as_of=as_of,
        warnings=warnings,
    )[invoice.pk]


def remind(invoice, lvl, as_of, *, status=ReminderStatus.SENT):
    """A reminder at ``lvl`` handed off on ``as_of`` with the charges planned for it."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    starts = starts_of([invoice], as_of)
    with translation.override("de"):
        charges = charges_plan_many(
            items=[(invoice, lvl)], policies=policies_of([invoice.customer_id]), starts=starts, as_of=as_of
        )[invoice.pk]
    run = DunningRun.objects.create(as_of=as_of, started_at=at(as_of))
    line = ReminderLine(
        invoice=invoice.pk,
        number=invoice.number,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        level=lvl.position,
        gross=invoice.amount_due,
        open=invoice.open_amount,
        currency="EUR",
        default_since=starts[invoice.pk].day if starts[invoice.pk] else None,
        charges=tuple(charges),
    )
    reminder = Reminder.objects.create(
        run=run,
        customer_id=invoice.customer_id,
        policy=lvl.policy,
        level=lvl,
        status=status,
        language="de",
        currency="EUR",
        total=D("0"),
        lines=lines_to_json([line]),
        created_at=at(as_of),
        decided_at=at(as_of),
    )
    ReminderRecord.objects.create(invoice=invoice, level=lvl, reminder=reminder, created_at=at(as_of))
    items = charges_record(reminder=reminder, line=lines_from_json(reminder.lines)[0], as_of=at(as_of))
    return reminder, line, items


def kinds_amounts(charges):
    return [(c.kind, c.amount, c.new) for c in charges]


# --- Seeds and the missing-rate warning -----------------------------------------------------------


def test_the_base_rate_history_is_seeded_from_the_bundesbank_table_with_every_half_year():
    rows = list(ReferenceRate.objects.filter(series=RateSeries.DE_BASE).order_by("valid_from"))
    assert len(rows) == 49  # 2002-01-01 … 2026-01-01, two a year
    assert (rows[0].valid_from, rows[0].rate) == (date(2002, 1, 1), D("2.570"))
    assert (rows[-1].valid_from, rows[-1].rate) == (date(2026, 1, 1), D("1.270"))
    negative = [r.rate for r in rows if date(2016, 7, 1) <= r.valid_from <= date(2022, 7, 1)]
    assert negative == [D("-0.880")] * 13
    assert {r.valid_from: r.rate for r in rows}[date(2024, 7, 1)] == D("3.370")
    assert all("Bundesbank" in r.source for r in rows)
    assert not ReferenceRate.objects.filter(valid_from__gte=date(2026, 7, 1)).exists()


def test_foreign_rules_flag_the_directive_minimum_and_know_france_and_austria():
    fr = ForeignInterestRule.objects.get(country="FR", debtor_kind="business")
    at_rule = ForeignInterestRule.objects.get(country="AT", debtor_kind="business")
    it = ForeignInterestRule.objects.get(country="IT", debtor_kind="business")
    assert (fr.series, fr.margin, fr.directive_minimum) == (RateSeries.ECB_MRO, D("10.000"), False)
    assert (at_rule.series, at_rule.margin, at_rule.compensation) == (RateSeries.AT_BASE, D("9.200"), D("40.00"))
    assert (it.series, it.margin, it.directive_minimum) == (RateSeries.ECB_MRO, D("8.000"), True)
    assert not ForeignInterestRule.objects.filter(country__in=["DE", "PL", "SE"]).exists()


def test_the_run_warns_that_the_half_year_from_2026_07_01_has_no_base_rate(django_assert_num_queries):
    with django_assert_num_queries(1):
        warning = missing_rate_warning(date(2026, 12, 7))
    with translation.override("de"):
        text = message_text(warning)
    assert "01.07.2026" in text and "Basiszinssatz" in text
    assert missing_rate_warning(date(2026, 3, 1)) is None
    ReferenceRate.objects.create(series=RateSeries.DE_BASE, valid_from=date(2026, 7, 1), rate=D("1.27"))
    assert missing_rate_warning(date(2026, 12, 7)) is None


# --- Default start (§ 286 BGB) --------------------------------------------------------------------


def test_an_agreed_payment_date_puts_the_debtor_in_default_on_the_due_date(policy):
    invoice = invoice_due(customer_agreed())
    assert invoice.due_date == date(2024, 5, 31)
    assert starts_of([invoice], date(2024, 5, 30)) == {invoice.pk: None}
    assert starts_of([invoice], date(2024, 6, 1)) == {invoice.pk: DefaultStart(date(2024, 5, 31), "agreed_date")}


def test_without_agreement_default_begins_thirty_days_after_due_date_and_receipt(policy):
    invoice = invoice_due(make_customer())
    # No receipt recorded: invoice date + 3 days (2024-05-04) is before the due date, so due + 30.
    assert starts_of([invoice], date(2024, 7, 1)) == {invoice.pk: DefaultStart(date(2024, 6, 30), "thirty_days")}
    # Received after the due date (the delivery report).
    invoice_receipt_confirm(invoice_id=invoice.pk, received_on=date(2024, 6, 10), as_of=at(date(2024, 6, 10)))
    invoice.refresh_from_db()
    assert starts_of([invoice], date(2024, 7, 1)) == {invoice.pk: None}
    assert starts_of([invoice], date(2024, 7, 10)) == {invoice.pk: DefaultStart(date(2024, 7, 10), "thirty_days")}


def test_a_reminder_received_after_the_due_date_starts_default_on_its_day(policy):
    invoice = invoice_due(make_customer())
    remind(invoice, level(policy, 1), date(2024, 6, 14))
    assert starts_of([invoice], date(2024, 6, 20)) == {invoice.pk: DefaultStart(date(2024, 6, 14), "reminder")}
    # A superseded reminder never reached anyone.
    other = invoice_due(make_customer())
    remind(other, level(policy, 1), date(2024, 6, 14), status=ReminderStatus.SUPERSEDED)
    assert starts_of([other], date(2024, 6, 20)) == {other.pk: None}


def test_consumers_default_after_thirty_days_by_the_notice_their_invoice_carried(policy):
    consumer = make_customer(kind="consumer", tax_number="")
    invoice = invoice_due(consumer, gross="119.00")
    assert invoice.buyer["kind"] == "consumer"
    # Today's customer settings do not change what the issued invoice said.
    type(consumer).objects.filter(pk=consumer.pk).update(kind="business")
    assert starts_of([invoice], date(2024, 7, 1))[invoice.pk].basis == "thirty_days"
    DunningPolicy.objects.filter(pk=policy.pk).update(default_after_30_days=False)
    assert starts_of([invoice], date(2024, 12, 1)) == {invoice.pk: None}


# --- Charges --------------------------------------------------------------------------------------


def test_the_hand_case_as_charged_by_a_reminder(policy):
    invoice = invoice_due(customer_agreed())
    with translation.override("en"):
        charges = plan(invoice, level(policy, 2), date(2024, 9, 30))
    assert kinds_amounts(charges) == [
        (OpenItemKind.FLAT_FEE, D("40.00"), True),
        (OpenItemKind.DUNNING_FEE, D("0.00"), True),
        (OpenItemKind.DEFAULT_INTEREST, D("415.52"), True),
    ]
    assert "credited against the flat fee" in charges[1].note
    assert [(p.start, p.end, p.amount) for p in charges[2].periods] == [
        (date(2024, 6, 1), date(2024, 6, 30), D("103.73")),
        (date(2024, 7, 1), date(2024, 9, 30), D("311.79")),
    ]


def test_the_reminder_that_starts_default_charges_nothing(policy):
    invoice = invoice_due(make_customer())
    assert plan(invoice, level(policy, 2), date(2024, 6, 14)) == []  # not yet in default (30 days: 06-30)
    DunningPolicy.objects.filter(pk=policy.pk).update(first_default_reminder_free=False)
    assert kinds_amounts(plan(invoice, level(policy, 2), date(2024, 6, 14))) == [
        (OpenItemKind.DUNNING_FEE, D("5.00"), True)
    ]


def test_consumers_pay_fees_and_five_points_but_no_flat_fee(policy):
    consumer = customer_agreed(kind="consumer", tax_number="")
    invoice = invoice_due(consumer, gross="1190.00")
    charges = plan(invoice, level(policy, 2), date(2024, 7, 30))
    assert kinds_amounts(charges) == [
        (OpenItemKind.DUNNING_FEE, D("5.00"), True),
        # 1190 × 8.62 % × 30/365 = 8.431 and 1190 × 8.37 % × 30/365 = 8.186
        (OpenItemKind.DEFAULT_INTEREST, D("16.62"), True),
    ]
    assert [p.rate for p in charges[1].periods] == [D("8.62"), D("8.37")]


def test_fees_are_charged_only_as_far_as_they_exceed_the_flat_fee(policy):
    invoice = invoice_due(customer_agreed())
    _r, _l, first = remind(invoice, level(policy, 2), date(2024, 7, 1))  # fee 5: credited
    _r, _l, second = remind(invoice, level(policy, 3), date(2024, 7, 15))  # fee 10: credited (15 of 40)
    _r, line, third = remind(invoice, level(policy, 4), date(2024, 8, 1))  # fee 30: 25 credited, 5 charged
    fees = [i for i in first + second + third if i.kind == OpenItemKind.DUNNING_FEE]
    assert [i.amount for i in fees] == [D("5.00")]
    assert sorted(FlatFeeCredit.objects.values_list("fee", "credited")) == [
        (D("5.00"), D("5.00")),
        (D("10.00"), D("10.00")),
        (D("30.00"), D("25.00")),
    ]
    assert OpenItem.objects.filter(invoice=invoice, kind=OpenItemKind.FLAT_FEE).count() == 1
    # The third reminder lists the earlier open charges too.
    earlier = [c for c in line.charges if not c.new]
    assert {c.kind for c in earlier} == {OpenItemKind.FLAT_FEE, OpenItemKind.DEFAULT_INTEREST}


def test_recording_creates_items_periods_and_charges_in_the_reminders_language(policy):
    invoice = invoice_due(customer_agreed())
    reminder, _line, items = remind(invoice, level(policy, 2), date(2024, 9, 30))
    interest = next(i for i in items if i.kind == OpenItemKind.DEFAULT_INTEREST)
    assert interest.amount == D("415.52")
    assert interest.description == f"Verzugszinsen {invoice.number}, 01.06.2024–30.09.2024"
    assert list(InterestPeriod.objects.filter(item=interest).values_list("start", "days", "rate", "amount")) == [
        (date(2024, 6, 1), 30, D("12.620"), D("103.73")),
        (date(2024, 7, 1), 92, D("12.370"), D("311.79")),
    ]
    assert ReminderCharge.objects.filter(reminder=reminder).count() == 2  # flat fee and interest
    # The database refuses a second item over the same days.
    with pytest.raises(IntegrityError), transaction.atomic():
        InterestPeriod.objects.create(
            item=interest, invoice=invoice, start=date(2024, 9, 30), end=date(2024, 10, 5), principal=1,
            reference_rate=0, margin=9, rate=9, days=6, amount=0,
        )  # fmt: skip


def test_two_reminders_then_the_payment_give_the_interest_of_one_calculation_to_the_cent(policy):
    invoice = invoice_due(customer_agreed())
    remind(invoice, level(policy, 2), date(2024, 6, 17))
    _r, line, _items = remind(invoice, level(policy, 3), date(2024, 8, 20))
    interest_new = next(c for c in line.charges if c.kind == OpenItemKind.DEFAULT_INTEREST and c.new)
    assert interest_new.periods[0].start == date(2024, 6, 18)  # only the days since the last item
    payment = make_payment(
        customer=invoice.customer, amount="10000.00", value_date=date(2024, 9, 30), as_of=at(date(2024, 10, 1))
    )
    payment_allocate(
        payment=payment, targets=[{"invoice": invoice, "amount": D("10000.00")}], as_of=at(date(2024, 10, 1))
    )
    interest = OpenItem.objects.filter(invoice=invoice, kind=OpenItemKind.DEFAULT_INTEREST).order_by("pk")
    assert len(interest) == 3  # two reminders and the final item on payment
    assert sum(i.amount for i in interest) == D("415.52")
    periods = list(InterestPeriod.objects.filter(invoice=invoice).order_by("start"))
    assert periods[0].start == date(2024, 6, 1) and periods[-1].end == date(2024, 9, 30)
    assert sum(p.days for p in periods) == 122
    # Paid again (or the listener run twice): nothing more.
    assert interest_finalize(invoice=invoice, value_date=date(2024, 9, 30), as_of=at(date(2024, 10, 2))) is None


def test_a_partial_payment_lowers_the_principal_from_the_day_after_its_value_date(policy):
    invoice = invoice_due(customer_agreed())
    payment = make_payment(
        customer=invoice.customer, amount="4000.00", value_date=date(2024, 6, 15), as_of=at(date(2024, 6, 16))
    )
    payment_allocate(
        payment=payment, targets=[{"invoice": invoice, "amount": D("4000.00")}], as_of=at(date(2024, 6, 16))
    )
    charges = plan(invoice, level(policy, 2), date(2024, 7, 10))
    interest = next(c for c in charges if c.kind == OpenItemKind.DEFAULT_INTEREST)
    assert [(p.principal, p.days, p.amount) for p in interest.periods] == [
        (D("10000.00"), 15, D("51.86")),
        (D("6000.00"), 15, D("31.12")),
        (D("6000.00"), 10, D("20.33")),
    ]


def test_interest_stops_before_a_half_year_without_a_rate_and_the_run_is_told(policy):
    invoice = invoice_due(customer_agreed(), issued=date(2026, 5, 1))
    warnings = []
    charges = plan(invoice, level(policy, 2), date(2026, 12, 7), warnings=warnings)
    interest = next(c for c in charges if c.kind == OpenItemKind.DEFAULT_INTEREST)
    assert interest.periods[-1].end == date(2026, 6, 30)
    assert [w["code"] for w in warnings] == ["dunning.rate_missing"]


def test_under_french_law_a_business_pays_ten_points_over_the_ecb_rate(policy):
    DunningPolicy.objects.filter(pk=policy.pk).update(interest_jurisdiction="FR")
    invoice = invoice_due(customer_agreed())
    charges = plan(invoice, level(policy, 2), date(2024, 9, 30))
    interest = next(c for c in charges if c.kind == OpenItemKind.DEFAULT_INTEREST)
    # The ECB rate in force on 1 January (4.50) and 1 July 2024 (4.25), + 10 points.
    assert [(p.reference_rate, p.rate) for p in interest.periods] == [(D("4.50"), D("14.50")), (D("4.25"), D("14.25"))]
    assert charges[0].kind == OpenItemKind.FLAT_FEE and charges[0].amount == D("40.00")
    consumer = customer_agreed(kind="consumer", tax_number="")
    assert kinds_amounts(plan(invoice_due(consumer, gross="119.00"), level(policy, 2), date(2024, 9, 30))) == [
        (OpenItemKind.DUNNING_FEE, D("5.00"), True)  # no Directive interest, no compensation
    ]


def test_planning_costs_the_same_queries_for_one_invoice_or_many(policy, django_assert_num_queries):
    one = [invoice_due(customer_agreed())]
    many = [invoice_due(customer_agreed()) for _ in range(4)]
    for invoice in many[:2]:
        remind(invoice, level(policy, 2), date(2024, 7, 1))
    payment = make_payment(customer=many[3].customer, amount="100.00", value_date=date(2024, 6, 5))
    payment_allocate(payment=payment, targets=[{"invoice": many[3], "amount": D("100.00")}], as_of=at(date(2024, 6, 6)))
    lvl = level(policy, 3)
    for invoices in (one, many):
        invoices = list(Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
        customers = {i.customer_id for i in invoices}
        policies, profiles = policies_of(customers), profiles_of(customers)
        with django_assert_num_queries(1):
            starts = default_starts(invoices=invoices, policies=policies, profiles=profiles, as_of=date(2024, 9, 30))
        with django_assert_num_queries(7):
            planned = charges_plan_many(
                items=[(i, lvl) for i in invoices], policies=policies, starts=starts, as_of=date(2024, 9, 30)
            )
        assert all(any(c.kind == OpenItemKind.DEFAULT_INTEREST for c in planned[i.pk]) for i in invoices)


def test_the_payment_listener_costs_one_query_for_invoices_without_interest(policy, django_assert_num_queries):
    invoice = invoice_due(make_customer())
    event = event_build(type="invoice.settlement_changed", obj=invoice, data={"to_state": "paid"})
    with django_assert_num_queries(1):
        on_invoice_settlement_changed([event])
    with django_assert_num_queries(0):
        on_invoice_settlement_changed(
            [event_build(type="invoice.settlement_changed", obj=invoice, data={"to_state": "partially_paid"})]
        )
