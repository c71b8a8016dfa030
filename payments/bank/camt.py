"""ISO 20022 cash-management messages: CAMT.053 statements, CAMT.052 reports, CAMT.054 notifications.

Versions .001.02 to .001.08 are recognised by the document namespace. The file is parsed with
``defusedxml`` and a DOCTYPE is refused outright, so neither entity expansion nor external
entities can be smuggled in through an upload.

Differences between the versions that matter here: ``Sts`` is plain text up to .07 and
``Sts/Cd`` in .08; parties gained a ``Pty`` wrapper in .08; agents carry ``BIC`` up to .03 and
``BICFI`` from .04; charges are repeated ``Chrgs/Amt`` in .02/.03 and ``Chrgs/TtlChrgsAndTaxAmt``
or ``Chrgs/Rcrd/Amt`` from .04. All are read the same way below.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone
from django.utils.translation import gettext_noop
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from core.messages import Money, message_define

from .types import ParsedLine, ParsedStatement, StatementFormatError, line_location, quoted

NOT_CAMT = message_define(
    "bank.camt.not_camt",
    gettext_noop("Not a supported CAMT document: root element %(root)s in namespace %(namespace)s."),
)
NO_CONTAINER = message_define(
    "bank.camt.no_container", gettext_noop("A %(message)s document must contain %(element)s.")
)
NO_STATEMENTS = message_define("bank.camt.no_statements", gettext_noop("The file contains no %(element)s."))
DOCTYPE = message_define(
    "bank.camt.doctype", gettext_noop("The file declares a DOCTYPE or entities, which are refused for safety.")
)
NOT_XML = message_define("bank.camt.not_xml", gettext_noop("The file is not well-formed XML."))
NO_ID = message_define("bank.camt.no_id", gettext_noop("The statement has no Id."))
NO_CURRENCY = message_define(
    "bank.camt.no_currency", gettext_noop("The statement names no currency (Acct/Ccy or Amt/@Ccy).")
)
BATCH_SUM = message_define(
    "bank.camt.batch_sum",
    gettext_noop("The batch transactions add up to %(sum)s, but the entry amount is %(amount)s."),
)
BATCH_NO_AMOUNT = message_define(
    "bank.camt.batch_no_amount",
    gettext_noop("A transaction of a batch booking has no amount (AmtDtls/TxAmt/Amt)."),
)
NO_AMOUNT = message_define("bank.camt.no_amount", gettext_noop("The amount (Amt) is missing."))
BAD_AMOUNT = message_define("bank.camt.bad_amount", gettext_noop("%(value)s is not a valid amount."))
BAD_CURRENCY = message_define("bank.camt.bad_currency", gettext_noop("The amount has no valid currency (Ccy)."))
BAD_INDICATOR = message_define(
    "bank.camt.bad_indicator",
    gettext_noop("The credit/debit indicator (CdtDbtInd) must be CRDT or DBIT, not %(value)s."),
)
BAD_DATE = message_define("bank.camt.bad_date", gettext_noop("%(value)s is not a valid date."))
BAD_DATETIME = message_define("bank.camt.bad_datetime", gettext_noop("%(value)s is not a valid date and time."))

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d\d)$")
_SUPPORTED_VERSIONS = {"02", "03", "04", "05", "06", "07", "08"}
# message -> (container element, statement element, kind)
_MESSAGES = {
    "camt.053": ("BkToCstmrStmt", "Stmt", "statement"),
    "camt.052": ("BkToCstmrAcctRpt", "Rpt", "report"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}
_OPENING_BALANCES = ("OPBD", "PRCD")  # PRCD: the previous closing balance, used when OPBD is absent
_CLOSING_BALANCE = "CLBD"
# XML Schema 1.0 lexical forms (part 2, 3.2.7 dateTime and 3.2.9 date): a year of four or more
# digits (no leading zero beyond four), an optional fraction of the second, and an optional
# time-zone: "Z" or an offset of at most 14:00. "24:00:00" is the first instant of the next day.
_TZ = r"(?P<tz>Z|(?P<sign>[+-])(?P<tzh>\d{2}):(?P<tzm>\d{2}))?"
_YMD = r"(?P<year>(?:[1-9]\d{4,}|\d{4}))-(?P<month>\d{2})-(?P<day>\d{2})"
_XS_DATE = re.compile(rf"^{_YMD}{_TZ}$", re.ASCII)
_XS_DATETIME = re.compile(
    rf"^{_YMD}T(?P<hour>\d{{2}}):(?P<minute>\d{{2}}):(?P<second>\d{{2}})(?:\.(?P<fraction>\d+))?{_TZ}$", re.ASCII
)
# SEPA's placeholder for "the originator gave no reference"; matching on it would join strangers.
_NOT_PROVIDED = "NOTPROVIDED"
# ISO bank transaction sub-families of a returned payment (see payments.bank.debits.codes).
_RETURN_SUBFAMILIES = {"UPDD", "RRTN", "PRDD", "RPCR", "ARET", "NRTN"}
_SNIFF = re.compile(rb"<(?:\w+:)?Document\b[^>]*urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.")


def is_camt(data: bytes) -> bool:
    """True when the file looks like a CAMT.052/053/054 document (of any version: an unsupported
    version is still reported as CAMT so that ``parse_camt`` can say which version it is)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_SNIFF.search(head))


def parse_camt(data: bytes) -> list[ParsedStatement]:
    """Every statement (report, notification) in the file, all or nothing.

    Raises ``StatementFormatError`` naming the element path for anything unknown or malformed:
    a root or namespace that is not CAMT.052/053/054 .001.02–.08, a missing amount or
    credit/debit indicator, an unparseable date or amount.
    """
    root = _parse_xml(data)
    match = re.match(r"^\{([^}]*)\}(.*)$", root.tag)
    namespace, local = (match.group(1), match.group(2)) if match else ("", root.tag)
    found = _NAMESPACE.match(namespace)
    if local != "Document" or not found or found.group(2) not in _SUPPORTED_VERSIONS:
        raise StatementFormatError(NOT_CAMT, location=local, root=quoted(local), namespace=quoted(namespace or "-"))
    message, version = found.group(1), found.group(2)
    container_tag, statement_tag, kind = _MESSAGES[message]
    reader = _Reader(namespace)
    container = reader.child(root, container_tag)
    if container is None:
        raise StatementFormatError(
            NO_CONTAINER, location=f"Document/{container_tag}", message=message, element=container_tag
        )
    file_format = f"{message}.001.{version}"
    elements = reader.children(container, statement_tag)
    if not elements:
        # The schema requires at least one; an empty file imported as "nothing" would hide a bank fault.
        raise StatementFormatError(NO_STATEMENTS, location=f"{container_tag}/{statement_tag}", element=statement_tag)
    return [
        _Statement(reader, element, f"{statement_tag}[{index}]", file_format, kind).parse()
        for index, element in enumerate(elements, start=1)
    ]


def _parse_xml(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementFormatError(DOCTYPE, location="DOCTYPE") from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise StatementFormatError(
            NOT_XML,
            location=line_location(line, column),
        )


class _Reader:
    """Namespace-aware look-ups by plain paths such as ``"Bal/Tp/CdOrPrtry/Cd"``."""

    def __init__(self, namespace: str):
        self.namespace = namespace

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.namespace}}}{part}" for part in path.split("/"))

    def child(self, element: Element, path: str) -> Element | None:
        return element.find(self._path(path))

    def children(self, element: Element, path: str) -> list[Element]:
        return element.findall(self._path(path))

    def text(self, element: Element | None, path: str) -> str:
        if element is None:
            return ""
        found = element.find(self._path(path))
        return (found.text or "").strip() if found is not None else ""

    def first_text(self, element: Element | None, *paths: str) -> str:
        for path in paths:
            if value := self.text(element, path):
                return value
        return ""


class _Statement:
    def __init__(self, reader: _Reader, element: Element, location: str, file_format: str, kind: str):
        self.r, self.element, self.location = reader, element, location
        self.format, self.kind = file_format, kind

    def parse(self) -> ParsedStatement:
        r, el = self.r, self.element
        statement_id = r.text(el, "Id")
        if not statement_id:
            raise StatementFormatError(NO_ID, location=f"{self.location}/Id")
        account_iban = _account_number(r, r.child(el, "Acct"))
        opening, closing, balance_currency = self._balances()
        entries = r.children(el, "Ntry")
        currency = (
            r.text(el, "Acct/Ccy")
            or balance_currency
            or next((amt.get("Ccy") or "" for e in entries if (amt := r.child(e, "Amt")) is not None), "")
        )
        if not currency:
            raise StatementFormatError(NO_CURRENCY, location=f"{self.location}/Acct/Ccy")
        own = _OwnSide(account_iban, self._own_creditor_ids(entries, account_iban))
        lines: list[ParsedLine] = []
        for index, entry in enumerate(entries, start=1):
            lines.extend(_Entry(r, entry, f"{self.location}/Ntry[{index}]", own).parse())
        created = r.text(el, "CreDtTm")
        return ParsedStatement(
            format=self.format,
            kind=self.kind,
            statement_id=statement_id,
            account_iban=account_iban,
            currency=currency,
            created_at=_datetime(created, f"{self.location}/CreDtTm") if created else None,
            sequence=r.first_text(el, "ElctrncSeqNb", "LglSeqNb"),
            from_date=self._period_date("FrDtTm"),
            to_date=self._period_date("ToDtTm"),
            opening_balance=opening,
            closing_balance=closing,
            lines=tuple(lines),
        )

    def _own_creditor_ids(self, entries: list[Element], account: str) -> set[str]:
        """Creditor identifiers of the collections credited to this account (CRDT, not reversed,
        no return information, with us as the creditor by account where the bank says so): ours."""
        r = self.r
        found: set[str] = set()
        for entry in entries:
            if r.text(entry, "CdtDbtInd") != "CRDT" or r.text(entry, "RvslInd").lower() in ("true", "1"):
                continue
            for tx in r.children(entry, "NtryDtls/TxDtls"):
                parties = r.child(tx, "RltdPties")
                creditor_account = _account_number(r, r.child(parties, "CdtrAcct")) if parties is not None else ""
                if r.child(tx, "RtrInf") is not None or (
                    creditor_account and not _same_account(creditor_account, account)
                ):
                    continue
                if creditor_id := _creditor_id(r, tx, parties):
                    found.add(creditor_id)
        return found

    def _period_date(self, tag: str) -> date | None:
        value = self.r.text(self.element, f"FrToDt/{tag}")
        return _datetime(value, f"{self.location}/FrToDt/{tag}").date() if value else None

    def _balances(self) -> tuple[Decimal | None, Decimal | None, str]:
        found: dict[str, Decimal] = {}
        currency = ""
        for index, balance in enumerate(self.r.children(self.element, "Bal"), start=1):
            code = self.r.text(balance, "Tp/CdOrPrtry/Cd")
            if code not in (*_OPENING_BALANCES, _CLOSING_BALANCE) or code in found:
                continue
            location = f"{self.location}/Bal[{index}]"
            amount, currency = _amount(self.r, balance, location, allow_zero=True)
            found[code] = amount if _is_credit(self.r, balance, location) else -amount
        opening = next((found[code] for code in _OPENING_BALANCES if code in found), None)
        return opening, found.get(_CLOSING_BALANCE), currency


class _Entry:
    """One ``Ntry``: a single line, or one line per ``TxDtls`` when the bank booked a batch."""

    def __init__(self, reader: _Reader, element: Element, location: str, own: _OwnSide):
        self.r, self.element, self.location, self.own = reader, element, location, own

    def parse(self) -> list[ParsedLine]:
        r, el, loc = self.r, self.element, self.location
        amount, currency = _amount(r, el, loc)
        credit = _is_credit(r, el, loc)
        entry = {
            "currency": currency,
            "credit": credit,
            "booking_date": _date_choice(r, el, "BookgDt", loc),
            "value_date": _date_choice(r, el, "ValDt", loc),
            "status": (r.first_text(el, "Sts/Cd", "Sts/Prtry", "Sts") or "BOOK").upper(),
            "reversal": r.text(el, "RvslInd").lower() in ("true", "1"),
            "entry_reference": r.text(el, "NtryRef"),
            "bank_transaction_code": _bank_transaction_code(r, r.child(el, "BkTxCd")),
            "additional_info": r.text(el, "AddtlNtryInf"),
        }
        entry_servicer_reference = r.text(el, "AcctSvcrRef")
        entry_charges = _charges(r, el, loc)
        # Each NtryDtls may name the batch (Btch) its transactions belong to: one of our pain.008
        # or pain.001 payment information blocks, booked as one entry.
        transactions: list[tuple[Element, dict]] = []
        batches: list[dict] = []
        for details in r.children(el, "NtryDtls"):
            batch = self._batch(details)
            batches.append(batch)
            transactions.extend((tx, batch) for tx in r.children(details, "TxDtls"))
        if not transactions:
            # Booked as one entry without its transactions: the batch's id and count are all we get.
            batch = batches[0] if len(batches) == 1 else {}
            return [
                ParsedLine(
                    amount=amount,
                    account_servicer_reference=entry_servicer_reference,
                    charges=entry_charges,
                    source_location=loc,
                    batch_size=batch.get("count") or 1,
                    payment_info_id=batch.get("payment_info_id", ""),
                    batch_message_id=batch.get("message_id", ""),
                    **entry,
                )
            ]
        if len(transactions) == 1:
            # Not a batch: the entry's amount is what was booked (a return's TxAmt may exclude the fees).
            amounts = [amount]
        else:
            amounts = [
                self._transaction_amount(tx, f"{loc}/TxDtls[{i}]") for i, (tx, _batch) in enumerate(transactions, 1)
            ]
            if sum(amounts, Decimal("0")) != amount:
                raise StatementFormatError(
                    BATCH_SUM,
                    location=f"{loc}/NtryDtls",
                    sum=Money(sum(amounts, Decimal("0")), currency),
                    amount=Money(amount, currency),
                )
        lines = []
        for index, ((tx, batch), tx_amount) in enumerate(zip(transactions, amounts, strict=True), start=1):
            tx_location = f"{loc}/TxDtls[{index}]"
            tx_charges = _charges(r, tx, tx_location)
            # Entry-level charges belong to the booking as a whole: carried once, on its first line.
            charges = tx_charges if tx_charges is not None else (entry_charges if index == 1 else None)
            lines.append(
                ParsedLine(
                    amount=tx_amount,
                    batch_index=index if len(transactions) > 1 else 0,
                    batch_size=len(transactions),
                    charges=charges,
                    source_location=tx_location,
                    payment_info_id=_reference(r.text(tx, "Refs/PmtInfId")) or batch.get("payment_info_id", ""),
                    batch_message_id=_reference(r.text(tx, "Refs/MsgId")) or batch.get("message_id", ""),
                    **self._transaction_fields(tx, entry, entry_servicer_reference, tx_location),
                )
            )
        return lines

    def _batch(self, details: Element) -> dict:
        """``NtryDtls/Btch``: the payment information id, message id and count of transactions the
        bank booked together (all optional; a count that is not a positive number is left out)."""
        r = self.r
        count = r.text(details, "Btch/NbOfTxs")
        return {
            "payment_info_id": _reference(r.text(details, "Btch/PmtInfId")),
            "message_id": _reference(r.text(details, "Btch/MsgId")),
            "count": int(count) if count.isdigit() and int(count) > 0 else 0,
        }

    def _transaction_amount(self, tx: Element, location: str) -> Decimal:
        for path in ("AmtDtls/TxAmt", "AmtDtls/InstdAmt", ""):
            holder = self.r.child(tx, path) if path else tx
            if holder is not None and self.r.child(holder, "Amt") is not None:
                return _amount(self.r, holder, f"{location}/{path}" if path else location)[0]
        raise StatementFormatError(BATCH_NO_AMOUNT, location=f"{location}/AmtDtls/TxAmt/Amt")

    def _transaction_fields(self, tx: Element, entry: dict, entry_servicer_reference: str, location: str) -> dict:
        r = self.r
        parties = r.child(tx, "RltdPties")
        agents = r.child(tx, "RltdAgts")
        creditor_id = _creditor_id(r, tx, parties)
        tx_code = _bank_transaction_code(r, r.child(tx, "BkTxCd"))
        returned = (
            entry["reversal"]
            or r.child(tx, "RtrInf") is not None
            or (tx_code or entry["bank_transaction_code"]).rpartition("/")[2] in _RETURN_SUBFAMILIES
        )
        side = self.own.side(r, parties, creditor_id)
        if not side:
            # Neither account is ours (or the bank left ours out): the direction decides. A return or
            # reversal runs against the original payment, so a returned collection (DBIT) still had
            # us as the creditor and its debtor as the counterparty.
            side = "Cdtr" if entry["credit"] != returned else "Dbtr"
        name, iban, bic = self._counterparty(parties, agents, "Dbtr" if side == "Cdtr" else "Cdtr")
        remittance = " ".join(
            (element.text or "").strip() for element in r.children(tx, "RmtInf/Ustrd") if (element.text or "").strip()
        )
        additional = " ".join(part for part in (entry["additional_info"], r.text(tx, "AddtlTxInf")) if part)
        return {
            **entry,
            "bank_transaction_code": tx_code or entry["bank_transaction_code"],
            "additional_info": additional,
            # The bank's own reference of this transaction first: in a batch the entry's is shared.
            "account_servicer_reference": (
                r.first_text(tx, "Refs/AcctSvcrRef", "Refs/Prtry/Ref") or entry_servicer_reference
            ),
            "end_to_end_id": _reference(r.text(tx, "Refs/EndToEndId")),
            "mandate_id": _reference(r.text(tx, "Refs/MndtId")),
            "customer_reference": _reference(r.text(tx, "Refs/InstrId")),
            "creditor_id": creditor_id,
            "structured_reference": r.first_text(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
            "remittance": remittance,
            "counterparty_name": name,
            "counterparty_iban": iban,
            "counterparty_bic": bic,
            "return_reason": r.first_text(tx, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry"),
        }

    def _counterparty(self, parties: Element | None, agents: Element | None, role: str) -> tuple[str, str, str]:
        r = self.r
        name = r.first_text(parties, f"{role}/Pty/Nm", f"{role}/Nm", f"Ultmt{role}/Pty/Nm", f"Ultmt{role}/Nm")
        account = r.child(parties, f"{role}Acct") if parties is not None else None
        bic = r.first_text(agents, f"{role}Agt/FinInstnId/BICFI", f"{role}Agt/FinInstnId/BIC")
        return name, _account_number(r, account), bic


def _creditor_id(r: _Reader, tx: Element, parties: Element | None) -> str:
    """The SEPA creditor identifier of a direct debit: ``CdtrSchmeId`` wherever the version puts it,
    or (DK/EPC practice) the creditor's private identification with scheme "SEPA"."""
    explicit = r.first_text(
        tx,
        "CdtrSchmeId/Id/PrvtId/Othr/Id",
        "RltdPties/CdtrSchmeId/Id/PrvtId/Othr/Id",
        "Refs/CdtrSchmeId",
    )
    if explicit:
        return explicit
    for path in (
        "Cdtr/Pty/Id/PrvtId/Othr",
        "Cdtr/Id/PrvtId/Othr",
        "UltmtCdtr/Pty/Id/PrvtId/Othr",
        "UltmtCdtr/Id/PrvtId/Othr",
    ):
        for other in r.children(parties, path) if parties is not None else []:
            if r.text(other, "SchmeNm/Prtry").upper() == "SEPA" or r.text(other, "SchmeNm/Cd").upper() == "SEPA":
                return r.text(other, "Id")
    return ""


class _OwnSide:
    """Which party of a transaction is the account holder: the statement's own account, else a
    creditor identifier the statement shows on our own collections."""

    def __init__(self, account: str, creditor_ids: set[str]):
        self.account = account
        self.creditor_ids = creditor_ids

    def is_ours(self, number: str) -> bool:
        return bool(number) and bool(self.account) and _same_account(number, self.account)

    def side(self, r: _Reader, parties: Element | None, creditor_id: str) -> str:
        """``"Cdtr"``, ``"Dbtr"`` or ``""`` when the transaction does not say."""
        if parties is None:
            return ""
        creditor = self.is_ours(_account_number(r, r.child(parties, "CdtrAcct")))
        debtor = self.is_ours(_account_number(r, r.child(parties, "DbtrAcct")))
        if creditor != debtor:  # both ours: a transfer between sub-accounts, let the direction decide
            return "Cdtr" if creditor else "Dbtr"
        if not creditor and creditor_id and creditor_id in self.creditor_ids:
            return "Cdtr"
        return ""


def _same_account(one: str, other: str) -> bool:
    """An IBAN and the same account written as a national number (``Othr/Id``) are one account."""
    if one == other:
        return True
    iban, plain = (one, other) if len(one) > len(other) else (other, one)
    try:
        account_code = IBAN(iban).account_code
    except (SchwiftyException, ValueError):
        return False
    return bool(plain.lstrip("0")) and account_code.lstrip("0") == plain.lstrip("0")


def _amount(r: _Reader, holder: Element, location: str, *, allow_zero: bool = False) -> tuple[Decimal, str]:
    element = r.child(holder, "Amt")
    if element is None:
        raise StatementFormatError(NO_AMOUNT, location=f"{location}/Amt")
    text = (element.text or "").strip()
    value = _decimal(text)
    if value is None or (value == 0 and not allow_zero):
        raise StatementFormatError(BAD_AMOUNT, location=f"{location}/Amt", value=quoted(text))
    currency = (element.get("Ccy") or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementFormatError(BAD_CURRENCY, location=f"{location}/Amt/@Ccy")
    return value, currency


# xs:decimal without a sign (amounts are ActiveOrHistoricCurrencyAndAmount, at least 0): "12",
# "12.5", "12.", ".5", "+12.50" are all the same kind of number.
_DECIMAL = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def _decimal(text: str) -> Decimal | None:
    if not _DECIMAL.fullmatch(text) or len(text) > 40:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover (the pattern admits only decimals)
        return None


def _is_credit(r: _Reader, holder: Element, location: str) -> bool:
    indicator = r.text(holder, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementFormatError(BAD_INDICATOR, location=f"{location}/CdtDbtInd", value=quoted(indicator))
    return indicator == "CRDT"


def _date_choice(r: _Reader, holder: Element, tag: str, location: str) -> date | None:
    """``BookgDt``/``ValDt`` hold either ``Dt`` (an ``xs:date``) or ``DtTm`` (an ``xs:dateTime``)."""
    if r.child(holder, f"{tag}/Dt") is not None:
        return _xs_date(r.text(holder, f"{tag}/Dt"), f"{location}/{tag}/Dt")
    if r.child(holder, f"{tag}/DtTm") is not None:
        # The calendar day as the bank wrote it (in its own offset), not converted to ours.
        return _xs_datetime_parts(r.text(holder, f"{tag}/DtTm"), f"{location}/{tag}/DtTm")[0].date()
    return None


def _xs_date(value: str, location: str) -> date:
    """An ``xs:date`` in any lexical form XML Schema allows (``2017-04-01``, ``2017-04-01Z``,
    ``2017-04-01+02:00``). The offset says where the bank's day was, not which day: it is
    checked and dropped, so ``+02:00`` and ``-05:00`` both give 1 April."""
    found = _XS_DATE.match(_collapsed(value))
    if found is None or not _valid_offset(found):
        raise StatementFormatError(BAD_DATE, location=location, value=quoted(value))
    try:
        return date(int(found["year"]), int(found["month"]), int(found["day"]))
    except ValueError:
        raise StatementFormatError(BAD_DATE, location=location, value=quoted(value)) from None


def _xs_datetime_parts(value: str, location: str) -> tuple[datetime, bool]:
    """The wall-clock time as written, made aware with its own offset, and whether an offset was
    given. Fractions beyond microseconds are cut off (banks send at most milliseconds)."""
    found = _XS_DATETIME.match(_collapsed(value))
    if found is None or not _valid_offset(found):
        raise StatementFormatError(BAD_DATETIME, location=location, value=quoted(value))
    hour, minute, second = int(found["hour"]), int(found["minute"]), int(found["second"])
    fraction = found["fraction"] or ""
    midnight_after = (hour, minute, second) == (24, 0, 0) and not fraction.strip("0")
    try:
        day = date(int(found["year"]), int(found["month"]), int(found["day"]))
        if midnight_after:  # xs:dateTime allows 24:00:00: the first instant of the next day
            day, hour = day + timedelta(days=1), 0
        moment = datetime.combine(day, time(hour, minute, second, int((fraction + "000000")[:6])))
    except (ValueError, OverflowError):
        raise StatementFormatError(BAD_DATETIME, location=location, value=quoted(value)) from None
    if found["tz"] is None:
        return moment, False
    offset = timedelta(hours=int(found["tzh"] or 0), minutes=int(found["tzm"] or 0))
    return moment.replace(tzinfo=dt_timezone(-offset if found["sign"] == "-" else offset)), True


def _datetime(value: str, location: str) -> datetime:
    """An ``xs:dateTime``, always aware. Without an offset ISO 20022 means the bank's local time,
    which the file does not name: Debitor reads it in ``settings.TIME_ZONE`` (Europe/Berlin, the
    banks it imports from). A time that does not exist or exists twice on a daylight-saving change
    is taken as the earlier reading (``fold=0``)."""
    moment, has_offset = _xs_datetime_parts(value, location)
    if not has_offset:
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _collapsed(value: str) -> str:
    # xs:date and xs:dateTime have whiteSpace="collapse": blanks around the value are not part of it.
    return value.strip(" \t\r\n")


def _valid_offset(found: re.Match) -> bool:
    if found["tz"] in (None, "Z"):
        return True
    hours, minutes = int(found["tzh"]), int(found["tzm"])
    return minutes < 60 and (hours, minutes) <= (14, 0)


def _account_number(r: _Reader, account: Element | None) -> str:
    number = r.first_text(account, "Id/IBAN", "Id/Othr/Id")
    return re.sub(r"\s+", "", number).upper()


def _bank_transaction_code(r: _Reader, code: Element | None) -> str:
    if code is None:
        return ""
    parts = [r.text(code, "Domn/Cd"), r.text(code, "Domn/Fmly/Cd"), r.text(code, "Domn/Fmly/SubFmlyCd")]
    if all(parts):
        return "/".join(parts)
    return r.text(code, "Prtry/Cd")


def _charges(r: _Reader, holder: Element | None, location: str) -> Decimal | None:
    """Fees on an entry or transaction: ``Chrgs/TtlChrgsAndTaxAmt`` or the sum of ``Chrgs/Rcrd/Amt``
    (.04 onwards), or the sum of the repeated ``Chrgs/Amt`` (.02/.03)."""
    if holder is None:
        return None
    blocks = r.children(holder, "Chrgs")
    if not blocks:
        return None
    total = Decimal("0")
    for index, block in enumerate(blocks, start=1):
        block_location = f"{location}/Chrgs[{index}]"
        if r.child(block, "TtlChrgsAndTaxAmt") is not None:
            text = r.text(block, "TtlChrgsAndTaxAmt")
            if _decimal(text) is None:
                raise StatementFormatError(
                    BAD_AMOUNT, location=f"{block_location}/TtlChrgsAndTaxAmt", value=quoted(text)
                )
            total += _decimal(text)
            continue
        records = r.children(block, "Rcrd") or [block]
        for record_index, record in enumerate(records, start=1):
            if r.child(record, "Amt") is not None:
                record_location = f"{block_location}/Rcrd[{record_index}]" if record is not block else block_location
                total += _amount(r, record, record_location, allow_zero=True)[0]
    return total


def _reference(value: str) -> str:
    return "" if value.upper() == _NOT_PROVIDED else value
