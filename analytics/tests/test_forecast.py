"""Cash-in forecast and its backtest (analytics/kpis/forecast.py), computed by hand on the book.

The delays on 30.11.2026 (value date − due date, weighted by the amount allocated, in EUR):

- Alpha: A-1 1,190.00 × (25.09. − 01.10. = −6) = −7,140.00; A-3 233.24 × (08.10. − 31.10. = −23)
  = −5,364.52; A-2 300.00 × (20.10. − 15.10. = +5) = +1,500.00 → −11,004.52 ÷ 1,723.24 = −6.39
  → −6 days (A-1's return on 03.12. is recorded after 30.11.: its payment still counts).
- Beta: B-1 476.00 × (30.10. − 09.11. = −10) → −10 days.
- Gamma: no payments → all customers: −15,764.52 ÷ 2,199.24 = −7.17 → −7 days (shown −7.2).

30.11.2026 is a Monday; week 1 holds 01.12., so weeks run 30.11.–06.12., 07.12.–13.12., …,
week 7 11.01.–17.01.2027, week 13 22.02.–28.02.2027.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.kpis.forecast import backtest_origins, cash_in_forecast, first_monday, forecast_backtest
from analytics.scope import Scope
from core.locks import lock_order_unchecked
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.models import Payment
from payments.services import payment_return
from payments.tests.factories import make_invoice, make_payment, net_terms

from .book import AS_OF, at, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

EUR = Decimal


def scope(day: date = AS_OF, **filters) -> Scope:
    return Scope(as_of=day, start=day - timedelta(days=89), end=day, **filters)


def eur_by_week(forecast) -> dict[int, Decimal]:
    return {week.number: week.expected.eur for week in forecast.weeks if week.count}


def invoice(customer, day, gross, days=30, **kwargs):
    return make_invoice(
        customer=customer, gross=gross, terms=net_terms(days), as_of=at(day), service_date=day, **kwargs
    )


def test_the_books_open_invoices_are_all_expected_in_the_first_week():
    build_book()
    forecast = cash_in_forecast(scope())
    # A-2 295.00 due 15.10. − 6 → 09.10.; A-4 59.50 due 05.12. − 6 → 29.11.; B-2 357.00 due 31.08.
    # − 10 → 21.08.; C-1 USD 1,000 due 02.12. − 7 → 25.11.: all on or before 30.11. → week 1, and
    # all "overdue" (later than their customer usually pays). EUR 295.00 + 59.50 + 357.00 + 800.00.
    assert eur_by_week(forecast) == {1: EUR("1511.50")}
    assert forecast.weeks[0].expected.by_currency == {"EUR": EUR("711.50"), "USD": EUR("1000.00")}
    assert forecast.weeks[0].count == 4
    assert (forecast.weeks[0].start, forecast.weeks[0].end) == (date(2026, 11, 30), date(2026, 12, 6))
    assert (forecast.weeks[12].start, forecast.weeks[12].end) == (date(2027, 2, 22), date(2027, 2, 28))
    assert forecast.overdue_in_first_week.eur == EUR("1511.50")
    assert forecast.total.eur == EUR("1511.50")
    assert forecast.later.eur == EUR("0.00")
    assert forecast.default_delay_days == EUR("-7.2")
    assert len(forecast.weeks) == 13
    assert "365" in forecast.method and "-7.2" in forecast.method.replace(",", ".")


def test_invoices_fall_into_the_week_of_their_due_date_shifted_by_their_customers_delay():
    book = build_book()
    invoice(book.beta, date(2026, 11, 15), "178.50")  # due 15.12. − 10 → 05.12.: week 1, not overdue
    invoice(book.beta, date(2026, 11, 20), "238.00")  # due 20.12. − 10 → 10.12.: week 2
    invoice(book.gamma, date(2026, 11, 20), "500.00", days=60, currency="USD")  # due 19.01. − 7 → 12.01.: week 7
    invoice(book.alpha, date(2026, 11, 25), "119.00", days=120)  # due 25.03. − 6 → 19.03.: after week 13
    forecast = cash_in_forecast(scope())
    # Week 1: 1,511.50 + 178.50; week 7: USD 500 ÷ 1.25 = EUR 400.00.
    assert eur_by_week(forecast) == {1: EUR("1690.00"), 2: EUR("238.00"), 7: EUR("400.00")}
    assert [week.count for week in forecast.weeks] == [5, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert forecast.overdue_in_first_week.eur == EUR("1511.50")
    assert (forecast.later.eur, forecast.later_count) == (EUR("119.00"), 1)
    # 1,690.00 + 238.00 + 400.00 + 119.00
    assert forecast.total.eur == EUR("2447.00")
    assert forecast.total.by_currency == {"EUR": EUR("1247.00"), "USD": EUR("1500.00")}
    assert forecast.count == 8
    assert forecast.weeks[6].expected.by_currency == {"USD": EUR("500.00")}


def test_the_naive_reference_expects_every_invoice_on_its_due_date():
    build_book()
    forecast = cash_in_forecast(scope(), delays=False)
    # All four due by 06.12. → week 1; only A-2 (15.10.) and B-2 (31.08.) are due on or before 30.11.
    assert eur_by_week(forecast) == {1: EUR("1511.50")}
    assert forecast.overdue_in_first_week.eur == EUR("652.00")
    assert forecast.default_delay_days is None


def test_with_a_cut_off_long_overdue_invoices_are_not_expected_any_more():
    build_book()
    forecast = cash_in_forecast(scope(), stale_days=60)
    # 60 days before 30.11. is 01.10.: B-2 (expected 21.08.) is stale; A-2 (09.10.) is not.
    assert (forecast.stale.eur, forecast.stale_count) == (EUR("357.00"), 1)
    assert eur_by_week(forecast) == {1: EUR("1154.50")}  # 1,511.50 − 357.00
    assert forecast.overdue_in_first_week.eur == EUR("1154.50")
    assert forecast.total.eur == EUR("1511.50")
    assert "60" in forecast.method


def test_the_short_horizon_puts_the_rest_in_later():
    book = build_book()
    invoice(book.beta, date(2026, 11, 20), "238.00")  # week 2
    forecast = cash_in_forecast(scope(), weeks=1)
    assert [week.number for week in forecast.weeks] == [1]
    assert forecast.later.eur == EUR("238.00")


def test_filters_apply_to_the_invoices_but_the_delays_are_learnt_from_every_customer():
    book = build_book()
    assert cash_in_forecast(scope(country="AT")).total.eur == EUR("357.00")
    assert cash_in_forecast(scope(owner_id=book.owner.pk)).total.eur == EUR("354.50")  # 295.00 + 59.50
    assert cash_in_forecast(scope(customer_kind="consumer")).total.eur == EUR("357.00")
    usd = cash_in_forecast(scope(currency="USD"))
    assert usd.total.by_currency == {"USD": EUR("1000.00")}
    assert usd.total.eur == EUR("800.00")
    # Gamma alone has no history; it still gets the −7 days of all customers: due 02.12. → 25.11.
    gamma = cash_in_forecast(scope(customer_id=book.gamma.pk))
    assert gamma.overdue_in_first_week.eur == EUR("800.00")
    assert gamma.default_delay_days == EUR("-7.2")


def test_an_as_of_before_a_payment_was_recorded_does_not_know_it():
    book = build_book()
    forecast = cash_in_forecast(scope(date(2026, 10, 31)))
    # 31.10. is a Saturday: week 1 holds 01.11., so 26.10.–01.11.; week 2 02.11.–08.11.
    # B-1's payment (value date 30.10.) is recorded on 02.11.: B-1 is open and Beta has no history
    # yet, so Beta gets Alpha's −11,004.52 ÷ 1,723.24 = −6.39 → −6 days: B-1 due 09.11. → 03.11.
    assert forecast.weeks[0].start == date(2026, 10, 26)
    assert forecast.default_delay_days == EUR("-6.4")
    # Week 1: A-2 295.00 (09.10.) and B-2 357.00 (25.08.), both overdue; week 2: B-1 476.00.
    assert eur_by_week(forecast) == {1: EUR("652.00"), 2: EUR("476.00")}
    assert forecast.overdue_in_first_week.eur == EUR("652.00")
    assert book.b1.open_amount == EUR("0.00")  # paid today


def test_the_forecast_is_one_query(django_assert_num_queries):
    build_book()
    with django_assert_num_queries(1):
        cash_in_forecast(scope(), weeks=26)


def test_a_ledger_without_payments_uses_no_delay():
    customer = make_customer(legal_name="Neu GmbH", as_of=at(date(2026, 7, 1)))
    invoice(customer, date(2026, 11, 10), "119.00")  # due 10.12.: week 2
    forecast = cash_in_forecast(scope())
    assert forecast.default_delay_days is None
    assert eur_by_week(forecast) == {2: EUR("119.00")}


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    paid_delays=st.lists(st.integers(min_value=-25, max_value=60), max_size=2),
    open_invoices=st.lists(
        st.tuples(st.integers(min_value=0, max_value=150), st.sampled_from([0, 14, 30, 60, 120])),
        min_size=1,
        max_size=4,
    ),
    weeks=st.integers(min_value=1, max_value=26),
    stale_days=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
)
def test_the_weeks_and_later_add_up_to_the_open_invoices(paid_delays, open_invoices, weeks, stale_days):
    # Each example is rolled back (numbers must follow dates across examples); the services run
    # inside one transaction here, so their lock order is not checked.
    with lock_order_unchecked(), transaction.atomic():
        customer = make_customer(legal_name="Zufall GmbH", as_of=at(date(2025, 1, 1)))
        for delay in paid_delays:
            paid = invoice(customer, date(2026, 6, 1), "119.00")
            make_payment(
                customer=customer,
                amount="119.00",
                value_date=paid.due_date + timedelta(days=delay),
                as_of=at(date(2026, 9, 1), 12),
                allocate=True,
                remittance=paid.number,
            )
        gross = Decimal("0")
        for days_before, terms in sorted(open_invoices, reverse=True):  # numbers follow dates
            invoice(customer, AS_OF - timedelta(days=days_before), "238.00", days=terms)
            gross += Decimal("238.00")
        forecast = cash_in_forecast(scope(customer_id=customer.pk), weeks=weeks, stale_days=stale_days)
        assert forecast.total.eur == gross
        assert sum((week.expected.eur for week in forecast.weeks), forecast.later.eur + forecast.stale.eur) == gross
        counted = sum(week.count for week in forecast.weeks) + forecast.later_count + forecast.stale_count
        assert counted == len(open_invoices)
        assert forecast.overdue_in_first_week.eur <= forecast.weeks[0].expected.eur

        transaction.set_rollback(True)


def test_the_origins_are_month_ends_whose_weeks_have_all_passed():
    # 31.10.2026: week 1 from 26.10., 13 weeks end 24.01.2027; 30.09.2026: 28.09. to 27.12.2026.
    assert backtest_origins(date(2027, 1, 23), origins=2, weeks=13) == [date(2026, 8, 31), date(2026, 9, 30)]
    assert backtest_origins(date(2027, 1, 24), origins=2, weeks=13) == [date(2026, 9, 30), date(2026, 10, 31)]
    assert first_monday(date(2026, 8, 31)) == date(2026, 8, 31)  # a Monday: week 1 holds 01.09.


def delta_history():
    """Delta's small history for the backtest (EUR, net 30 unless noted):

    D-0 01.06. due 01.07., 119.00 paid 08.07. (+7)
    D-1 01.08. due 31.08., 119.00 paid with value date 28.08. (−3), recorded only on 02.09.
    D-2 10.08. due 09.09., 238.00 paid 11.09. (+2)
    D-3 01.09. due 01.10., 357.00: 200.00 paid 07.10., the rest never
    D-4 20.09. net 14, due 04.10., 59.50 paid 02.10.
    """
    delta = make_customer(legal_name="Delta KG", as_of=at(date(2026, 5, 1)))

    def pay(document, amount, value_date, recorded=None):
        make_payment(
            customer=delta,
            amount=amount,
            value_date=value_date,
            as_of=at(recorded or value_date, 12),
            allocate=True,
            remittance=document.number,
        )

    d0 = invoice(delta, date(2026, 6, 1), "119.00")
    pay(d0, "119.00", date(2026, 7, 8))
    d1 = invoice(delta, date(2026, 8, 1), "119.00")
    d2 = invoice(delta, date(2026, 8, 10), "238.00")
    pay(d1, "119.00", date(2026, 8, 28), recorded=date(2026, 9, 2))
    d3 = invoice(delta, date(2026, 9, 1), "357.00")
    pay(d2, "238.00", date(2026, 9, 11))
    d4 = invoice(delta, date(2026, 9, 20), "59.50", days=14)
    pay(d4, "59.50", date(2026, 10, 2))
    pay(d3, "200.00", date(2026, 10, 7))
    return delta


def test_the_backtest_compares_each_month_ends_forecast_with_what_came_in(django_assert_num_queries):
    delta_history()
    # as_of 20.10.: 31.10. is too recent (its week 2 ends 08.11.); the origins are 31.08. and 30.09.
    # 31.08. (Monday): weeks 31.08.–06.09., 07.09.–13.09. Delay: D-0 only, +7 (D-1's payment is
    #   not recorded yet). D-1 due 31.08. → 07.09.: week 2 119.00; D-2 due 09.09. → 16.09.: later.
    #   Came in: D-1 119.00 (value 28.08., recorded 02.09. → week 1), D-2 238.00 (11.09., week 2).
    # 30.09. (Wednesday): weeks 28.09.–04.10., 05.10.–11.10. Delay: (119 × 7 − 119 × 3 + 238 × 2)
    #   ÷ 476 = 952 ÷ 476 = +2. D-3 due 01.10. → 03.10.: week 1 357.00; D-4 due 04.10. → 06.10.:
    #   week 2 59.50. Came in: D-4 59.50 (02.10., week 1), D-3 200.00 (07.10., week 2).
    with django_assert_num_queries(4):
        backtest = forecast_backtest(scope(date(2026, 10, 20)), origins=2, weeks=2)
    assert backtest.origins == [date(2026, 8, 31), date(2026, 9, 30)]
    assert backtest.details == [
        [(EUR("0.00"), EUR("119.00")), (EUR("119.00"), EUR("238.00"))],
        [(EUR("357.00"), EUR("59.50")), (EUR("59.50"), EUR("200.00"))],
    ]
    week1, week2 = backtest.horizons
    # Week 1: forecast 0 + 357.00, actual 119.00 + 59.50; errors 119.00 and 297.50 → 416.50:
    # MAE 416.50 ÷ 2 = 208.25, WAPE 416.50 ÷ 178.50 = 233.3 %.
    assert (week1.forecast_total, week1.actual_total) == (EUR("357.00"), EUR("178.50"))
    assert (week1.mean_absolute_error, week1.wape) == (EUR("208.25"), EUR("233.3"))
    # Week 2: forecast 119.00 + 59.50, actual 238.00 + 200.00; errors 119.00 and 140.50 → 259.50:
    # MAE 129.75, WAPE 259.50 ÷ 438.00 = 59.2 %.
    assert (week2.forecast_total, week2.actual_total) == (EUR("178.50"), EUR("438.00"))
    assert (week2.mean_absolute_error, week2.wape) == (EUR("129.75"), EUR("59.2"))
    # All: 676.00 ÷ 616.50 = 109.7 %; 676.00 ÷ 4 = 169.00.
    assert (backtest.wape, backtest.mean_absolute_error) == (EUR("109.7"), EUR("169.00"))
    assert week1.label and "2" in backtest.method


def test_the_backtest_ignores_payments_reversed_by_its_as_of():
    delta = delta_history()
    # The 200.00 of 07.10. is returned on 15.10.: by 20.10. it never came in.
    returned = Payment.objects.get(customer=delta, amount=EUR("200.00"))
    payment_return(payment=returned, as_of=at(date(2026, 10, 15)), reason="MD06", return_code="MD06")
    backtest = forecast_backtest(scope(date(2026, 10, 20)), origins=2, weeks=2)
    assert backtest.details[1][1] == (EUR("59.50"), EUR("0"))
    assert backtest.horizons[1].actual_total == EUR("238.00")
