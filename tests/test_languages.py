"""A third language needs a settings entry and a catalogue, no code (core.languages).

French is added here to ``settings.LANGUAGES`` with a tiny catalogue compiled into a scratch
LOCALE_PATHS entry; every place that used to name "de" and "en" must accept it, print its wording
where the catalogue has some, and format numbers and dates with its CLDR locale.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.languages import default_language, document_language, language_codes, percent_text
from customers.terms import DiscountTier, TermsSpec, terms_text
from invoicing.vatex import vatex_text

FRENCH = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgctxt "payment terms"
msgid "Payable without deduction %(when)s."
msgstr "Payable sans déduction %(when)s."

msgctxt "payment terms"
msgid "within %(days)s day"
msgid_plural "within %(days)s days"
msgstr[0] "sous %(days)s jour"
msgstr[1] "sous %(days)s jours"

msgctxt "date format on documents (CLDR pattern)"
msgid "d MMM y"
msgstr "d MMM y"

msgctxt "VAT exemption reason"
msgid "Export outside the EU"
msgstr "Exportation hors de l’UE"

msgctxt "unit of measure"
msgid "pcs"
msgstr "pièces"
"""


@pytest.fixture
def french(settings, tmp_path):
    """French in settings.LANGUAGES, with the catalogue above next to the project's own."""
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt (Debian package gettext) is needed to compile the test catalogue")
    folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(FRENCH, encoding="utf-8")
    subprocess.run(["msgfmt", "--check", "-o", folder / "django.mo", folder / "django.po"], check=True)  # noqa: S603,S607
    # Assigning the settings fires setting_changed, which empties Django's translation caches.
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path / "locale"]
    settings.LANGUAGES = [*settings.LANGUAGES, ("fr", "Français")]
    return settings


def test_the_language_list_is_the_settings_list(french):
    assert language_codes() == ("de", "en", "fr")
    assert document_language("fr") == "fr"
    assert document_language("it") == default_language() == "de"
    assert document_language(None) == "de"


def test_a_third_language_is_refused_until_it_is_in_the_settings(settings):
    assert "fr" not in language_codes()
    with pytest.raises(ValueError, match="fr"):
        terms_text(TermsSpec("net", 30), language="fr")


def test_payment_terms_are_worded_from_the_french_catalogue(french):
    spec = TermsSpec("net", 30)
    assert terms_text(spec, language="fr") == "Payable sans déduction sous 30 jours."
    assert terms_text(TermsSpec("net", 1), language="fr") == "Payable sans déduction sous 1 jour."
    # A message the French catalogue lacks falls back as Django falls back: to LANGUAGE_CODE's catalogue.
    dated = terms_text(spec, language="fr", invoice_date=date(2026, 9, 1))
    assert dated == "Payable sans déduction bis 1 oct. 2026."


def test_french_numbers_follow_cldr(french):
    spec = TermsSpec("net", 30, (DiscountTier(Decimal("2.5"), 10),))
    text = terms_text(spec, language="fr", gross_amount=Decimal("1234.50"))
    assert "2,5\u00a0%" in text and "30,86\u00a0€" in text
    assert percent_text("19", "fr") == "19\u00a0%"
    assert percent_text("19", "en") == "19%"


def test_exemption_reasons_and_units_in_french(french):
    from invoicing.documents.html import DocumentFormat

    assert vatex_text("VATEX-EU-G", "fr") == "Exportation hors de l’UE"
    fmt = DocumentFormat("fr")
    assert fmt.unit("C62") == "pièces"
    assert fmt.unit("KGM") == "kg"
    assert fmt.date(date(2026, 11, 27)) == "27 nov. 2026"


def test_a_language_not_in_the_settings_gets_the_english_exemption_text(settings):
    assert vatex_text("VATEX-EU-G", "it") == "Export outside the EU"


@pytest.mark.django_db
def test_customers_contacts_and_drafts_accept_the_new_language(french):
    from customers.models import Customer
    from customers.services.contacts import contact_clean
    from customers.services.master_data import customer_clean
    from invoicing.services.draft_cleaning import clean_header

    Customer._meta.get_field("language").clean("fr", None)  # the model's choices come from settings
    with pytest.raises(ValidationError):
        Customer._meta.get_field("language").clean("it", None)
    assert "language" not in _errors(customer_clean, {"language": "fr"})
    assert "language" in _errors(customer_clean, {"language": "it"})
    assert "language" not in _errors(contact_clean, {"language": "fr"}, country="DE")
    assert "language" in _errors(contact_clean, {"language": "it"}, country="DE")
    assert "language" not in _errors(clean_header, {"language": "fr"})
    assert "language" in _errors(clean_header, {"language": "it"})


def _errors(clean, data, **kwargs) -> dict:
    try:
        clean(data, **kwargs)
    except ValidationError as error:
        return error.message_dict
    return {}
