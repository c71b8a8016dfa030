"""Messages stored as a code with parameters and worded when they are read.

Import errors, statement warnings and matching explanations are written by a background job but
read later by finance staff in German or English and by API clients asking in either language.
A stored sentence would fix the language of whoever caused it, so what is stored is
``{"code": ..., "params": {...}}`` and ``message_text`` words it in the active language.

Each code is defined once, next to the code that raises it, with its English wording wrapped in
``gettext_noop`` so makemessages finds it::

    BALANCE_MISMATCH = message_define(
        "bank.balance_mismatch", gettext_noop("Opening balance %(opening)s ... %(difference)s")
    )
    stored = message(BALANCE_MISMATCH, opening=Money(amount, "EUR"), difference=Money(...))

Amounts (``Money``), plain decimals and dates stay typed in the stored parameters, so they are
formatted for the reader's language too (CLDR through Babel), not for the writer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext, pgettext

from core.formatting import date_text, datetime_text, money_text
from core.languages import message_locale

_CATALOGUE: dict[str, str] = {}


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Term:
    """A word of the catalogue (its English msgid, marked with ``gettext_noop``) used as a
    parameter, e.g. the name of a field: translated when read, like the message around it."""

    msgid: str
    context: str = ""  # the msgctxt of a word marked with pgettext (a status, say); "" for gettext


def message_define(code: str, msgid: str) -> str:
    """Register ``code`` with its English wording (already marked with ``gettext_noop``)."""
    known = _CATALOGUE.get(code)
    if known is not None and known != msgid:
        raise ValueError(f"message code {code!r} is defined twice with different wording")
    _CATALOGUE[code] = msgid
    return code


def message_wording(code: str) -> str | None:
    """The English wording of ``code``, or None for a code nobody defined."""
    return _CATALOGUE.get(code)


def _stored_param(value):
    if isinstance(value, Money):
        return {"$": "money", "amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Term):
        if value.context:
            return {"$": "term", "value": value.msgid, "context": value.context}
        return {"$": "term", "value": value.msgid}
    if isinstance(value, datetime):
        return {"$": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "value": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$": "decimal", "value": str(value)}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict) and "code" in value and "params" in value:
        # A stored message (``message(...)``) as a part of another, e.g. a place in a file or a label.
        return {"$": "message", "code": value["code"], "params": value["params"]}
    if isinstance(value, list | tuple):
        return {"$": "list", "items": [_stored_param(item) for item in value]}
    raise TypeError(
        "a message parameter must be Money, a Term, a date, a Decimal, a number, text, a stored message "
        f"or a list of these, not {type(value)}"
    )


def message(code: str, /, **params) -> dict:
    """The stored form of one message; ``code`` must have been defined with ``message_define``."""
    if code not in _CATALOGUE:
        raise KeyError(f"undefined message code {code!r}")
    return {"code": code, "params": {name: _stored_param(value) for name, value in params.items()}}


def _locale() -> str:
    return message_locale((translation.get_language() or "").split("-")[0])


def _worded_param(value, locale: str) -> str:
    if not isinstance(value, dict) or "$" not in value:
        return "" if value is None else str(value)
    kind = value["$"]
    if kind == "money":
        return money_text(Decimal(value["amount"]), value["currency"])
    if kind == "term":
        if value.get("context"):
            return pgettext(value["context"], value["value"])
        return gettext(value["value"])
    if kind == "message":
        return message_text(value)
    if kind == "list":
        return ", ".join(_worded_param(item, locale) for item in value.get("items") or [])
    if kind == "decimal":
        return format_decimal(Decimal(value["value"]), locale=locale)
    if kind == "date":
        return date_text(date.fromisoformat(value["value"]))
    if kind == "datetime":
        return datetime_text(datetime.fromisoformat(value["value"]))
    return str(value.get("value", ""))


def message_text(stored: dict | None) -> str:
    """``stored`` worded in the active language. A code nobody defines any more (an old row) is
    shown with its parameters rather than dropped, so nothing recorded becomes invisible."""
    if not stored:
        return ""
    code = stored.get("code", "")
    params = stored.get("params") or {}
    locale = _locale()
    worded = {name: _worded_param(value, locale) for name, value in params.items()}
    msgid = _CATALOGUE.get(code)
    if msgid is not None:
        try:
            return gettext(msgid) % worded
        except (KeyError, ValueError, TypeError):
            pass
        try:
            # A translation whose placeholders drifted from the stored parameters: the English
            # wording still names every parameter (tests/test_translations.py keeps them in step).
            return msgid % worded
        except (KeyError, ValueError, TypeError):
            pass  # a row stored with fewer parameters than its wording names now: shown as stored
    # A code nobody defines any more, or parameters the wording cannot take: code and parameters.
    details = ", ".join(f"{name}={text}" for name, text in sorted(worded.items()))
    return f"{code} ({details})" if details else code


def messages_text(stored: list[dict] | None, *, separator: str = "\n") -> str:
    return separator.join(message_text(item) for item in stored or [])
