"""The languages Debitor speaks: the list is ``settings.LANGUAGES``, nothing else.

Adding a language is a settings entry plus a catalogue (``locale/<code>/LC_MESSAGES/django.po``);
no code names a language. Translate a new catalogue completely: for a message it lacks, Django
falls back to the catalogue of ``LANGUAGE_CODE`` (German), not to the English msgid. Babel (CLDR)
formats numbers, dates and money; the locale for a language is the code itself unless a territory
is named below.
"""

from __future__ import annotations

from babel import Locale
from django.conf import settings

# The territory whose conventions a language is formatted with, where the bare code is not what
# we print: German as in Germany; English messages and e-mails as in Britain ("4 December 2026").
MESSAGE_LOCALES = {"de": "de_DE", "en": "en_GB"}
# Documents (invoices, terms, statements) have always been printed with CLDR's plain "en"
# ("5 Sep 2026", "$1.00"); issued documents re-render byte for byte, so that stays.
DOCUMENT_LOCALES = {"de": "de_DE", "en": "en"}


def language_codes() -> tuple[str, ...]:
    """The codes of ``settings.LANGUAGES``, in their order."""
    return tuple(code for code, _name in settings.LANGUAGES)


def language_choices() -> list[tuple[str, str]]:
    """``settings.LANGUAGES`` as model/form choices (a callable, so a new language needs no migration)."""
    return list(settings.LANGUAGES)


def is_language(code: object) -> bool:
    return isinstance(code, str) and code in language_codes()


def default_language() -> str:
    """``settings.LANGUAGE_CODE`` when it is one of the languages, else the first of them."""
    code = settings.LANGUAGE_CODE.split("-")[0]
    return code if is_language(code) else language_codes()[0]


def document_language(code: str | None) -> str:
    """The language a document or message is written in: ``code`` if Debitor speaks it, else the default."""
    return code if is_language(code) else default_language()


def message_locale(code: str | None) -> str:
    """The Babel locale of e-mails and worded messages in language ``code``."""
    code = document_language(code)
    return MESSAGE_LOCALES.get(code, code)


def document_locale(code: str | None) -> str:
    """The Babel locale of printed documents (invoices, payment terms, statements) in language ``code``."""
    code = document_language(code)
    return DOCUMENT_LOCALES.get(code, code)


def percent_text(number: str, locale: str) -> str:
    """A formatted number with the percent sign placed as the locale writes it (CLDR): German
    separates it with a no-break space (DIN 5008, "19 %"), English does not ("19%")."""
    pattern = Locale.parse(locale).percent_formats[None]
    return f"{pattern.prefix[0]}{number}{pattern.suffix[0]}"
