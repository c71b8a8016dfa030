"""Payment terms: due dates, Skonto offers, wording and the XRechnung BT-20 form (no database)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import minor_unit
from customers.terms import (
    XRECHNUNG_SKONTO_LINE,
    DiscountOffer,
    DiscountTier,
    TermsError,
    TermsSpec,
    discount_offers,
    due_date,
    terms_text,
    validate_terms,
    xrechnung_payment_terms,
)

D = Decimal
NBSP = "\u00a0"

NET_30 = TermsSpec("net", 30)
SKONTO_2_10_NET_30 = TermsSpec("net", 30, (DiscountTier(D("2"), 10),))
TWO_TIERS = TermsSpec("net", 30, (DiscountTier(D("3"), 7), DiscountTier(D("2"), 14)))
INVOICED = date(2026, 11, 27)


# --- due dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "days", "invoice_date", "expected"),
    [
        ("net", 0, date(2026, 5, 5), date(2026, 5, 5)),
        ("net", 30, date(2026, 1, 31), date(2026, 3, 2)),  # through a 28-day February
        ("net", 30, date(2028, 1, 31), date(2028, 3, 1)),  # through a leap February
        ("net", 1, date(2028, 2, 28), date(2028, 2, 29)),
        ("net", 1, date(2026, 2, 28), date(2026, 3, 1)),
        ("net", 30, date(2026, 12, 15), date(2027, 1, 14)),  # year change
        ("net", 14, date(2026, 12, 31), date(2027, 1, 14)),
        ("net", 365, date(2028, 1, 1), date(2028, 12, 31)),  # 366 days in 2028
        ("end_of_month", 0, date(2026, 1, 31), date(2026, 1, 31)),
        ("end_of_month", 0, date(2026, 1, 1), date(2026, 1, 31)),
        ("end_of_month", 15, date(2026, 2, 10), date(2026, 3, 15)),
        ("end_of_month", 0, date(2028, 2, 10), date(2028, 2, 29)),
        ("end_of_month", 0, date(2026, 2, 10), date(2026, 2, 28)),
        ("end_of_month", 30, date(2026, 4, 30), date(2026, 5, 30)),
        ("end_of_month", 30, date(2026, 12, 15), date(2027, 1, 30)),
    ],
)
def test_due_date_counts_calendar_days_from_the_invoice_date_or_its_month_end(basis, days, invoice_date, expected):
    assert due_date(TermsSpec(basis, days), invoice_date=invoice_date) == expected


def test_a_due_date_on_a_sunday_is_not_moved_to_monday():
    # § 193 BGB is the debtor's grace at payment matching, not a change of the stated date.
    assert due_date(NET_30, invoice_date=INVOICED) == date(2026, 12, 27)
    assert date(2026, 12, 27).isoweekday() == 7


def test_due_date_refuses_invalid_terms():
    with pytest.raises(TermsError):
        due_date(TermsSpec("net", -1), invoice_date=INVOICED)


# --- discount offers ------------------------------------------------------------------------


def test_discount_offer_on_the_gross_amount():
    assert discount_offers(SKONTO_2_10_NET_30, invoice_date=INVOICED, gross_amount=D("1234.56")) == [
        DiscountOffer(D("2"), date(2026, 12, 7), D("24.69"), D("1209.87")),  # 24.6912
    ]


def test_discount_offers_follow_the_tiers_in_order():
    assert discount_offers(TWO_TIERS, invoice_date=INVOICED, gross_amount=D("999.99")) == [
        DiscountOffer(D("3"), date(2026, 12, 4), D("30.00"), D("969.99")),  # 29.9997
        DiscountOffer(D("2"), date(2026, 12, 11), D("20.00"), D("979.99")),  # 19.9998
    ]


def test_a_half_cent_discount_rounds_up():
    (offer,) = discount_offers(SKONTO_2_10_NET_30, invoice_date=INVOICED, gross_amount=D("0.25"))
    assert (offer.discount_amount, offer.amount_to_pay) == (D("0.01"), D("0.24"))  # 0.005, ROUND_HALF_UP


def test_a_discount_base_below_gross_reduces_only_the_discount():
    (offer,) = discount_offers(
        SKONTO_2_10_NET_30, invoice_date=INVOICED, gross_amount=D("1190.00"), discount_base=D("1000.00")
    )
    assert (offer.discount_amount, offer.amount_to_pay) == (D("20.00"), D("1170.00"))


@pytest.mark.parametrize(
    ("currency", "gross", "discount", "to_pay"),
    [("JPY", D("12345"), D("247"), D("12098")), ("BHD", D("100.005"), D("2.000"), D("98.005"))],
)
def test_the_discount_is_rounded_to_the_currency(currency, gross, discount, to_pay):
    (offer,) = discount_offers(SKONTO_2_10_NET_30, invoice_date=INVOICED, gross_amount=gross, currency=currency)
    assert (offer.discount_amount, offer.amount_to_pay) == (discount, to_pay)
    assert offer.discount_amount.as_tuple().exponent == minor_unit(currency).as_tuple().exponent


def test_no_tiers_means_no_offers():
    assert discount_offers(NET_30, invoice_date=INVOICED, gross_amount=D("100.00")) == []


@pytest.mark.parametrize(
    ("gross", "base", "error"),
    [
        (100.0, None, TypeError),
        (D("100.00"), 50.0, TypeError),
        (D("-10.00"), None, ValueError),
        (D("100.00"), D("100.01"), ValueError),
        (D("100.00"), D("-1.00"), ValueError),
    ],
)
def test_discount_offers_refuse_floats_and_bases_outside_the_gross_amount(gross, base, error):
    with pytest.raises(error):
        discount_offers(SKONTO_2_10_NET_30, invoice_date=INVOICED, gross_amount=gross, discount_base=base)


# --- wording --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "language", "expected"),
    [
        (NET_30, "de", "Zahlbar innerhalb von 30 Tagen ohne Abzug."),
        (NET_30, "en", "Payable without deduction within 30 days."),
        (TermsSpec("net", 1), "de", "Zahlbar innerhalb von 1 Tag ohne Abzug."),
        (TermsSpec("net", 1), "en", "Payable without deduction within 1 day."),
        (TermsSpec("net", 0), "de", "Zahlbar sofort ohne Abzug."),
        (TermsSpec("net", 0), "en", "Payable immediately without deduction."),
        (TermsSpec("end_of_month", 0), "de", "Zahlbar bis zum Ende des Rechnungsmonats ohne Abzug."),
        (TermsSpec("end_of_month", 0), "en", "Payable without deduction by the end of the invoice month."),
        (
            TermsSpec("end_of_month", 15),
            "de",
            "Zahlbar innerhalb von 15 Tagen nach Ende des Rechnungsmonats ohne Abzug.",
        ),
        (
            TermsSpec("end_of_month", 15),
            "en",
            "Payable without deduction within 15 days after the end of the invoice month.",
        ),
        (
            TermsSpec("net", 30, (DiscountTier(D("2.5"), 14),)),
            "de",
            f"Bei Zahlung innerhalb von 14 Tagen gewähren wir 2,5{NBSP}% Skonto."
            " Zahlbar innerhalb von 30 Tagen ohne Abzug.",
        ),
        (
            TermsSpec("net", 30, (DiscountTier(D("2.5"), 14),)),
            "en",
            "2.5% early payment discount if paid within 14 days. Payable without deduction within 30 days.",
        ),
        (
            TermsSpec("end_of_month", 30, (DiscountTier(D("2"), 10),)),
            "de",
            f"Bei Zahlung innerhalb von 10 Tagen ab Rechnungsdatum gewähren wir 2{NBSP}% Skonto."
            " Zahlbar innerhalb von 30 Tagen nach Ende des Rechnungsmonats ohne Abzug.",
        ),
        (
            TermsSpec("end_of_month", 30, (DiscountTier(D("2"), 10),)),
            "en",
            "2% early payment discount if paid within 10 days of the invoice date."
            " Payable without deduction within 30 days after the end of the invoice month.",
        ),
    ],
)
def test_generic_wording_names_periods(spec, language, expected):
    assert terms_text(spec, language=language) == expected


@pytest.mark.parametrize(
    ("spec", "language", "expected"),
    [
        (NET_30, "de", "Zahlbar bis 27.12.2026 ohne Abzug."),
        (NET_30, "en", "Payable without deduction by 27 Dec 2026."),
        (TermsSpec("end_of_month", 0), "de", "Zahlbar bis 30.11.2026 ohne Abzug."),
        (
            TWO_TIERS,
            "de",
            f"Bei Zahlung bis 04.12.2026 gewähren wir 3{NBSP}% Skonto. Bei Zahlung bis 11.12.2026 gewähren wir"
            f" 2{NBSP}% Skonto. Zahlbar bis 27.12.2026 ohne Abzug.",
        ),
        (
            TWO_TIERS,
            "en",
            "3% early payment discount if paid by 4 Dec 2026. 2% early payment discount if paid by 11 Dec 2026."
            " Payable without deduction by 27 Dec 2026.",
        ),
    ],
)
def test_wording_with_an_invoice_date_names_dates(spec, language, expected):
    assert terms_text(spec, language=language, invoice_date=INVOICED) == expected


def test_german_wording_with_amounts():
    assert terms_text(SKONTO_2_10_NET_30, language="de", invoice_date=INVOICED, gross_amount=D("1234.56")) == (
        f"Bei Zahlung bis 07.12.2026 gewähren wir 2{NBSP}% Skonto (24,69{NBSP}€, zu zahlen 1.209,87{NBSP}€)."
        " Zahlbar bis 27.12.2026 ohne Abzug."
    )


def test_english_wording_with_amounts():
    assert terms_text(SKONTO_2_10_NET_30, language="en", invoice_date=INVOICED, gross_amount=D("1234.56")) == (
        "2% early payment discount if paid by 7 Dec 2026 (€24.69, amount to pay €1,209.87)."
        " Payable without deduction by 27 Dec 2026."
    )


def test_wording_with_amounts_but_no_date():
    assert terms_text(SKONTO_2_10_NET_30, language="de", gross_amount=D("1234.56")) == (
        f"Bei Zahlung innerhalb von 10 Tagen gewähren wir 2{NBSP}% Skonto (24,69{NBSP}€, zu zahlen 1.209,87{NBSP}€)."
        " Zahlbar innerhalb von 30 Tagen ohne Abzug."
    )


def test_wording_names_a_discount_base_that_differs_from_gross():
    kwargs = {"invoice_date": INVOICED, "gross_amount": D("1190.00"), "discount_base": D("1000.00")}
    assert terms_text(SKONTO_2_10_NET_30, language="de", **kwargs) == (
        f"Bei Zahlung bis 07.12.2026 gewähren wir 2{NBSP}% Skonto auf 1.000,00{NBSP}€"
        f" (20,00{NBSP}€, zu zahlen 1.170,00{NBSP}€). Zahlbar bis 27.12.2026 ohne Abzug."
    )
    assert terms_text(SKONTO_2_10_NET_30, language="en", **kwargs) == (
        "2% early payment discount on €1,000.00 if paid by 7 Dec 2026 (€20.00, amount to pay €1,170.00)."
        " Payable without deduction by 27 Dec 2026."
    )


def test_wording_formats_other_currencies_per_locale():
    spec = TermsSpec("net", 30, (DiscountTier(D("2"), 10),))
    assert terms_text(spec, language="en", gross_amount=D("12345"), currency="JPY") == (
        "2% early payment discount if paid within 10 days (¥247, amount to pay ¥12,098)."
        " Payable without deduction within 30 days."
    )


def test_wording_refuses_unknown_languages():
    with pytest.raises(ValueError, match="fr"):
        terms_text(NET_30, language="fr")


# --- XRechnung BT-20 ------------------------------------------------------------------------


def br_de_18_holds(note: str) -> bool:
    """The KoSIT schematron assertion BR-DE-18, transcribed from XPath.

    every $line in tokenize(., '(\\r?\\n)')[starts-with(normalize-space(.), '#')]
    satisfies matches(normalize-space($line), $XR-SKONTO-REGEX)
          and matches(tokenize(., '#.+#')[last()], '^\\s*\\n')
    (XPath '.' matches neither \\n nor \\r, unlike Python's without DOTALL only for \\n.)
    """
    lines = [" ".join(line.split()) for line in re.split(r"\r?\n", note)]
    skonto_lines = [line for line in lines if line.startswith("#")]
    if not skonto_lines:
        return True
    after_last = re.split(r"#[^\r\n]+#", note)[-1]
    return all(XRECHNUNG_SKONTO_LINE.search(line) for line in skonto_lines) and bool(re.match(r"\s*\n", after_last))


def test_xrechnung_writes_one_skonto_line_per_tier_then_the_free_text():
    note = xrechnung_payment_terms(TWO_TIERS, invoice_date=INVOICED)
    assert note == (
        "#SKONTO#TAGE=7#PROZENT=3.00#\n"
        "#SKONTO#TAGE=14#PROZENT=2.00#\n"
        f"Bei Zahlung bis 04.12.2026 gewähren wir 3{NBSP}% Skonto. Bei Zahlung bis 11.12.2026 gewähren wir"
        f" 2{NBSP}% Skonto. Zahlbar bis 27.12.2026 ohne Abzug."
    )
    assert br_de_18_holds(note)


def test_xrechnung_writes_the_base_only_when_it_is_less_than_the_amount_due():
    spec = TermsSpec("net", 30, (DiscountTier(D("2.5"), 10),))
    with_base = xrechnung_payment_terms(spec, invoice_date=INVOICED, gross_amount=D("1190.00"), discount_base=D("1000"))
    assert with_base.startswith("#SKONTO#TAGE=10#PROZENT=2.50#BASISBETRAG=1000.00#\nBei Zahlung bis 07.12.2026")
    assert br_de_18_holds(with_base)
    same = xrechnung_payment_terms(spec, invoice_date=INVOICED, gross_amount=D("1190.00"), discount_base=D("1190.00"))
    assert same.startswith("#SKONTO#TAGE=10#PROZENT=2.50#\n")
    assert "(29,75\u00a0€, zu zahlen 1.160,25\u00a0€)" in same  # 1190.00 × 2.5 % = 29.75


def test_xrechnung_without_a_base_amount_due_still_names_the_base():
    note = xrechnung_payment_terms(SKONTO_2_10_NET_30, invoice_date=INVOICED, discount_base=D("500.00"))
    assert note.startswith("#SKONTO#TAGE=10#PROZENT=2.00#BASISBETRAG=500.00#\n")
    assert br_de_18_holds(note)


@pytest.mark.parametrize(("percent", "written"), [(D("10"), "10.00"), (D("0.5"), "0.50"), (D("99.99"), "99.99")])
def test_xrechnung_percent_has_exactly_two_decimals(percent, written):
    spec = TermsSpec("net", 30, (DiscountTier(percent, 5),))
    assert xrechnung_payment_terms(spec, invoice_date=INVOICED).startswith(f"#SKONTO#TAGE=5#PROZENT={written}#\n")


def test_xrechnung_without_tiers_is_the_free_text_alone():
    assert xrechnung_payment_terms(NET_30, invoice_date=INVOICED) == "Zahlbar bis 27.12.2026 ohne Abzug."


def test_xrechnung_refuses_a_base_it_cannot_write_with_two_decimals():
    with pytest.raises(ValueError, match="BASISBETRAG"):
        xrechnung_payment_terms(
            SKONTO_2_10_NET_30,
            invoice_date=INVOICED,
            gross_amount=D("100.005"),
            discount_base=D("50.005"),
            currency="BHD",
        )


@pytest.mark.parametrize(
    "note",
    [
        "#SKONTO#TAGE=14#PROZENT=2#\n",  # two decimals required
        "#SKONTO#TAGE=14#PROZENT=2.00#",  # no line break after the last '#'
        "#skonto#TAGE=14#PROZENT=2.00#\n",  # upper case only
        "#SKONTO#TAGE=14#PROZENT=2,00#\n",  # decimal point, not comma
    ],
)
def test_the_br_de_18_transcription_rejects_what_the_validator_rejects(note):
    assert not br_de_18_holds(note)


# --- validation -----------------------------------------------------------------------------


def errors_of(spec):
    with pytest.raises(TermsError) as raised:
        validate_terms(spec)
    return raised.value.errors


def test_valid_terms_pass():
    validate_terms(TWO_TIERS)
    validate_terms(TermsSpec("end_of_month", 0))


def test_validation_collects_every_problem_with_its_field_path():
    spec = TermsSpec(
        "weekly",
        10,
        (
            DiscountTier(D("2"), 5),
            DiscountTier(D("3"), 5),  # not fewer percent, not more days
            DiscountTier(D("100"), 12),  # out of range, and beyond the net days
            DiscountTier(D("1.125"), 0),
        ),
    )
    assert errors_of(spec) == {
        "basis": "Unknown basis 'weekly'; expected one of: net, end_of_month.",
        "tiers.1.days": "Must be more than the previous tier's 5 days.",
        "tiers.1.percent": "Must be less than the previous tier's 2 %.",
        "tiers.2.percent": "Must be more than 0 and less than 100.",
        "tiers.2.days": "Must be less than the 10 days of the payment term.",
        "tiers.3.percent": "Must have at most two decimal places.",
        "tiers.3.days": "Must be at least 1.",
    }


def test_validation_of_net_days_and_tier_types():
    assert errors_of(TermsSpec("net", -1)) == {"days": "Must not be negative."}
    assert errors_of(TermsSpec("net", 30, (DiscountTier(2.0, 10), (D("1"), 20)))) == {
        "tiers.0.percent": "Must be a Decimal.",
        "tiers.1": "Must be a DiscountTier.",
    }
    assert errors_of(TermsSpec("net", 30, (DiscountTier(D("0"), 30),))) == {
        "tiers.0.percent": "Must be more than 0 and less than 100.",
        "tiers.0.days": "Must be less than the 30 days of the payment term.",
    }


def test_terms_error_message_lists_the_fields():
    with pytest.raises(TermsError, match=r"^days: Must not be negative\.$"):
        validate_terms(TermsSpec("net", -5))


# --- properties -----------------------------------------------------------------------------

CURRENCIES = ("EUR", "JPY", "BHD", "USD")


@st.composite
def specs(draw):
    net_days = draw(st.integers(min_value=0, max_value=400))
    tier_count = draw(st.integers(min_value=0, max_value=min(3, max(net_days - 1, 0))))
    day_choices = st.integers(1, net_days - 1) if net_days > 1 else st.nothing()
    tier_days = sorted(draw(st.sets(day_choices, min_size=tier_count, max_size=tier_count)))
    cents = sorted(
        draw(st.sets(st.integers(1, 9999), min_size=tier_count, max_size=tier_count)),
        reverse=True,
    )
    tiers = tuple(DiscountTier(D(c).scaleb(-2), d) for c, d in zip(cents, tier_days, strict=True))
    return TermsSpec(draw(st.sampled_from(("net", "end_of_month"))), net_days, tiers)


@st.composite
def amounts(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    unit = minor_unit(currency)
    gross = draw(st.integers(0, 10**10)) * unit
    base = draw(st.none() | st.integers(0, int(gross / unit)).map(lambda n: n * unit))
    return currency, gross, base


invoice_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@given(spec=specs(), invoice_date=invoice_dates, money=amounts())
def test_offers_end_before_the_due_date_and_add_up_to_gross(spec, invoice_date, money):
    currency, gross, base = money
    validate_terms(spec)
    due = due_date(spec, invoice_date=invoice_date)
    assert due >= invoice_date
    offers = discount_offers(spec, invoice_date=invoice_date, gross_amount=gross, currency=currency, discount_base=base)
    assert len(offers) == len(spec.tiers)
    for offer in offers:
        assert invoice_date < offer.deadline < due
        assert offer.amount_to_pay + offer.discount_amount == gross
        assert offer.discount_amount.as_tuple().exponent == minor_unit(currency).as_tuple().exponent
        assert D(0) <= offer.discount_amount <= (gross if base is None else base)
    assert [o.deadline for o in offers] == sorted(o.deadline for o in offers)
    assert [o.percent for o in offers] == sorted((o.percent for o in offers), reverse=True)
    assert [o.discount_amount for o in offers] == sorted((o.discount_amount for o in offers), reverse=True)


@given(spec=specs(), invoice_date=invoice_dates, money=amounts())
def test_every_xrechnung_note_satisfies_br_de_18(spec, invoice_date, money):
    currency, gross, base = money
    if currency != "EUR":
        gross, base = None, None  # BASISBETRAG is written with two decimals
    note = xrechnung_payment_terms(spec, invoice_date=invoice_date, gross_amount=gross, discount_base=base)
    assert br_de_18_holds(note)
    assert note.count("#SKONTO#") == len(spec.tiers)


@given(spec=specs(), language=st.sampled_from(("de", "en")), invoice_date=st.none() | invoice_dates)
def test_wording_has_one_sentence_per_tier_then_the_net_term(spec, language, invoice_date):
    text = terms_text(spec, language=language, invoice_date=invoice_date)
    discount_phrase, net_phrase = ("Skonto", "ohne Abzug.") if language == "de" else ("discount", "without deduction")
    assert text.count(discount_phrase) == len(spec.tiers)
    assert text.count(net_phrase) == 1
    assert text.rindex(net_phrase) > text.rfind(discount_phrase)
    assert "#" not in text  # a '#' in the free text would confuse BR-DE-18
