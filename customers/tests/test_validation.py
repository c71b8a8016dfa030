"""Field rules: precise messages for wrong values, normalised values for right ones."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers.validation import (
    FieldProblem,
    clean_bic,
    clean_currency,
    clean_email,
    clean_iban,
    clean_leitweg_id,
    clean_phone,
    clean_postal_code,
    clean_vat_id,
)

pytestmark = pytest.mark.usefixtures("english")  # these pin the English wording


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE136695976", "DE136695976"),
        ("de 136 695 976", "DE136695976"),
        ("ATU13585627", "ATU13585627"),
        ("EL094259216", "EL094259216"),
        ("FR40303265045", "FR40303265045"),
        ("NL004495445B01", "NL004495445B01"),
        ("", ""),
    ],
)
def test_valid_vat_ids_are_kept_compact_and_upper_case(raw, expected):
    assert clean_vat_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("DE136695977", "VAT ID DE136695977: check digit does not match."),
        ("DE13669597", "VAT ID DE13669597: wrong length for a DE VAT ID."),
        ("GR094259216", "'GR' is not the prefix of an EU VAT ID (Greece uses EL)"),
        ("US123456789", "'US' is not the prefix of an EU VAT ID"),
    ],
)
def test_wrong_vat_ids_say_why(raw, message):
    with pytest.raises(FieldProblem) as problem:
        clean_vat_id(raw)
    assert message in str(problem.value)


def test_iban_is_normalised_and_wrong_check_digits_are_named():
    assert str(clean_iban("de89 3704 0044 0532 0130 00").compact) == "DE89370400440532013000"
    with pytest.raises(FieldProblem, match="IBAN DE89370400440532013001: check digits do not match"):
        clean_iban("DE89370400440532013001")
    with pytest.raises(FieldProblem, match="wrong length"):
        clean_iban("DE8937040044053201300")


VALID_IBANS = [
    "DE89370400440532013000",
    "AT611904300234573201",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "BE68539007547034",
    "GB29NWBK60161331926819",
]


@given(st.sampled_from(VALID_IBANS), st.data())
def test_any_single_digit_error_in_an_iban_is_caught(iban, data):
    # ISO 7064 MOD 97-10 detects every single substitution, wherever it happens.
    assert str(clean_iban(iban).compact) == iban
    position = data.draw(st.sampled_from([i for i, ch in enumerate(iban) if ch.isdigit()]))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != iban[position]]))
    broken = iban[:position] + replacement + iban[position + 1 :]
    with pytest.raises(FieldProblem):
        clean_iban(broken)


def test_bic_structure_is_checked():
    assert clean_bic("cobadeffxxx") == "COBADEFFXXX"
    with pytest.raises(FieldProblem, match="BIC COBA"):
        clean_bic("COBA")


def test_email_syntax_and_domain_form_are_checked_without_dns():
    assert clean_email(" Anna.Schmidt@Example.COM ") == "Anna.Schmidt@example.com"
    with pytest.raises(FieldProblem, match="E-mail anna@localhost"):
        clean_email("anna@localhost")
    with pytest.raises(FieldProblem, match="E-mail anna.example.com"):
        clean_email("anna.example.com")


def test_phone_numbers_become_e164_read_in_the_customers_country():
    assert clean_phone("089 123456", country="DE") == "+4989123456"
    assert clean_phone("+43 1 5879000", country="DE") == "+4315879000"
    assert clean_phone("01 42 68 53 00", country="FR") == "+33142685300"
    with pytest.raises(FieldProblem, match="not a phone number"):
        clean_phone("call me", country="DE")


@pytest.mark.parametrize(
    ("code", "country", "ok"),
    [
        ("80331", "DE", True),
        ("8033", "DE", False),
        ("1010", "AT", True),
        ("1012 ab", "NL", True),
        ("1012 SA", "NL", False),
        ("00-950", "PL", True),
        ("00950", "PL", False),
        ("SW1A 1AA", "GB", True),
        ("D02 X285", "IE", True),
        ("99999", "ZZ", True),  # no rule known: accepted
    ],
)
def test_postal_codes_follow_the_countrys_format(code, country, ok):
    if ok:
        assert clean_postal_code(code, country=country) == code.upper()
    else:
        with pytest.raises(FieldProblem, match=f"not a valid {country} postal code"):
            clean_postal_code(code, country=country)


def test_leitweg_ids_are_checked_with_iso_7064_mod_97_10():
    assert clean_leitweg_id("04011000-1234512345-06") == "04011000-1234512345-06"
    assert clean_leitweg_id("991-01234-38") == "991-01234-38"
    with pytest.raises(FieldProblem, match="check digits do not match"):
        clean_leitweg_id("04011000-1234512345-07")
    with pytest.raises(FieldProblem, match="expected 2–12 digits"):
        clean_leitweg_id("ABC")


def test_currencies_are_iso_4217():
    assert clean_currency("eur") == "EUR"
    with pytest.raises(FieldProblem, match="not an ISO 4217"):
        clean_currency("EURO")
