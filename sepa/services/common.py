"""What every SEPA file needs: the creditor's data from the company profile, the SEPA character
set, identifiers for the message, its payment blocks and transactions."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import CompanyProfile
from customers.validation import FieldProblem, clean_creditor_id, clean_iban

# The SEPA character set for references (EPC217-08, Latin characters of the interbank space).
SEPA_TEXT = re.compile(r"[A-Za-z0-9+?/\-:().,' ]+")


# The EEA (EU, Iceland, Liechtenstein, Norway). A debtor whose bank is in a SEPA country outside it
# (Switzerland, the United Kingdom, Monaco, San Marino, Andorra, the Vatican …) must be given with
# BIC and postal address (EPC Rulebook).
EEA = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO".split())


def outside_eea(iban: str) -> bool:
    return iban[:2].upper() not in EEA


def user_or_none(by):
    return by if getattr(by, "pk", None) else None


def creditor_profile(*, needs_creditor_id: bool) -> CompanyProfile:
    """The company profile with what a SEPA file names: name and IBAN, and for direct debits a
    valid creditor identifier (no collection without one). A refusal says which profile field."""
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise ValidationError(_("The company profile is missing; a SEPA file names the company and its account."))
    problems = []
    if not profile.name.strip():
        problems.append(_("The company profile has no company name."))
    try:
        clean_iban(profile.iban)
    except FieldProblem as problem:
        problems.append(_("Company profile, bank account: %(problem)s") % {"problem": problem})
    if needs_creditor_id:
        if not profile.sepa_creditor_id:
            problems.append(
                _(
                    "The company profile has no SEPA creditor identifier; the Bundesbank assigns it "
                    "(e.g. DE98ZZZ09999999999)."
                )
            )
        else:
            try:
                clean_creditor_id(profile.sepa_creditor_id)
            except FieldProblem as problem:
                problems.append(_("Company profile: %(problem)s") % {"problem": problem})
    if problems:
        raise ValidationError(problems)
    return profile


def new_message_id(prefix: str, as_of: datetime) -> str:
    """A message id (GrpHdr/MsgId) unique for the creditor: kind, time and random part, 24
    characters, so item ids built on it stay within 35."""
    return f"{prefix}{as_of:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def end_to_end_id(message_id: str, position: int) -> str:
    """The transaction's EndToEndId: the message id and its position; unique like the message id.
    The bank quotes it on statements and returns (the bank-statement side matches by it)."""
    return f"{message_id}-{position:05d}"


def payment_info_id(message_id: str, sequence_type: str) -> str:
    """One PmtInf block per sequence type within a file (and date): the message id and the type."""
    return f"{message_id}-{sequence_type}"
