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
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone
from django.utils.translation import gettext as _

from .types import ParsedLine, ParsedStatement, StatementFormatError

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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# SEPA's placeholder for "the originator gave no reference"; matching on it would join strangers.
_NOT_PROVIDED = "NOTPROVIDED"
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
        raise StatementFormatError(
            _("Not a supported CAMT document: root element %(root)s in namespace %(namespace)s.")
            % {"root": local, "namespace": namespace or "-"},
            location=local,
        )
    message, version = found.group(1), found.group(2)
    container_tag, statement_tag, kind = _MESSAGES[message]
    reader = _Reader(namespace)
    container = reader.child(root, container_tag)
    if container is None:
        raise StatementFormatError(
            _("A %(message)s document must contain %(element)s.") % {"message": message, "element": container_tag},
            location=f"Document/{container_tag}",
        )
    file_format = f"{message}.001.{version}"
    elements = reader.children(container, statement_tag)
    if not elements:
        # The schema requires at least one; an empty file imported as "nothing" would hide a bank fault.
        raise StatementFormatError(
            _("The file contains no %(element)s.") % {"element": statement_tag},
            location=f"{container_tag}/{statement_tag}",
        )
    return [
        _Statement(reader, element, f"{statement_tag}[{index}]", file_format, kind).parse()
        for index, element in enumerate(elements, start=1)
    ]


def _parse_xml(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementFormatError(
            _("The file declares a DOCTYPE or entities, which are refused for safety."), location="DOCTYPE"
        )
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise StatementFormatError(
            _("The file is not well-formed XML."),
            location=_("line %(line)s, column %(column)s")
            % {
                "line": line,
                "column": column,
            },
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
            raise StatementFormatError(_("The statement has no Id."), location=f"{self.location}/Id")
        account_iban = _account_number(r, r.child(el, "Acct"))
        opening, closing, balance_currency = self._balances()
        entries = r.children(el, "Ntry")
        currency = (
            r.text(el, "Acct/Ccy")
            or balance_currency
            or next((amt.get("Ccy") or "" for e in entries if (amt := r.child(e, "Amt")) is not None), "")
        )
        if not currency:
            raise StatementFormatError(
                _("The statement names no currency (Acct/Ccy or Amt/@Ccy)."), location=f"{self.location}/Acct/Ccy"
            )
        lines: list[ParsedLine] = []
        for index, entry in enumerate(entries, start=1):
            lines.extend(_Entry(r, entry, f"{self.location}/Ntry[{index}]", account_iban).parse())
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

    def __init__(self, reader: _Reader, element: Element, location: str, own_iban: str):
        self.r, self.element, self.location, self.own_iban = reader, element, location, own_iban

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
        transactions = r.children(el, "NtryDtls/TxDtls")
        if not transactions:
            return [
                ParsedLine(
                    amount=amount,
                    account_servicer_reference=entry_servicer_reference,
                    charges=entry_charges,
                    source_location=loc,
                    **entry,
                )
            ]
        if len(transactions) == 1:
            # Not a batch: the entry's amount is what was booked (a return's TxAmt may exclude the fees).
            amounts = [amount]
        else:
            amounts = [self._transaction_amount(tx, f"{loc}/TxDtls[{i}]") for i, tx in enumerate(transactions, 1)]
            if sum(amounts, Decimal("0")) != amount:
                raise StatementFormatError(
                    _("The batch transactions add up to %(sum)s, but the entry amount is %(amount)s.")
                    % {"sum": sum(amounts, Decimal("0")), "amount": amount},
                    location=f"{loc}/NtryDtls",
                )
        lines = []
        for index, (tx, tx_amount) in enumerate(zip(transactions, amounts, strict=True), start=1):
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
                    **self._transaction_fields(tx, entry, entry_servicer_reference, tx_location),
                )
            )
        return lines

    def _transaction_amount(self, tx: Element, location: str) -> Decimal:
        for path in ("AmtDtls/TxAmt", "AmtDtls/InstdAmt", ""):
            holder = self.r.child(tx, path) if path else tx
            if holder is not None and self.r.child(holder, "Amt") is not None:
                return _amount(self.r, holder, f"{location}/{path}" if path else location)[0]
        raise StatementFormatError(
            _("A transaction of a batch booking has no amount (AmtDtls/TxAmt/Amt)."),
            location=f"{location}/AmtDtls/TxAmt/Amt",
        )

    def _transaction_fields(self, tx: Element, entry: dict, entry_servicer_reference: str, location: str) -> dict:
        r = self.r
        incoming = entry["credit"] != entry["reversal"]  # a returned debit still came from our debtor
        parties = r.child(tx, "RltdPties")
        agents = r.child(tx, "RltdAgts")
        name, iban, bic = self._counterparty(parties, agents, "Dbtr" if incoming else "Cdtr")
        if not (name or iban) or (iban and iban == self.own_iban):
            other = self._counterparty(parties, agents, "Cdtr" if incoming else "Dbtr")
            if (other[0] or other[1]) and other[1] != self.own_iban:
                name, iban, bic = other
        remittance = " ".join(
            (element.text or "").strip() for element in r.children(tx, "RmtInf/Ustrd") if (element.text or "").strip()
        )
        additional = " ".join(part for part in (entry["additional_info"], r.text(tx, "AddtlTxInf")) if part)
        tx_code = _bank_transaction_code(r, r.child(tx, "BkTxCd"))
        return {
            **entry,
            "bank_transaction_code": tx_code or entry["bank_transaction_code"],
            "additional_info": additional,
            "account_servicer_reference": r.text(tx, "Refs/AcctSvcrRef") or entry_servicer_reference,
            "end_to_end_id": _reference(r.text(tx, "Refs/EndToEndId")),
            "mandate_id": _reference(r.text(tx, "Refs/MndtId")),
            "customer_reference": _reference(r.text(tx, "Refs/InstrId")),
            "creditor_id": self._creditor_id(tx, parties),
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

    def _creditor_id(self, tx: Element, parties: Element | None) -> str:
        r = self.r
        explicit = r.first_text(tx, "CdtrSchmeId/Id/PrvtId/Othr/Id", "Refs/CdtrSchmeId")
        if explicit:
            return explicit
        # DK/EPC practice: the SEPA creditor identifier sits in the creditor's private identification.
        for path in ("Cdtr/Pty/Id/PrvtId/Othr", "Cdtr/Id/PrvtId/Othr"):
            for other in r.children(parties, path) if parties is not None else []:
                if r.text(other, "SchmeNm/Prtry").upper() == "SEPA" or r.text(other, "SchmeNm/Cd") == "SEPA":
                    return r.text(other, "Id")
        return ""


def _amount(r: _Reader, holder: Element, location: str, *, allow_zero: bool = False) -> tuple[Decimal, str]:
    element = r.child(holder, "Amt")
    if element is None:
        raise StatementFormatError(_("The amount (Amt) is missing."), location=f"{location}/Amt")
    text = (element.text or "").strip()
    try:
        value = Decimal(text) if re.fullmatch(r"\d+(\.\d+)?", text) else None
    except InvalidOperation:
        value = None
    if value is None or (value == 0 and not allow_zero):
        raise StatementFormatError(
            _("%(value)s is not a valid amount.") % {"value": repr(text)}, location=f"{location}/Amt"
        )
    currency = (element.get("Ccy") or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementFormatError(_("The amount has no valid currency (Ccy)."), location=f"{location}/Amt/@Ccy")
    return value, currency


def _is_credit(r: _Reader, holder: Element, location: str) -> bool:
    indicator = r.text(holder, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementFormatError(
            _("The credit/debit indicator (CdtDbtInd) must be CRDT or DBIT, not %(value)s.")
            % {"value": repr(indicator)},
            location=f"{location}/CdtDbtInd",
        )
    return indicator == "CRDT"


def _date_choice(r: _Reader, holder: Element, tag: str, location: str) -> date | None:
    """``BookgDt``/``ValDt`` hold either ``Dt`` or ``DtTm``."""
    if value := r.text(holder, f"{tag}/Dt"):
        if not _DATE.match(value):
            raise StatementFormatError(
                _("%(value)s is not a valid date.") % {"value": repr(value)}, location=f"{location}/{tag}/Dt"
            )
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise StatementFormatError(
                _("%(value)s is not a valid date.") % {"value": repr(value)}, location=f"{location}/{tag}/Dt"
            )
    if value := r.text(holder, f"{tag}/DtTm"):
        # The calendar day as the bank wrote it (in its own offset), not converted to ours.
        return _datetime(value, f"{location}/{tag}/DtTm").date()
    return None


def _datetime(value: str, location: str) -> datetime:
    """An ISO date-time, always aware. Without an offset ISO 20022 means the bank's local time,
    which the file does not name: Debitor reads it in ``settings.TIME_ZONE`` (Europe/Berlin, the
    banks it imports from). A time that does not exist or exists twice on a daylight-saving change
    is taken as the earlier reading (``fold=0``)."""
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}T", value):
            raise ValueError(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise StatementFormatError(
            _("%(value)s is not a valid date and time.") % {"value": repr(value)}, location=location
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


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
            if not re.fullmatch(r"\d+(\.\d+)?", text):
                raise StatementFormatError(
                    _("%(value)s is not a valid amount.") % {"value": repr(text)},
                    location=f"{block_location}/TtlChrgsAndTaxAmt",
                )
            total += Decimal(text)
            continue
        records = r.children(block, "Rcrd") or [block]
        for record_index, record in enumerate(records, start=1):
            if r.child(record, "Amt") is not None:
                record_location = f"{block_location}/Rcrd[{record_index}]" if record is not block else block_location
                total += _amount(r, record, record_location, allow_zero=True)[0]
    return total


def _reference(value: str) -> str:
    return "" if value.upper() == _NOT_PROVIDED else value
