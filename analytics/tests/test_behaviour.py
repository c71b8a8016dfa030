"""Payment behaviour and collection KPIs (analytics/kpis/behaviour) on the book, computed by hand.

The book's payments to invoices (book.py), as ``(amount, days to pay, days beyond terms)``:

- A-1 1,190.00 value 25.09. for 01.09., due 01.10. → 24 days to pay, −6 beyond terms (bank transfer;
  returned 03.12.);
- A-3 233.24 value 08.10. for 01.10., due 31.10. → 7, −23 (card; the 4.76 Skonto is no payment);
- A-2 300.00 value 20.10. for 15.09., due 15.10. → 35, +5: late (direct debit);
- B-1 476.00 value 30.10. (recorded 02.11.) for 10.10., due 09.11. → 20, −10 (bank transfer).

Σ w = 2,199.24; Σ w·days to pay = 28,560 + 1,632.68 + 10,500 + 9,520 = 50,212.68;
Σ w·beyond = −7,140 − 5,364.52 + 1,500 − 4,760 = −15,764.52.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.kpis import behaviour
from analytics.scope import Scope
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, make_payment, net_terms

from .book import AS_OF, at, build_book
from .collections_book import build_collections_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

SEP_1 = date(2026, 9, 1)


def autumn(as_of: date = AS_OF, start: date = SEP_1, **filters) -> Scope:
    """September to ``as_of``: every payment of the book."""
    return Scope(as_of=as_of, start=start, end=as_of, period="custom", **filters)


def eur(value: str) -> dict:
    return {"EUR": Decimal(value)}


# -- payment behaviour -------------------------------------------------------------------------


def test_days_to_pay_and_beyond_terms_are_weighted_by_the_amount_allocated(django_assert_num_queries):
    build_book()
    with django_assert_num_queries(1):
        result = behaviour.payment_behaviour(autumn())
    assert result.days_to_pay == Decimal("22.8")  # 50,212.68 / 2,199.24 = 22.83
    assert result.days_beyond_terms == Decimal("-7.2")  # −15,764.52 / 2,199.24 = −7.17
    assert result.paid_late_share == Decimal("13.6")  # A-2's 300.00 / 2,199.24 = 13.64 %
    assert result.collected.by_currency == eur("2199.24") and result.collected.eur == Decimal("2199.24")
    assert result.allocation_count == 4


def test_the_end_of_october_has_not_seen_the_payment_recorded_on_2_november():
    build_book()
    result = behaviour.payment_behaviour(autumn(as_of=date(2026, 10, 31)))
    # Σ w = 1,723.24; 40,692.68 / 1,723.24 = 23.61; −11,004.52 / 1,723.24 = −6.39
    assert (result.days_to_pay, result.days_beyond_terms, result.paid_late_share) == (
        Decimal("23.6"),
        Decimal("-6.4"),
        Decimal("17.4"),  # 300 / 1,723.24 = 17.41 %
    )
    assert result.allocation_count == 3


def test_a_day_after_the_return_of_3_december_the_returned_payment_no_longer_counts():
    build_book()
    result = behaviour.payment_behaviour(autumn(as_of=date(2026, 12, 5)))
    # B-1: Σ w = 1,009.24; 21,652.68 / 1,009.24 = 21.45; −8,624.52 / 1,009.24 = −8.55
    assert (result.days_to_pay, result.days_beyond_terms, result.paid_late_share) == (
        Decimal("21.5"),
        Decimal("-8.5"),
        Decimal("29.7"),  # 300 / 1,009.24 = 29.73 %
    )
    assert result.collected.eur == Decimal("1009.24")


def test_filters_by_country_owner_kind_and_currency():
    book = build_book()
    austria = behaviour.payment_behaviour(autumn(country="AT"))  # B-1 only
    assert (austria.days_to_pay, austria.days_beyond_terms, austria.paid_late_share) == (
        Decimal("20.0"),
        Decimal("-10.0"),
        Decimal("0.0"),
    )
    assert behaviour.payment_behaviour(autumn(customer_kind="consumer")).collected.eur == Decimal("476.00")
    owned = behaviour.payment_behaviour(autumn(owner_id=book.owner.pk))  # Alpha, A-2 = 1,723.24
    assert (owned.days_to_pay, owned.collected.eur) == (Decimal("23.6"), Decimal("1723.24"))
    dollars = behaviour.payment_behaviour(autumn(currency="USD"))  # C-1 is unpaid
    assert (dollars.days_to_pay, dollars.paid_late_share, dollars.allocation_count) == (None, None, 0)
    assert dollars.collected.by_currency == {}


def test_per_customer_sorted_and_paged(django_assert_num_queries):
    book = build_book()
    with django_assert_num_queries(1):
        page = behaviour.payment_behaviour_by_customer(autumn())
    assert page.count == 2 and page.currency == "EUR"
    alpha, beta = page.rows  # the least negative days beyond terms first: −6.4 before −10.0
    assert (alpha.customer_id, alpha.days_to_pay, alpha.days_beyond_terms, alpha.paid_late_share) == (
        book.alpha.pk,
        Decimal("23.6"),
        Decimal("-6.4"),
        Decimal("17.4"),
    )
    assert (alpha.collected, alpha.payments, alpha.name) == (Decimal("1723.24"), 3, "Alpha GmbH")
    assert (beta.customer_id, beta.days_to_pay, beta.collected, beta.payments) == (
        book.beta.pk,
        Decimal("20.0"),
        Decimal("476.00"),
        1,
    )
    by_days = behaviour.payment_behaviour_by_customer(autumn(), order="days_to_pay", limit=1)
    assert [row.customer_id for row in by_days.rows] == [book.beta.pk] and by_days.count == 2
    second = behaviour.payment_behaviour_by_customer(autumn(), order="-collected", limit=1, offset=1)
    assert [row.customer_id for row in second.rows] == [book.beta.pk]
    with django_assert_num_queries(1):
        beyond = behaviour.payment_behaviour_by_customer(autumn(), offset=10)
    assert (beyond.rows, beyond.count) == ([], 2)
    with pytest.raises(ValueError):
        behaviour.payment_behaviour_by_customer(autumn(), order="id; DROP TABLE x")


def test_the_monthly_trend_by_value_date(django_assert_num_queries):
    build_book()
    with django_assert_num_queries(1):
        months = behaviour.payment_behaviour_monthly(autumn(), months=4)
    assert [m.month for m in months] == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    august, september, october, november = months
    assert (august.days_to_pay, august.collected.by_currency) == (None, {})
    # September: A-1 alone → 24, −6, nothing late
    assert (september.days_to_pay, september.days_beyond_terms, september.paid_late_share) == (
        Decimal("24.0"),
        Decimal("-6.0"),
        Decimal("0.0"),
    )
    # October, B-1 (value 30.10.) → 21.5, −8.5, 29.7 % (as the test for 5 December)
    assert (october.days_to_pay, october.days_beyond_terms, october.paid_late_share) == (
        Decimal("21.5"),
        Decimal("-8.5"),
        Decimal("29.7"),
    )
    assert october.collected.eur == Decimal("1009.24")
    assert november.days_to_pay is None  # B-1 was recorded in November but paid (value date) in October
    year = behaviour.payment_behaviour_monthly(autumn())
    assert (len(year), year[0].month, year[-1].month) == (12, date(2025, 12, 1), date(2026, 11, 1))


def test_invoiced_and_collected_per_month(django_assert_num_queries):
    build_book()
    with django_assert_num_queries(1):
        months = behaviour.invoiced_vs_collected(autumn(), months=4)
    august, september, october, november = months
    assert (august.invoiced.eur, august.collected.eur) == (Decimal("357.00"), Decimal("0.00"))  # B-2
    assert (september.invoiced.eur, september.collected.eur) == (Decimal("1785.00"), Decimal("1190.00"))  # A-1 + A-2
    assert (october.invoiced.eur, october.collected.eur) == (Decimal("714.00"), Decimal("1009.24"))  # A-3 + B-1
    # November: A-4 119.00 − credit note 59.50 = 59.50 EUR; C-1 USD 1,000 / 1.25 = 800.00 EUR
    assert november.invoiced.by_currency == {"EUR": Decimal("59.50"), "USD": Decimal("1000.00")}
    assert (november.invoiced.eur, november.collected.eur) == (Decimal("859.50"), Decimal("0.00"))
    dollars = behaviour.invoiced_vs_collected(autumn(currency="USD"), months=4)
    assert [m.invoiced.eur for m in dollars] == [Decimal("0.00")] * 3 + [Decimal("800.00")]


def test_the_channel_mix_shares_the_eur_total(django_assert_num_queries):
    build_book()
    with translation.override("en"), django_assert_num_queries(1):
        mix = behaviour.channel_mix(autumn())
    assert [(c.channel, c.label, c.amount.eur, c.count, c.share) for c in mix] == [
        ("bank_transfer", "bank transfer", Decimal("1666.00"), 2, Decimal("75.8")),  # A-1 + B-1: 1,666 / 2,199.24
        ("direct_debit", "SEPA direct debit", Decimal("300.00"), 1, Decimal("13.6")),  # 300 / 2,199.24
        ("card", "card / online payment", Decimal("233.24"), 1, Decimal("10.6")),  # 233.24 / 2,199.24 = 10.61
    ]


def test_average_transaction_values(django_assert_num_queries):
    build_book()
    with django_assert_num_queries(1):
        values = behaviour.transaction_values(autumn())
    # invoices dated 01.09.–30.11.: A-1 1,190 + A-2 595 + A-3 238 + B-1 476 + A-4 119 + C-1 800 = 3,418 / 6
    assert (values.invoice_average, values.invoice_count) == (Decimal("569.67"), 6)
    # payments: 1,190 + 233.24 + 300 + 476 = 2,199.24 / 4 = 549.81
    assert (values.payment_average, values.payment_count, values.currency) == (Decimal("549.81"), 4, "EUR")
    dollars = behaviour.transaction_values(autumn(currency="USD"))
    assert (dollars.invoice_average, dollars.invoice_count, dollars.payment_average, dollars.currency) == (
        Decimal("1000.00"),
        1,
        None,
        "USD",
    )


def test_receivables_and_delays_by_country(django_assert_num_queries):
    build_book()
    with translation.override("de"), django_assert_num_queries(1):
        germany, austria = behaviour.by_country(autumn())
    # DE open at 30.11.: A-2 295.00 (overdue since 15.10.), A-4 59.50 (due 05.12.), C-1 USD 1,000 = 800.00 EUR
    assert (germany.country, germany.name) == ("DE", "Deutschland")
    assert germany.open.by_currency == {"EUR": Decimal("354.50"), "USD": Decimal("1000.00")}
    assert (germany.open.eur, germany.overdue.eur) == (Decimal("1154.50"), Decimal("295.00"))
    assert germany.days_beyond_terms == Decimal("-6.4")  # Alpha's payments, as above
    # AT: B-2 357.00, overdue since 31.08.; B-1 paid 10 days early
    assert (austria.name, austria.open.eur, austria.overdue.eur, austria.days_beyond_terms) == (
        "Österreich",
        Decimal("357.00"),
        Decimal("357.00"),
        Decimal("-10.0"),
    )
    (only,) = behaviour.by_country(autumn(owner_id=None, customer_kind="consumer"))
    assert only.country == "AT"


# -- collection work (collections_book.py) -----------------------------------------------------


def test_dunning_effectiveness_per_level(django_assert_num_queries):
    build_collections_book()
    with django_assert_num_queries(1):
        first, second = behaviour.dunning_effectiveness(autumn())
    # level 1: B-2 (07.09.) and A-2 (22.10.); A-2 settled by the 294.00 of 20.11. (29 days after the
    # reminder) and 1.00 written off; B-2 never paid (written off as bad debt) → 1 of 2
    assert (first.level, first.reminders, first.invoices, first.paid_after) == (1, 2, 2, 1)
    assert (first.share_paid, first.average_days_to_payment) == (Decimal("50.0"), Decimal("29.0"))
    # level 2: B-2 on 21.09. → not paid
    assert (second.level, second.reminders, second.paid_after, second.share_paid) == (2, 1, 0, Decimal("0.0"))
    assert second.average_days_to_payment is None


def test_an_invoice_counts_as_paid_after_its_reminder_only_once_nothing_is_open():
    build_collections_book()
    first, _ = behaviour.dunning_effectiveness(autumn(as_of=date(2026, 11, 20)))  # A-2 has 1.00 open until 21.11.
    assert (first.reminders, first.paid_after, first.share_paid) == (2, 0, Decimal("0.0"))
    (september,) = behaviour.dunning_effectiveness(autumn(as_of=date(2026, 9, 15)))  # level 2 comes 21.09.
    assert (september.level, september.reminders) == (1, 1)
    alpha_only = behaviour.dunning_effectiveness(autumn(country="DE"))
    assert [(e.level, e.invoices, e.paid_after) for e in alpha_only] == [(1, 1, 1)]


def test_disputes_open_at_as_of_and_opened_and_resolved_in_the_period(django_assert_num_queries):
    build_collections_book()
    with django_assert_num_queries(1):
        now = behaviour.disputes(autumn())
    # A-2's 295.00 still open; A-4's withdrawn on 20.11.
    assert (now.open.eur, now.open_count, now.opened_in_period, now.resolved_in_period) == (
        Decimal("295.00"),
        1,
        2,
        1,
    )
    mid_november = behaviour.disputes(autumn(as_of=date(2026, 11, 15)))  # both open: 295.00 + 59.50
    assert (mid_november.open.eur, mid_november.open_count, mid_november.resolved_in_period) == (
        Decimal("354.50"),
        2,
        0,
    )
    assert behaviour.disputes(autumn(country="AT")).opened_in_period == 0


def test_write_offs_small_bad_debt_and_reinstated(django_assert_num_queries):
    build_collections_book()
    with django_assert_num_queries(1):
        autumn_offs = behaviour.write_offs(autumn())
    # A-2's 1.00 on 21.11.; B-2's 357.00 bad debt on 25.11., of which 100.00 reinstated on 28.11.
    assert (autumn_offs.small.eur, autumn_offs.bad_debt.eur, autumn_offs.reinstated.eur, autumn_offs.count) == (
        Decimal("1.00"),
        Decimal("357.00"),
        Decimal("100.00"),
        2,
    )
    before = behaviour.write_offs(autumn(as_of=date(2026, 11, 26)))  # the reinstatement comes on 28.11.
    assert (before.small.eur, before.bad_debt.eur, before.reinstated.eur) == (
        Decimal("1.00"),
        Decimal("357.00"),
        Decimal("0.00"),
    )
    october = behaviour.write_offs(autumn(as_of=date(2026, 10, 31)))
    assert (october.count, october.bad_debt.by_currency) == (0, {})
    assert behaviour.write_offs(autumn(country="AT")).small.eur == Decimal("0.00")  # A-2 is Alpha's (DE)


def test_fees_and_interest_charged_and_collected(django_assert_num_queries):
    build_collections_book()
    with django_assert_num_queries(1):
        result = behaviour.fees_and_interest(autumn())
    # the 8.20 of 05.11. paid A-2's dunning fee 5.00 and its interest 3.20 (§ 367 BGB: costs first)
    assert (result.fees.eur, result.interest.eur) == (Decimal("5.00"), Decimal("3.20"))
    assert (result.charged_fees.eur, result.charged_interest.eur) == (Decimal("5.00"), Decimal("3.20"))
    october = behaviour.fees_and_interest(autumn(as_of=date(2026, 10, 31)))  # the fee charged, nothing paid
    assert (october.charged_fees.eur, october.charged_interest.eur, october.fees.eur) == (
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


# -- an invariant ------------------------------------------------------------------------------

CHANNELS = ("bank_transfer", "direct_debit", "card", "cash")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 20_000), st.sampled_from(CHANNELS)), min_size=1, max_size=4))
def test_collected_per_channel_adds_up_to_collected_in_total(splits):
    """However a customer's payments are split over channels, the channels add up to the total."""
    customer = make_customer(legal_name="Split GmbH", as_of=at(date(2026, 7, 1)))
    invoice = make_invoice(customer=customer, gross="1000.00", terms=net_terms(30), as_of=at(SEP_1), service_date=SEP_1)
    paid = Decimal("0.00")
    for day, (cents, channel) in enumerate(splits, start=2):
        amount = min(Decimal(cents) / 100, Decimal("1000.00") - paid)
        if amount <= 0:
            break
        make_payment(
            customer=customer,
            amount=amount,
            value_date=date(2026, 9, day),
            as_of=at(date(2026, 9, day), 12),
            allocate=True,
            channel=channel,
            remittance=invoice.number,
        )
        paid += amount
    scope = autumn(customer_id=customer.pk)
    mix = behaviour.channel_mix(scope)
    assert sum(c.amount.eur for c in mix) == behaviour.payment_behaviour(scope).collected.eur == paid
    assert abs(sum(c.share for c in mix) - 100) <= Decimal("0.2")  # each share rounded to 0.1
