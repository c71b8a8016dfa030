"""SWIFT MT940 account statements, as German, Dutch and most other banks still deliver them.

The tag grammar (``:20:``, ``:25:``, ``:60F:``, ``:61:``, ``:86:``, ``:62F:`` …) is read by the
``mt-940`` library; this module adds what the library leaves open: line numbers in every error,
tolerant decoding (files are usually cp1252 or ISO-8859-1, not UTF-8), a statement per ``:20:``
block, and the ``:86:`` details. Those come in three shapes:

* German structured details (DFÜ-Abkommen, Anlage 3, "MT940 Strukturierung"): a three-digit
  Geschäftsvorfallcode (GVC), then subfields ``?00`` posting text, ``?10`` prima nota,
  ``?20``–``?29`` and ``?60``–``?63`` purpose, ``?30`` BIC, ``?31`` IBAN or account, ``?32``/``?33``
  name, ``?34`` return key. SEPA payments carry keyed text in the purpose (``EREF+``, ``KREF+``,
  ``MREF+``, ``CRED+``, ``SVWZ+``, ``ABWA+`` …) which is cut into 27-character pieces without
  regard for words, so the pieces are joined without a separator.
* SWIFT-style slash keys used by Dutch banks and others: ``/TRTP/…/IBAN/…/NAME/…/REMI/…/EREF/…``.
* Free text, kept as the remittance.

Amounts are Decimal, dates are ``date``; ``RC`` (reversal of a credit) is money out and ``RD``
(reversal of a debit) money in, as SWIFT defines them.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import mt940
from django.utils.translation import gettext_noop
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from core.messages import message_define
from payments.bank.gvc import SAMMLER_GVC, carries_return_reason
from payments.bank.types import ParsedLine, ParsedStatement, StatementFormatError, line_location, quoted

NO_STATEMENT = message_define(
    "bank.mt940.no_statement", gettext_noop("No MT940 statement found: no line starts with :20:.")
)
UNKNOWN_TAG = message_define("bank.mt940.unknown_tag", gettext_noop("Unknown tag :%(tag)s:."))
MALFORMED = message_define("bank.mt940.malformed", gettext_noop("Malformed :%(tag)s: field %(value)s."))
MISSING_TAG = message_define("bank.mt940.missing_tag", gettext_noop("The statement has no %(tag)s field."))
NO_OPENING = message_define(
    "bank.mt940.no_opening", gettext_noop("The statement has no opening balance (:60F: or :60M:).")
)
NO_CLOSING = message_define(
    "bank.mt940.no_closing", gettext_noop("The statement has no closing balance (:62F: or :62M:).")
)
BAD_CURRENCY = message_define(
    "bank.mt940.bad_currency", gettext_noop("Invalid currency %(currency)s in the opening balance.")
)
MIXED_CURRENCIES = message_define(
    "bank.mt940.mixed_currencies", gettext_noop("Opening and closing balances are in different currencies.")
)
NO_TYPE = message_define(
    "bank.mt940.no_type", gettext_noop("Malformed :61: field: no transaction type after the amount.")
)

__all__ = ["decode_statement_text", "parse_mt940"]

_TAG_RE = re.compile(r"^:(?P<tag>\d{2}[A-Z]?|NS):")
_KNOWN_TAGS = {str(tag_id) for tag_id in mt940.models.Transactions.default_tags()}
_REQUIRED_TAGS = {"20": ":20:", "25": ":25:"}

_GERMAN_DETAILS_RE = re.compile(r"^(?P<gvc>\d{3})(?=\?\d{2})")
_SUBFIELD_RE = re.compile(r"\?(\d{2})")
_SEPA_KEYS = (
    "EREF",
    "KREF",
    "MREF",
    "CRED",
    "SVWZ",
    "ABWA",
    "ABWE",
    "IBAN",
    "BIC",
    "DEBT",
    "COAM",
    "OAMT",
    "PURP",
    "MDAT",
    "SQTP",
    "ORCR",
    "ORMR",
    "DDAT",
    "RTRN",
)
_SLASH_KEYS = (
    "TRTP",
    "IBAN",
    "BIC",
    "NAME",
    "REMI",
    "EREF",
    "MARF",
    "CSID",
    "RTRN",
    "PREF",
    "KREF",
    "ORDP",
    "BENM",
    "CNTP",
    "PURP",
    "ULTC",
    "ULTD",
    "NRTX",  # number of transactions of a batch booking
)
_SLASH_RE = re.compile(r"/(" + "|".join(_SLASH_KEYS) + r")/")
_CHARGES_RE = re.compile(r"/CHGS/(?P<currency>[A-Z]{3})?(?P<amount>\d+(?:,\d*)?)")
# ISO 20022 return reasons (ExternalReturnReason1Code) that appear in SEPA return texts.
_ISO_RETURN_RE = re.compile(
    r"\b(AC0[1-6]|AC13|AG0[12]|AM0[45]|BE05|CNOR|DNOR|FF01|MD0[1-7]|MS0[23]|RC01|RR0[1-4]|SL01|FOCR|DUPL|TECH|FRAD|CUST)\b"
)
_NO_REFERENCE = {"", "NONREF", "KREF+", "EREF", "NOTPROVIDED"}


def decode_statement_text(data: bytes) -> str:
    """Decode a statement file: UTF-8 (with or without BOM) when it is valid UTF-8, otherwise cp1252,
    otherwise ISO-8859-1 (which decodes any byte). MT940 files from German banks are mostly cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("iso-8859-1")


def parse_mt940(data: bytes) -> list[ParsedStatement]:
    """Parse an MT940 file into one ``ParsedStatement`` per ``:20:`` block, all or nothing.

    Header lines before a block (``{1:…}{2:…}{4:`` SWIFT envelopes, bank names, ``940``) and the
    ``-`` / ``-}`` trailers are skipped. Raises ``StatementFormatError`` naming the line for a
    malformed tag, a missing mandatory tag (``:20:``, ``:25:``, ``:60F:``/``:60M:``,
    ``:62F:``/``:62M:``) or a file without any statement.
    """
    text = decode_statement_text(data)
    blocks = _split_blocks(text.splitlines())
    if not blocks:
        raise StatementFormatError(NO_STATEMENT, location=_at(1))
    return [_parse_block(block) for block in blocks]


# -- blocks and tags ---------------------------------------------------------------------------------


def _split_blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Cut the file into statement blocks of (line number, text), one per ``:20:``."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip().replace("\x00", "")
        if line.startswith("{") and ":20:" in line:
            # A SWIFT envelope on the same line as the first tag: "{1:…}{2:…}{4::20:…".
            line = line[line.index(":20:") :]
        if line.startswith(":20:"):
            current = [(number, line)]
            blocks.append(current)
        elif current is None:
            continue  # header before the first statement
        elif line.strip() in {"-", "-}", "}"} or line.startswith("{"):
            current = None  # end of a block; whatever follows up to the next :20: is header
        elif line.strip():
            current.append((number, line))
    return blocks


def _collect_tags(block: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(line number, tag id, value) per tag; continuation lines are appended to their tag."""
    tags: list[tuple[int, str, str]] = []
    for number, line in block:
        match = _TAG_RE.match(line)
        if match and (match.group("tag") in _KNOWN_TAGS or match.group("tag")[:2] in _KNOWN_TAGS):
            tags.append((number, match.group("tag"), line[match.end() :]))
        elif match and tags and tags[-1][1] != "86":
            raise StatementFormatError(UNKNOWN_TAG, location=_at(number), tag=match.group("tag"))
        elif tags:
            tag_number, tag_id, value = tags[-1]
            tags[-1] = (tag_number, tag_id, f"{value}\n{line}")
    return tags


def _statement_line(value: str) -> str:
    """A :61: value as the library reads it: the first line, then at most one line of
    supplementary details (subfield 9, 34x in SWIFT's definition of field 61).

    Banks continue a :61: over more lines than SWIFT allows: Dutch banks put the bank reference
    (subfield 8, ``//…``) at the start of the second line and the counterparty's account and name
    on the lines after it. The reference is moved back to the first line and the remaining lines
    are joined into the supplementary details, so nothing the bank sent is lost."""
    first, *rest = value.split("\n")
    rest = [line.strip() for line in rest if line.strip()]
    if rest and rest[0].startswith("//") and "//" not in first:
        first = first.rstrip() + rest.pop(0)
    return "\n".join([first, " ".join(rest)]) if rest else first


class _Transactions(mt940.models.Transactions):
    """The library's statement model, fed one tag at a time so errors know their line."""

    def feed(self, number: int, tag_id: str, value: str) -> None:
        if tag_id == "61":
            value = _statement_line(value)
        text = f":{tag_id}:{value}"
        match = re.match(r"^:\n?(?P<full_tag>(?P<tag>[0-9]{2}|NS)(?P<sub_tag>[A-Z])?):", text)
        try:
            self._process_match(match, 0, [match], text)
        except StatementFormatError:
            raise
        except (RuntimeError, ValueError, InvalidOperation, KeyError, TypeError) as exc:
            raise StatementFormatError(
                MALFORMED, location=_at(number), tag=tag_id, value=quoted(value.strip())
            ) from exc


def _parse_block(block: list[tuple[int, str]]) -> ParsedStatement:
    start = _at(block[0][0])
    tags = _collect_tags(block)
    # Keep the raw :86: text: this module reads the subfields itself (see the module docstring).
    transactions = _Transactions(processors={"post_transaction_details": []}, options=mt940.Options.all())
    line_numbers: list[int] = []
    seen: set[str] = set()
    for number, tag_id, value in tags:
        seen.add(tag_id[:2])
        if tag_id == "61":
            line_numbers.append(number)
        if tag_id == "86" and not line_numbers:
            continue  # statement-level information before the first :61:
        transactions.feed(number, tag_id, value)
    for tag_id, label in _REQUIRED_TAGS.items():
        if tag_id not in seen:
            raise StatementFormatError(MISSING_TAG, location=start, tag=label)
    data = transactions.data
    opening = (
        data.get("final_opening_balance") or data.get("intermediate_opening_balance") or data.get("opening_balance")
    )
    closing = (
        data.get("final_closing_balance") or data.get("intermediate_closing_balance") or data.get("closing_balance")
    )
    if opening is None:
        raise StatementFormatError(NO_OPENING, location=start)
    if closing is None:
        raise StatementFormatError(NO_CLOSING, location=start)
    currency = (opening.amount.currency or "").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementFormatError(BAD_CURRENCY, location=start, currency=quoted(currency))
    if (closing.amount.currency or "").upper() != currency:
        raise StatementFormatError(MIXED_CURRENCIES, location=start)

    reference = (data.get("transaction_reference") or "").strip()
    sequence = (data.get("statement_number") or "").strip()
    if data.get("sequence_number"):
        sequence = f"{sequence}/{data['sequence_number']}".strip("/")
    lines = tuple(
        _parsed_line(transaction.data, currency=currency, number=number)
        for transaction, number in zip(transactions.transactions, line_numbers, strict=True)
    )
    return ParsedStatement(
        format="mt940",
        kind="statement",
        statement_id=f"{reference}/{sequence}" if sequence else reference,
        account_iban=_account(data.get("account_identification") or ""),
        currency=currency,
        sequence=sequence,
        from_date=_date(opening.date),
        to_date=_date(closing.date),
        opening_balance=Decimal(opening.amount.amount),
        closing_balance=Decimal(closing.amount.amount),
        lines=lines,
    )


def _at(number: int) -> str:
    return line_location(number)


def _date(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if value else None


def _account(value: str) -> str:
    """The :25: account: an IBAN when it is one (some banks append the currency), else as given
    (``BLZ/Konto`` in Germany, a plain number in the Netherlands before SEPA)."""
    compact = re.sub(r"\s", "", value)
    for candidate in (compact, compact[:-3]):
        try:
            return IBAN(candidate).compact
        except (SchwiftyException, ValueError):
            continue
    return compact


def _iban_or_account(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    try:
        return IBAN(compact).compact
    except (SchwiftyException, ValueError):
        return compact


# -- one :61: with its :86: -------------------------------------------------------------------------


def _parsed_line(data: dict[str, Any], *, currency: str, number: int) -> ParsedLine:
    if not data.get("id"):
        # SWIFT makes the transaction type (1!a3!c, e.g. NTRF) mandatory; without it the amount
        # cannot be told apart from the text after it ("12a,00NTRF…").
        raise StatementFormatError(NO_TYPE, location=_at(number))
    mark = (data.get("status") or "").upper()
    amount = abs(Decimal(data["amount"].amount))
    value_date = _date(data.get("date"))
    booking_date = _date(data.get("entry_date")) or value_date
    bank_reference = (data.get("bank_reference") or "").strip()
    own_reference = (data.get("customer_reference") or "").strip()
    extra = (data.get("extra_details") or "").strip()
    details = _details(data.get("transaction_details") or "")

    counterparty_iban = details.get("iban", "")
    counterparty_name = details.get("name", "")
    additional = [details.get("additional", "")]
    if extra:
        account, name = _supplementary_counterparty(extra)
        if account and not counterparty_iban:
            counterparty_iban = account
            counterparty_name = counterparty_name or name
        else:
            additional.insert(0, extra)
    charges = None
    for text in (extra, data.get("transaction_details") or ""):
        match = _CHARGES_RE.search(text.replace("\n", ""))
        if match:
            charges = Decimal(match.group("amount").replace(",", "."))
            break
    return_reason = details.get("return_reason", "")
    transaction_type = (data.get("id") or "").strip().upper()
    if details.get("reason_from_text") and not (mark.startswith("R") or transaction_type.endswith("RTI")):
        # A reason code found in free text counts only on a reversal or a returned item (NRTI):
        # on any other line "TECH" or "CUST" is just a word of the remittance.
        return_reason = ""
    customer_reference = details.get("KREF", "") or ("" if own_reference.upper() in _NO_REFERENCE else own_reference)
    payment_info_id = details.get("PREF", "")
    if not payment_info_id and details.get("gvc", "") in SAMMLER_GVC:
        # DFÜ-Abkommen Anlage 3: a Sammler carries the PmtInfId of the batch we submitted as the
        # customer reference (KREF+ in :86:, cut to 16 characters in :61: subfield 7).
        payment_info_id = details.get("KREF", "") or _reference(own_reference)
    return ParsedLine(
        amount=amount,
        currency=currency,
        credit=mark in {"C", "RD"},
        booking_date=booking_date,
        value_date=value_date,
        reversal=mark.startswith("R"),
        account_servicer_reference="" if bank_reference.upper() in _NO_REFERENCE else bank_reference,
        end_to_end_id=_reference(details.get("EREF", "")),
        mandate_id=details.get("MREF", ""),
        creditor_id=details.get("CRED", ""),
        customer_reference=_reference(customer_reference),
        payment_info_id=payment_info_id[:35],
        remittance=details.get("remittance", ""),
        counterparty_name=counterparty_name,
        counterparty_iban=counterparty_iban,
        counterparty_bic=details.get("bic", ""),
        structured_reference=details.get("structured_reference", ""),
        bank_transaction_code=details.get("gvc", "") or (data.get("id") or "").strip(),
        return_reason=return_reason,
        charges=charges,
        additional_info=" ".join(part for part in additional if part),
        source_location=line_location(number),
    )


def _reference(value: str) -> str:
    return "" if value.strip().upper() in _NO_REFERENCE else value.strip()


def _supplementary_counterparty(extra: str) -> tuple[str, str]:
    """The counterparty's account and name from :61: supplementary details, as Dutch banks write
    them ("NL02ABNA0123456789 J. de Vries"); ``("", "")`` when the details do not start with an
    IBAN (charges ``/CHGS/…``, the bank's own codes)."""
    compact = extra.strip().lstrip("/").strip()
    if _looks_like_iban(compact):
        return _iban_or_account(compact), ""
    head, _space, name = compact.partition(" ")
    if head and _looks_like_iban(head):
        return _iban_or_account(head), re.sub(r"\s+", " ", name).strip()
    return "", ""


def _looks_like_iban(value: str) -> bool:
    try:
        IBAN(re.sub(r"\s", "", value))
    except (SchwiftyException, ValueError):
        return False
    return True


def _details(raw: str) -> dict[str, str]:
    """Read an :86: field into the keys ``_parsed_line`` uses (see the module docstring)."""
    # Banks wrap :86: at 65 characters wherever the line is full, mid-word included.
    joined = "".join(line.strip("\r") for line in raw.split("\n"))
    if _GERMAN_DETAILS_RE.match(joined):
        return _german_details(joined)
    if _SLASH_RE.search(joined):
        return _slash_details(joined)
    text = " ".join(part.strip() for part in raw.split("\n") if part.strip())
    result = {"remittance": re.sub(r"\s+", " ", text)}
    reason = _ISO_RETURN_RE.search(text)
    if reason:
        result["return_reason"] = reason.group(1)
        result["reason_from_text"] = "1"
    return result


def _german_details(joined: str) -> dict[str, str]:
    gvc = joined[:3]
    pieces = _SUBFIELD_RE.split(joined[3:])
    fields: dict[str, list[str]] = {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        fields.setdefault(key, []).append(value)

    def field(*keys: str, sep: str = "") -> str:
        return sep.join(value for key in keys for value in fields.get(key, [])).strip()

    purpose_keys = [f"2{digit}" for digit in range(10)] + [f"6{digit}" for digit in range(4)]
    purpose = field(*purpose_keys)
    # Some banks (e.g. Dresdner/Commerzbank) append their own message, "MTLG:…", to the purpose.
    purpose, _, bank_message = purpose.partition("MTLG:")
    result: dict[str, str] = {
        "gvc": gvc,
        "bic": field("30"),
        "iban": _iban_or_account(field("31")),
        # ?32 and ?33 are one 54-character name cut in two, usually mid-word.
        "name": re.sub(r"\s+", " ", field("32", "33")),
    }
    keyed = _sepa_keys(purpose)
    if keyed:
        result.update({key: value for key, value in keyed.items() if key in {"EREF", "KREF", "MREF", "CRED"}})
        remittance = keyed.get("SVWZ") or keyed.get("", "")
        if keyed.get("ABWA") and not result["name"]:
            result["name"] = keyed["ABWA"]
        if keyed.get("IBAN") and not result["iban"]:
            result["iban"] = _iban_or_account(keyed["IBAN"])
        if keyed.get("BIC") and not result["bic"]:
            result["bic"] = keyed["BIC"]
        if keyed.get("RTRN"):
            result["return_reason"] = keyed["RTRN"][:4]
    else:
        remittance = " ".join(value for key in purpose_keys for value in fields.get(key, []))
        remittance = remittance.partition("MTLG:")[0]
    result["remittance"] = re.sub(r"\s+", " ", remittance).strip()
    if not carries_return_reason(gvc):
        # ?34 is a text key supplement on every booking; only a return's names its reason (see
        # payments.bank.gvc), and an ISO code in the purpose of a credit is just text ("TECH …").
        result.pop("return_reason", None)
    elif not result.get("return_reason"):
        # The numeric return key (Rückgabegrund, e.g. 901) in ?34; an ISO code in the text wins.
        reason = _ISO_RETURN_RE.search(purpose)
        result["return_reason"] = reason.group(1) if reason else field("34")
    result["additional"] = " ".join(part for part in (field("00"), field("10"), bank_message.strip()) if part)
    if fields.get("70") or fields.get("71"):
        result["additional"] = f"{result['additional']} {field('70', '71')}".strip()
    return result


def _sepa_keys(purpose: str) -> dict[str, str]:
    """Split SEPA keyed purpose text (``EREF+…SVWZ+…``) into its keys; text before the first
    key goes under ``""``. Empty when the purpose has no key."""
    matches = list(re.finditer(r"(" + "|".join(_SEPA_KEYS) + r") ?\+", purpose))
    if not matches:
        return {}
    result = {"": purpose[: matches[0].start()].strip()} if matches[0].start() else {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(purpose)
        result.setdefault(match.group(1), purpose[match.end() : end].strip())
    return result


def _slash_details(joined: str) -> dict[str, str]:
    matches = list(_SLASH_RE.finditer(joined))
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(joined)
        values.setdefault(match.group(1), joined[match.end() : end].strip().strip("/"))
    # Dutch banks (the Betaalvereniging's structured :86:) name the counterparty in one key,
    # /CNTP/account/BIC/name/city/, and the remittance as /REMI/USTD//text/ (unstructured) or
    # /REMI/STRD/CUR/reference/ (a structured creditor reference).
    account, bic, name, _city = ([*values.get("CNTP", "").split("/"), "", "", "", ""])[:4]
    remittance = values.get("REMI", "")
    structured = ""
    kind, _sep, rest = remittance.partition("/")
    if kind == "USTD":
        remittance = rest.lstrip("/").strip("/ ")
    elif kind == "STRD":
        structured = rest.partition("/")[2].strip("/ ")
        remittance = ""
    result = {
        "iban": _iban_or_account(values.get("IBAN", "") or account),
        "bic": values.get("BIC", "") or bic.strip(),
        "name": values.get("NAME", "") or name.strip(),
        "remittance": remittance,
        "structured_reference": structured,
        "EREF": values.get("EREF", ""),
        "MREF": values.get("MARF", ""),
        "CRED": values.get("CSID", ""),
        "KREF": values.get("PREF", "") or values.get("KREF", ""),
        # Dutch banks name the batch (the PmtInfId we sent) of a batch booking in /PREF/.
        "PREF": values.get("PREF", ""),
        "additional": values.get("TRTP", ""),
    }
    if values.get("RTRN"):
        result["return_reason"] = values["RTRN"][:4]
    return result
