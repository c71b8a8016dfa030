"""ISO 3166-1 countries and the EU member states, named in the active language (CLDR via Babel)."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale
from django.utils.translation import get_language

# EU member states by ISO country code (VAT prefixes differ: Greece is EL, Northern Ireland XI).
EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def vat_prefix_country(prefix: str) -> str:
    """The ISO country of a VAT ID prefix (EL is Greece, XI is Northern Ireland in the UK)."""
    return VAT_PREFIX_COUNTRY.get(prefix, prefix)


@lru_cache(maxsize=8)
def _choices_for(language: str) -> tuple[tuple[str, str], ...]:
    try:
        names = Locale.parse(language.replace("-", "_")).territories
    except (ValueError, TypeError):
        names = {}
    return tuple(
        sorted(
            ((c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries),
            key=lambda item: item[1],
        )
    )


def country_choices() -> tuple[tuple[str, str], ...]:
    return _choices_for(get_language() or "en")


COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)
