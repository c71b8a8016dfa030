"""The collection date of a direct-debit invoice, for any dates: never early, never on a closed day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.payment_means import iban_masked
from sepa.calendar import is_target2_day
from sepa.payment_means import collection_date

days = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))


@settings(deadline=None, max_examples=300)
@given(
    invoice_date=days,
    due_after=st.integers(min_value=0, max_value=90),
    issued_after=st.integers(min_value=0, max_value=40),
    notice=st.integers(min_value=0, max_value=30),
)
def test_the_collection_is_the_first_target2_day_after_both_the_due_date_and_the_notice(
    invoice_date, due_after, issued_after, notice
):
    due = invoice_date + timedelta(days=due_after)
    today = invoice_date + timedelta(days=issued_after)
    collected = collection_date(invoice_date=invoice_date, due_date=due, today=today, prenotification_days=notice)

    assert is_target2_day(collected)
    assert collected >= due and collected >= today + timedelta(days=notice)
    # The first such day: every day between the earliest allowed one and it is closed.
    earliest = max(due, today + timedelta(days=notice))
    assert all(not is_target2_day(earliest + timedelta(days=n)) for n in range((collected - earliest).days))


@given(body=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30))
def test_a_masked_iban_keeps_its_length_country_check_digits_and_last_four_only(body):
    iban = f"DE89{body}"
    masked = iban_masked(iban).replace(" ", "")
    assert len(masked) == len(iban)
    assert masked[:4] == "DE89" and masked[-4:] == iban[-4:]
    assert set(masked[4:-4]) <= {"*"}
