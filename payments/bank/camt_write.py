"""Writing CAMT.052/053/054 documents (version .001.08) from plain entries.

For the demo data and for tests that need a bank file: the output is what ``camt.parse_camt``
reads, and deterministic (same entries, same bytes), so an import of it is deduplicated by the
file's SHA-256. One ``TxDtls`` per entry (no batch bookings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET  # noqa: S405 - writing, not parsing

VERSION = "08"
# message -> (container element, statement element)
_CONTAINERS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


@dataclass(frozen=True)
class CamtEntry:
    """One booking on the account. ``name``/``iban``/``bic`` are the counterparty's (the payer of a
    credit, the payee of a debit); ``transaction_code`` is the ISO domain/family/sub-family."""

    amount: Decimal
    credit: bool
    booking_date: date | None
    value_date: date | None = None
    currency: str = "EUR"
    status: str = "BOOK"
    reversal: bool = False
    servicer_reference: str = ""
    end_to_end_id: str = ""
    mandate_id: str = ""
    remittance: str = ""
    name: str = ""
    iban: str = ""
    bic: str = ""
    transaction_code: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT")
    return_reason: str = ""
    charges: Decimal | None = None
    additional_info: str = ""


@dataclass(frozen=True)
class CamtStatement:
    statement_id: str
    account_iban: str
    created_at: datetime
    entries: tuple[CamtEntry, ...]
    currency: str = "EUR"
    owner_name: str = ""
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Decimal | None = None
    sequence: str = ""


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class _Builder:
    def __init__(self, namespace: str):
        self.ns = namespace

    def add(self, parent: ET.Element, path: str, text: str | None = None, **attributes) -> ET.Element:
        """Append the elements of ``path`` ("A/B/C") below ``parent`` and return the last one."""
        element = parent
        tags = path.split("/")
        for index, tag in enumerate(tags, start=1):
            element = ET.SubElement(element, f"{{{self.ns}}}{tag}", attributes if index == len(tags) else {})
        if text is not None:
            element.text = text
        return element


def camt_document(*, message: str, message_id: str, statements: list[CamtStatement]) -> bytes:
    """A ``camt.053`` (statement), ``camt.052`` (intraday report) or ``camt.054`` (notification)
    document of version .001.08 holding ``statements``. Balances (opening and closing booked) are
    written when ``opening_balance`` is given; the closing one adds the booked entries."""
    container_tag, statement_tag = _CONTAINERS[message]
    namespace = f"urn:iso:std:iso:20022:tech:xsd:{message}.001.{VERSION}"
    ET.register_namespace("", namespace)
    b = _Builder(namespace)
    root = ET.Element(f"{{{namespace}}}Document")
    container = b.add(root, container_tag)
    header = b.add(container, "GrpHdr")
    b.add(header, "MsgId", message_id)
    b.add(header, "CreDtTm", min(s.created_at for s in statements).isoformat())
    for statement in statements:
        _statement(b, b.add(container, statement_tag), statement)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _statement(b: _Builder, element: ET.Element, statement: CamtStatement) -> None:
    b.add(element, "Id", statement.statement_id)
    if statement.sequence:
        b.add(element, "ElctrncSeqNb", statement.sequence)
    b.add(element, "CreDtTm", statement.created_at.isoformat())
    if statement.from_date and statement.to_date:
        period = b.add(element, "FrToDt")
        b.add(period, "FrDtTm", f"{statement.from_date.isoformat()}T00:00:00")
        b.add(period, "ToDtTm", f"{statement.to_date.isoformat()}T23:59:59")
    account = b.add(element, "Acct")
    b.add(account, "Id/IBAN", statement.account_iban)
    b.add(account, "Ccy", statement.currency)
    if statement.owner_name:
        b.add(account, "Ownr/Nm", statement.owner_name)
    if statement.opening_balance is not None:
        booked = [e for e in statement.entries if e.status == "BOOK"]
        closing = statement.opening_balance + sum((e.amount if e.credit else -e.amount for e in booked), Decimal("0"))
        day = statement.to_date or statement.created_at.date()
        for code, amount in (("OPBD", statement.opening_balance), ("CLBD", closing)):
            balance = b.add(element, "Bal")
            b.add(balance, "Tp/CdOrPrtry/Cd", code)
            b.add(balance, "Amt", _money(abs(amount)), Ccy=statement.currency)
            b.add(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
            b.add(balance, "Dt/Dt", day.isoformat())
    for entry in statement.entries:
        _entry(b, b.add(element, "Ntry"), entry, statement)


def _entry(b: _Builder, element: ET.Element, entry: CamtEntry, statement: CamtStatement) -> None:
    b.add(element, "Amt", _money(entry.amount), Ccy=entry.currency)
    b.add(element, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    if entry.reversal:
        b.add(element, "RvslInd", "true")
    b.add(element, "Sts/Cd", entry.status)
    if entry.booking_date:
        b.add(element, "BookgDt/Dt", entry.booking_date.isoformat())
    if entry.value_date or entry.booking_date:
        b.add(element, "ValDt/Dt", (entry.value_date or entry.booking_date).isoformat())
    if entry.servicer_reference:
        b.add(element, "AcctSvcrRef", entry.servicer_reference)
    domain, family, sub_family = entry.transaction_code
    code = b.add(element, "BkTxCd/Domn")
    b.add(code, "Cd", domain)
    family_element = b.add(code, "Fmly")
    b.add(family_element, "Cd", family)
    b.add(family_element, "SubFmlyCd", sub_family)
    if entry.charges is not None:
        charges = b.add(element, "Chrgs")
        b.add(charges, "TtlChrgsAndTaxAmt", _money(entry.charges), Ccy=entry.currency)
    tx = b.add(element, "NtryDtls/TxDtls")
    refs = b.add(tx, "Refs")
    b.add(refs, "EndToEndId", entry.end_to_end_id or "NOTPROVIDED")
    if entry.mandate_id:
        b.add(refs, "MndtId", entry.mandate_id)
    b.add(tx, "Amt", _money(entry.amount), Ccy=entry.currency)
    b.add(tx, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    incoming = entry.credit != entry.reversal
    them = "Dbtr" if incoming else "Cdtr"
    parties = b.add(tx, "RltdPties")
    sides = {
        them: (entry.name, entry.iban),
        ("Cdtr" if incoming else "Dbtr"): (statement.owner_name, statement.account_iban),
    }
    for role in ("Dbtr", "Cdtr"):  # the schema's order
        name, iban = sides[role]
        if name:
            b.add(parties, f"{role}/Pty/Nm", name)
        if iban:
            b.add(parties, f"{role}Acct/Id/IBAN", iban)
    if entry.bic:
        b.add(tx, f"RltdAgts/{them}Agt/FinInstnId/BICFI", entry.bic)
    if entry.remittance:
        b.add(tx, "RmtInf/Ustrd", entry.remittance[:140])
    if entry.return_reason:
        b.add(tx, "RtrInf/Rsn/Cd", entry.return_reason)
    if entry.additional_info:
        b.add(element, "AddtlNtryInf", entry.additional_info)
