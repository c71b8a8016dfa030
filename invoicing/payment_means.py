"""How an issued invoice is paid (EN 16931 BG-16 to BG-19), fixed at issue in ``Invoice.payment_means``.

The apps that know register a provider with ``invoicing.hooks.invoice_payment_means_register``;
``invoice_issue`` asks them once, checks the answer here (``payment_means_checked``) and stores it
on the invoice, where the GoBD trigger freezes it with the rest of the document. The PDF, the
e-mail and the e-invoice read only this snapshot, so a later card payment, a revoked mandate or
a changed creditor identifier never changes an issued document.

The shapes (strings only, JSON):

- ``{}`` — nothing registered, or no provider answered: SEPA credit transfer (UNTDID 4461 code 58)
  to the seller's account, as before payment means existed; credit notes always stay here.
- direct debit (code 59, BG-19), from ``sepa.payment_means``::

      {"code": "59", "mandate_reference": "M-2026-001",      # BT-89
       "creditor_id": "DE98ZZZ09999999999",                  # BT-90
       "debtor_iban": "DE02120300000000202051",              # BT-91 (no spaces)
       "debtor_name": "Muster GmbH", "scheme": "CORE",       # or "B2B"
       "collection_date": "2026-12-14", "amount": "238.00"}  # the pre-notification

  ``amount`` is the invoice's amount due; ``collection_date`` a TARGET2 day on or after the
  invoice date and the due date.
- card paid at issue (codes 54 credit card, 48 bank card or brand unknown; BG-18)::

      {"code": "54", "card_last4": "4242",                   # BT-87: the last four digits, nothing else
       "card_holder": "Erika Mustermann",                    # BT-88, may be ""
       "paid_amount": "238.00", "paid_on": "2026-11-27"}     # BT-113; paid_on defaults to the invoice date

  ``paid_amount`` becomes the invoice's prepaid amount (BT-113), so the amount due (BT-115) is
  the rest — 0 when the card paid all of it. The card payment is therefore not an open item of
  the invoice: whoever records it must not allocate it to the invoice a second time.

The sentences printed for each shape (``payment_means_text``) are the invoice's payment terms
text (BT-20) as issued: the pre-notification of the SEPA Rulebook for direct debit, the card
payment for card-paid invoices.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from schwifty import IBAN

from core.formatting import money_text
from core.languages import document_language, document_locale
from core.money import minor_unit

CREDIT_TRANSFER = "58"
DIRECT_DEBIT = "59"
CREDIT_CARD = "54"
BANK_CARD = "48"
CARD_CODES = (CREDIT_CARD, BANK_CARD)
SCHEMES = ("CORE", "B2B")

FIELD = "payment_means"
_LAST4 = re.compile(r"[0-9]{4}")
_DIRECT_DEBIT_KEYS = (
    "mandate_reference",
    "creditor_id",
    "debtor_iban",
    "debtor_name",
    "collection_date",
    "amount",
    "scheme",
)


def _refuse(message: str):
    raise ValidationError({FIELD: [message]})


def _text(data: dict, key: str, *, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        _refuse(_("The payment means lack “%(key)s”.") % {"key": key})
    value = value.strip()
    if len(value) > limit:
        _refuse(_("“%(key)s” of the payment means is longer than %(limit)s characters.") % {"key": key, "limit": limit})
    return value


def _money(data: dict, key: str, currency: str) -> Decimal:
    try:
        value = Decimal(str(data.get(key)))
        # More places than the currency has, or too large to quantize (InvalidOperation): refused.
        fits = value.is_finite() and value > 0 and value == value.quantize(minor_unit(currency))
    except InvalidOperation:
        fits = False
    if not fits:
        _refuse(
            _("“%(key)s” of the payment means must be an amount above zero in %(currency)s, not “%(value)s”.")
            % {"key": key, "currency": currency, "value": data.get(key)}
        )
    return value


def _day(data: dict, key: str) -> date:
    try:
        return date.fromisoformat(str(data.get(key)))
    except ValueError:
        _refuse(_("“%(key)s” of the payment means must be a date (YYYY-MM-DD).") % {"key": key})


def card_last4_checked(value) -> str:
    """BT-87 holds the last four digits of the card number and nothing else (PCI DSS: an invoice
    never carries the primary account number). The refusal never repeats what it was given."""
    if not isinstance(value, str) or not _LAST4.fullmatch(value):
        _refuse(
            _(
                "The card number on an invoice (BT-87) is exactly its last four digits; "
                "%(length)s characters were given instead."
            )
            % {"length": len(value) if isinstance(value, str) else 0}
        )
    return value


def payment_means_checked(data: dict | None, *, invoice) -> dict:
    """A provider's answer for ``invoice`` (totals, dates and currency set), normalised for storing;
    ``ValidationError`` on the field ``payment_means`` naming what is wrong. Credit notes take
    no payment means: they are settled against the invoice they correct."""
    if not data:
        return {}
    if not isinstance(data, dict):
        _refuse(_("The payment means must be a mapping."))
    code = str(data.get("code", ""))
    if invoice.document_type != "invoice":
        _refuse(_("A credit note is refunded or offset; it is never collected or paid by card."))
    if code == DIRECT_DEBIT:
        return _direct_debit_checked(data, invoice=invoice)
    if code in CARD_CODES:
        return _card_checked(data, invoice=invoice)
    _refuse(
        _("Unknown payment means code “%(code)s”: direct debit is 59, card payments are 54 or 48.") % {"code": code}
    )


def _direct_debit_checked(data: dict, *, invoice) -> dict:
    unknown = set(data) - {"code", *_DIRECT_DEBIT_KEYS}
    if unknown:
        _refuse(_("Unknown payment means fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if invoice.currency != "EUR":
        _refuse(
            _("SEPA direct debit collects euros only; this invoice is in %(currency)s.")
            % {"currency": invoice.currency}
        )
    iban = "".join(_text(data, "debtor_iban", limit=42).split()).upper()
    try:
        IBAN(iban)
    except ValueError:
        _refuse(_("The account of the mandate (BT-91) is not a valid IBAN."))
    scheme = _text(data, "scheme", limit=4)
    if scheme not in SCHEMES:
        _refuse(_("The mandate's scheme must be CORE or B2B, not “%(scheme)s”.") % {"scheme": scheme})
    amount = _money(data, "amount", invoice.currency)
    if amount != invoice.amount_due:
        _refuse(
            _("The direct debit collects %(amount)s, but the invoice's amount due is %(due)s.")
            % {"amount": money_text(amount, invoice.currency), "due": money_text(invoice.amount_due, invoice.currency)}
        )
    collection = _day(data, "collection_date")
    if collection < invoice.invoice_date or (invoice.due_date and collection < invoice.due_date):
        _refuse(_("The collection date lies before the invoice date or the due date."))
    return {
        "code": DIRECT_DEBIT,
        "mandate_reference": _text(data, "mandate_reference", limit=35),
        "creditor_id": _text(data, "creditor_id", limit=35),
        "debtor_iban": iban,
        "debtor_name": _text(data, "debtor_name", limit=70),
        "collection_date": collection.isoformat(),
        "amount": str(amount),
        "scheme": scheme,
    }


def _card_checked(data: dict, *, invoice) -> dict:
    unknown = set(data) - {"code", "card_last4", "card_holder", "paid_amount", "paid_on"}
    if unknown:
        _refuse(_("Unknown payment means fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    last4 = card_last4_checked(data.get("card_last4"))
    holder = data.get("card_holder") or ""
    if not isinstance(holder, str) or len(holder) > 70:
        _refuse(_("The card holder's name must be text of at most 70 characters."))
    paid = _money(data, "paid_amount", invoice.currency)
    if paid > invoice.tax_inclusive_total:
        _refuse(
            _("The card payment of %(paid)s exceeds the invoice total %(total)s.")
            % {
                "paid": money_text(paid, invoice.currency),
                "total": money_text(invoice.tax_inclusive_total, invoice.currency),
            }
        )
    if invoice.prepaid_amount and invoice.prepaid_amount != paid:
        _refuse(
            _("The draft states a prepaid amount of %(prepaid)s, but the card paid %(paid)s.")
            % {
                "prepaid": money_text(invoice.prepaid_amount, invoice.currency),
                "paid": money_text(paid, invoice.currency),
            }
        )
    paid_on = _day(data, "paid_on") if data.get("paid_on") else invoice.invoice_date
    if paid_on > invoice.invoice_date:
        _refuse(_("A card payment made at issue cannot be dated after the invoice date."))
    return {
        "code": str(data["code"]),
        "card_last4": last4,
        "card_holder": holder.strip(),
        "paid_amount": str(paid),
        "paid_on": paid_on.isoformat(),
    }


def is_direct_debit(means: dict | None) -> bool:
    return bool(means) and means.get("code") == DIRECT_DEBIT


def is_card(means: dict | None) -> bool:
    return bool(means) and means.get("code") in CARD_CODES


def iban_masked(iban: str) -> str:
    """An IBAN for print: country, check digits and the last four characters, in groups of four
    (``DE89 **** **** **** **30 00``). The full IBAN is in the e-invoice (BT-91)."""
    compact = "".join(iban.split()).upper()
    masked = compact[:4] + "*" * max(len(compact) - 8, 0) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def _date_text(value: str, language: str) -> str:
    # The documents' own date pattern (invoicing.documents.html.DocumentFormat.date).
    with translation.override(language):
        pattern = pgettext("date format on documents (CLDR pattern)", "d MMM y")
    return format_date(date.fromisoformat(value), pattern, locale=document_locale(language))


def payment_means_text(means: dict | None, *, currency: str, language: str) -> str:
    """The sentence that tells the customer how the invoice is paid, in ``language``, or "" for a
    credit transfer. Direct debit: the pre-notification (SEPA Rulebook: amount, collection date,
    mandate reference, creditor identifier) with the debtor's IBAN masked."""
    if not means:
        return ""
    language = document_language(language)
    locale = document_locale(language)
    with translation.override(language):
        if is_direct_debit(means):
            return _(
                "The amount of %(amount)s will be collected by SEPA direct debit on %(date)s from the "
                "account %(iban)s under mandate reference %(mandate)s, creditor identifier %(creditor)s."
            ) % {
                "amount": format_currency(Decimal(means["amount"]), currency, locale=locale),
                "date": _date_text(means["collection_date"], language),
                "iban": iban_masked(means["debtor_iban"]),
                "mandate": means["mandate_reference"],
                "creditor": means["creditor_id"],
            }
        if is_card(means):
            return _("%(amount)s paid by card ending in %(last4)s on %(date)s.") % {
                "amount": format_currency(Decimal(means["paid_amount"]), currency, locale=locale),
                "last4": means["card_last4"],
                "date": _date_text(means["paid_on"], language),
            }
    return ""
