"""German business transaction codes (Geschäftsvorfallcodes, GVC) of MT940 field :86:.

What a code means is taken from the Deutsche Kreditwirtschaft's specification of the data formats
(DFÜ-Abkommen, Anlage 3 "Spezifikation der Datenformate", Version 3.2, chapter on MT940 field 86
and its list of business transaction codes). Field 86 starts with the three-digit GVC, then
subfields: ``?00`` posting text, ``?10`` prima nota, ``?20``–``?29`` and ``?60``–``?63`` purpose,
``?30`` BIC (or bank code) of the counterparty, ``?31`` its IBAN (or account), ``?32``/``?33`` its
name, ``?34`` the text key supplement (Textschlüsselergänzung) and ``?70``–``?71`` further
information.

``?34`` is a three-digit text key supplement on every kind of booking (a credit transfer carries
``000`` or the sender's key); only on a return (Rückgabe, Rücklastschrift, Rücküberweisung) does it
hold the return reason, as the numeric equivalent of the SEPA reason code (902 …). So a return
reason is read from ``?34`` only when the GVC is one of ``RETURN``.

Families (``family(gvc)``) are what the importer needs: how a line is classified
(``payments.bank.debits.codes``) and whether its subfields name a return reason. A code not
listed is ``OTHER`` and never read as a return. A reversal (Storno) is not a GVC of its own:
MT940 marks it in :61: (``RC``/``RD``).
"""

from __future__ import annotations

TRANSFER = "transfer"  # Überweisung, Dauerauftrag, Lohn/Gehalt, Spende, öffentliche Kassen
DIRECT_DEBIT = "direct_debit"  # Lastschrift (Einzug) and its collection (Gutschrift aus Lastschrift)
RETURN = "return"  # Rücklastschrift, Rücküberweisung/Retoure, Rückruf
CHARGE = "charge"  # Abschluss, Entgelte, Zinsen, Porto
CARD = "card"  # card payments and card clearing
CHEQUE = "cheque"  # Scheck, Scheckeinreichung, Reisescheck
CASH = "cash"  # Ein- und Auszahlung, Geldautomat
OTHER = "other"  # securities, loans, foreign exchange, Sammler without details …


def _codes(*parts: str | range) -> frozenset[str]:
    codes: set[str] = set()
    for part in parts:
        codes.update(f"{number:03d}" for number in part) if isinstance(part, range) else codes.add(part)
    return frozenset(codes)


_FAMILIES: dict[str, frozenset[str]] = {
    # National payments (0xx) and SEPA payments (1xx).
    TRANSFER: _codes(
        "008",
        "013",
        "014",
        "015",
        "019",
        "020",
        "051",
        "052",
        "053",
        "054",
        "056",
        "058",
        "068",
        "069",
        "084",
        "087",
        "088",
        range(112, 120),
        range(150, 159),
        range(166, 170),
        "177",
        "191",
        "194",
    ),
    DIRECT_DEBIT: _codes(
        "004", "005", "006", "071", "072", "104", "105", "107", "171", "174", "192", "195", "197", "198"
    ),
    RETURN: _codes("009", "010", "059", "108", "109", "159", "160", "181", "184", "185", "186", "189", "193", "196"),
    CARD: _codes("106", "173"),
    CHEQUE: _codes("001", "002", "003", "011", "070"),
    CASH: _codes("082", "083"),
    # Account closing, fees and interest (8xx, "sonstige Geschäftsvorfälle").
    CHARGE: _codes(range(805, 810), "814"),
}
_BY_CODE = {code: name for name, codes in _FAMILIES.items() for code in codes}

RETURN_GVC = _FAMILIES[RETURN]
# Batch bookings of SEPA files we submitted (Sammler): 191 credit transfers (debit), 192 core and
# 195 B2B direct debits (credit). Their customer reference is the file's payment information id.
SAMMLER_GVC = frozenset({"191", "192", "195"})
CHARGE_GVC = _FAMILIES[CHARGE]


def family(gvc: str) -> str:
    """The family of a three-digit GVC (``OTHER`` for a code not listed)."""
    return _BY_CODE.get((gvc or "").strip(), OTHER)


def carries_return_reason(gvc: str) -> bool:
    """Whether ``?34`` (and a reason in the purpose) is the return reason of this booking."""
    return family(gvc) == RETURN
