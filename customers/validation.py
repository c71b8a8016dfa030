"""Field rules for customer master data: normalise a value or say precisely what is wrong.

Each ``clean_*`` returns the normalised value or raises ``FieldProblem`` with a message
that names the value and the reason ("VAT ID DE136695977: check digit does not match").
Input services turn problems into field-level ValidationErrors; the verification
checklist runs the same rules over stored data (imports, rules that changed since).
Libraries do the arithmetic: python-stdnum (VAT IDs, ISO 7064), schwifty (IBAN, BIC),
email-validator, phonenumbers.
"""

from __future__ import annotations

import re

import phonenumbers
import pycountry
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from email_validator import EmailNotValidError, validate_email
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors
from stdnum import exceptions as stdnum_errors
from stdnum.eu import at_02 as sepa_creditor
from stdnum.eu import vat as eu_vat
from stdnum.iso7064 import mod_97_10

from .countries import COUNTRY_CODES


class FieldProblem(ValueError):
    """A value that cannot be right; the message is meant for finance staff."""


# --- VAT ID ---------------------------------------------------------------------------------
# python-stdnum names Greece "gr"; VAT IDs (and VIES) use the prefix EL.
VAT_PREFIXES = frozenset(code.upper() for code in eu_vat.MEMBER_STATES if code != "gr") | {"EL"}


def clean_vat_id(value: str) -> str:
    """An EU VAT ID (all member states, EL for Greece, XI for Northern Ireland), compact."""
    raw = (value or "").strip()
    compact = re.sub(r"[\s.\-/]", "", raw).upper()
    if not compact:
        return ""
    prefix = compact[:2]
    if prefix not in VAT_PREFIXES:
        if prefix == "GR":
            raise FieldProblem(
                _("VAT ID %(value)s: '%(prefix)s' is not the prefix of an EU VAT ID (Greece uses EL).")
                % {"value": raw, "prefix": prefix}
            )
        raise FieldProblem(
            _("VAT ID %(value)s: '%(prefix)s' is not the prefix of an EU VAT ID.") % {"value": raw, "prefix": prefix}
        )
    try:
        return eu_vat.validate(compact)
    except stdnum_errors.InvalidChecksum:
        raise FieldProblem(_("VAT ID %(value)s: check digit does not match.") % {"value": raw}) from None
    except stdnum_errors.InvalidLength:
        raise FieldProblem(
            _("VAT ID %(value)s: wrong length for a %(prefix)s VAT ID.") % {"value": raw, "prefix": prefix}
        ) from None
    except stdnum_errors.InvalidFormat:
        raise FieldProblem(
            _("VAT ID %(value)s: not the format of a %(prefix)s VAT ID.") % {"value": raw, "prefix": prefix}
        ) from None
    except stdnum_errors.ValidationError as exc:
        raise FieldProblem(_("VAT ID %(value)s: %(reason)s") % {"value": raw, "reason": exc.message}) from None


# --- Bank data ------------------------------------------------------------------------------
def clean_iban(value: str) -> IBAN:
    raw = (value or "").strip()
    if not raw:
        raise FieldProblem(_("IBAN is required."))
    try:
        return IBAN(raw)
    except schwifty_errors.InvalidChecksumDigits:
        raise FieldProblem(_("IBAN %(value)s: check digits do not match.") % {"value": raw}) from None
    except schwifty_errors.InvalidBBANChecksum:
        raise FieldProblem(
            _("IBAN %(value)s: the national account number's check digit does not match.") % {"value": raw}
        ) from None
    except schwifty_errors.InvalidLength:
        raise FieldProblem(
            _("IBAN %(value)s: wrong length for an IBAN from %(country)s.") % {"value": raw, "country": raw[:2].upper()}
        ) from None
    except schwifty_errors.InvalidCountryCode:
        raise FieldProblem(
            _("IBAN %(value)s: '%(country)s' is not a country that uses IBANs.")
            % {"value": raw, "country": raw[:2].upper()}
        ) from None
    except schwifty_errors.SchwiftyException as exc:
        raise FieldProblem(_("IBAN %(value)s: %(reason)s.") % {"value": raw, "reason": exc}) from None


def clean_bic(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        return str(BIC(raw).compact)
    except schwifty_errors.SchwiftyException as exc:
        raise FieldProblem(_("BIC %(value)s: %(reason)s.") % {"value": raw, "reason": exc}) from None


# SEPA creditor identifier (EPC "AT-02"): country, two check digits, a three-character business code
# the check ignores (ZZZ unless the creditor chose one), the national identifier; at most 35 characters.
CREDITOR_ID_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")
# Germany's national part is always eleven characters (Bundesbank: "DE" + 2 + 3 + 11 = 18).
CREDITOR_ID_LENGTH = {"DE": 18}


def clean_creditor_id(value: str) -> str:
    """A SEPA creditor identifier, compact and upper-case. The check digits are ISO 7064 MOD 97-10
    over the identifier without its business code (EPC262-08, Bundesbank), computed by
    python-stdnum's ``stdnum.eu.at_02``."""
    raw = (value or "").strip()
    compact = re.sub(r"[\s\-/]", "", raw).upper()
    if not compact:
        return ""
    if not CREDITOR_ID_SHAPE.fullmatch(compact) or len(compact) > 35:
        raise FieldProblem(
            _(
                "Creditor identifier %(value)s: not the form of a SEPA creditor identifier "
                "(country, two check digits, business code, national identifier, e.g. DE98ZZZ09999999999)."
            )
            % {"value": raw}
        )
    country = compact[:2]
    if country not in COUNTRY_CODES:
        raise FieldProblem(
            _("Creditor identifier %(value)s: '%(country)s' is not a country code.")
            % {"value": raw, "country": country}
        )
    expected = CREDITOR_ID_LENGTH.get(country)
    if expected and len(compact) != expected:
        raise FieldProblem(
            _("Creditor identifier %(value)s: a %(country)s identifier has %(length)s characters.")
            % {"value": raw, "country": country, "length": expected}
        )
    try:
        return sepa_creditor.validate(compact)
    except stdnum_errors.ValidationError:
        raise FieldProblem(_("Creditor identifier %(value)s: check digits do not match.") % {"value": raw}) from None


# --- Contact data ---------------------------------------------------------------------------
def clean_email(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        # Syntax and domain form only; no DNS (deliverability is the e-mail outbox's job).
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldProblem(_("E-mail %(value)s: %(reason)s") % {"value": raw, "reason": exc}) from None


def clean_phone(value: str, *, country: str) -> str:
    """A phone number in E.164; national numbers are read in the customer's country."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        raise FieldProblem(
            _("Phone %(value)s: not a phone number (add the country code, e.g. +49).") % {"value": raw}
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise FieldProblem(
            _("Phone %(value)s: too short or too long for %(region)s.")
            % {"value": raw, "region": phonenumbers.region_code_for_number(number)}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_assigned(e164: str) -> bool:
    """Whether an E.164 number lies in a range that is actually assigned (stricter than possible)."""
    return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


# --- Addresses ------------------------------------------------------------------------------
def clean_country(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in COUNTRY_CODES:
        raise FieldProblem(
            _("Country %(value)s: not an ISO 3166-1 country code (e.g. DE, AT, FR).") % {"value": repr(value)}
        )
    return code


# Postal code formats per country (Universal Postal Union / national posts), with a
# readable description for the message.
POSTAL_CODES: dict[str, tuple[str, str]] = {
    "AT": (r"\d{4}", gettext_noop("4 digits")),
    "BE": (r"\d{4}", gettext_noop("4 digits")),
    "BG": (r"\d{4}", gettext_noop("4 digits")),
    "CH": (r"\d{4}", gettext_noop("4 digits")),
    "CY": (r"\d{4}", gettext_noop("4 digits")),
    "CZ": (r"\d{3} ?\d{2}", gettext_noop("5 digits, e.g. 110 00")),
    "DE": (r"\d{5}", gettext_noop("5 digits")),
    "DK": (r"\d{4}", gettext_noop("4 digits")),
    "EE": (r"\d{5}", gettext_noop("5 digits")),
    "ES": (r"(0[1-9]|[1-4]\d|5[0-2])\d{3}", gettext_noop("5 digits starting 01–52")),
    "FI": (r"\d{5}", gettext_noop("5 digits")),
    "FR": (r"\d{5}", gettext_noop("5 digits")),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", gettext_noop("a UK postcode, e.g. SW1A 1AA")),
    "GR": (r"\d{3} ?\d{2}", gettext_noop("5 digits, e.g. 104 31")),
    "HR": (r"\d{5}", gettext_noop("5 digits")),
    "HU": (r"\d{4}", gettext_noop("4 digits")),
    "IE": (r"[AC-FHKNPRTV-Y]\d{2}[ ]?[AC-FHKNPRTV-Y\d]{4}", gettext_noop("an Eircode, e.g. D02 X285")),
    "IS": (r"\d{3}", gettext_noop("3 digits")),
    "IT": (r"\d{5}", gettext_noop("5 digits")),
    "LI": (r"94(8[5-9]|9[0-8])", gettext_noop("4 digits 9485–9498")),
    "LT": (r"(LT-)?\d{5}", gettext_noop("5 digits, e.g. LT-01100")),
    "LU": (r"(L-)?\d{4}", gettext_noop("4 digits, e.g. L-1511")),
    "LV": (r"(LV-)?\d{4}", gettext_noop("4 digits, e.g. LV-1050")),
    "MT": (r"[A-Z]{3} ?\d{4}", gettext_noop("3 letters and 4 digits, e.g. VLT 1117")),
    "NL": (r"[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}", gettext_noop("4 digits and 2 letters, e.g. 1012 AB")),
    "NO": (r"\d{4}", gettext_noop("4 digits")),
    "PL": (r"\d{2}-\d{3}", gettext_noop("NN-NNN, e.g. 00-950")),
    "PT": (r"\d{4}-\d{3}", gettext_noop("NNNN-NNN, e.g. 1000-001")),
    "RO": (r"\d{6}", gettext_noop("6 digits")),
    "SE": (r"\d{3} ?\d{2}", gettext_noop("5 digits, e.g. 114 55")),
    "SI": (r"(SI-)?\d{4}", gettext_noop("4 digits")),
    "SK": (r"\d{3} ?\d{2}", gettext_noop("5 digits, e.g. 811 01")),
    "US": (r"\d{5}(-\d{4})?", gettext_noop("a ZIP code, e.g. 10001 or 10001-1234")),
}


def clean_postal_code(value: str, *, country: str) -> str:
    code = re.sub(r"\s+", " ", (value or "").strip().upper())
    if not code:
        raise FieldProblem(_("Postal code is required."))
    rule = POSTAL_CODES.get(country)
    if rule and not re.fullmatch(rule[0], code):
        raise FieldProblem(
            _("Postal code %(value)s: not a valid %(country)s postal code (%(rule)s).")
            % {"value": value, "country": country, "rule": _(rule[1])}
        )
    return code


def postal_code_rule_known(country: str) -> bool:
    return country in POSTAL_CODES


# --- E-invoicing ------------------------------------------------------------------------------
LEITWEG_ID = re.compile(r"(?P<coarse>\d{2,12})(-(?P<fine>[A-Z0-9]{1,30}))?-(?P<check>\d{2})")


def clean_leitweg_id(value: str) -> str:
    """A Leitweg-ID (KoSIT): coarse address, optional fine address, ISO 7064 Mod 97-10 check digits."""
    raw = (value or "").strip()
    if not raw:
        return ""
    upper = raw.upper()
    if not LEITWEG_ID.fullmatch(upper):
        raise FieldProblem(
            _(
                "Leitweg-ID %(value)s: expected 2–12 digits, optionally '-' and up to 30 letters/digits, "
                "then '-' and 2 check digits (e.g. 04011000-1234512345-06)."
            )
            % {"value": raw}
        )
    if not mod_97_10.is_valid(upper.replace("-", "")):
        raise FieldProblem(_("Leitweg-ID %(value)s: check digits do not match.") % {"value": raw})
    return upper


# --- Money settings -------------------------------------------------------------------------
def clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise FieldProblem(_("Currency %(value)s: not an ISO 4217 currency code (e.g. EUR).") % {"value": repr(value)})
    return code
