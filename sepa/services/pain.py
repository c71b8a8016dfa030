"""The SEPA XML files: pain.008 (direct-debit collection) and pain.001 (credit transfer).

``sepaxml`` writes the document (group header, one PmtInf block per sequence type and date, the
transactions); we then set what it cannot be told: our message id and creation time, PmtInf ids
of our own (stored per item, so the bank-statement side can find a block again), and the mandate
amendment of a transaction (``AmdmntInd`` with ``AmdmntInfDtls``: the original mandate
reference, the original debtor IBAN, or ``SMNDA`` for a new debtor bank — EPC Rulebook, DK
"Spezifikation der Datenformate" Anlage 3), which sepaxml has no input for. The result is
validated against the XSD sepaxml ships for the chosen version; a file that fails is never stored.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

import sepaxml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

DIRECT_DEBIT_SCHEMAS = ("pain.008.001.08", "pain.008.001.02")
CREDIT_TRANSFER_SCHEMAS = ("pain.001.001.09", "pain.001.001.03")


@dataclass(frozen=True)
class Amendment:
    """What changed since the debtor's bank last saw the mandate."""

    original_reference: str = ""
    original_iban: str = ""
    new_debtor_bank: bool = False  # SMNDA: same mandate, another bank

    def __bool__(self) -> bool:
        return bool(self.original_reference or self.original_iban or self.new_debtor_bank)


@dataclass(frozen=True)
class Transaction:
    end_to_end_id: str
    amount: Decimal
    name: str
    iban: str
    bic: str
    remittance: str
    # Direct debits only.
    sequence_type: str = ""
    mandate_reference: str = ""
    mandate_signed_on: date | None = None
    amendment: Amendment = field(default_factory=Amendment)
    # The debtor's postal address (sepaxml's keys: street_name, postcode, town, country), needed
    # where the debtor's bank is outside the EEA (EPC Rulebook); empty otherwise.
    address: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Creditor:
    """The company: for a collection the creditor, for a transfer the debtor (who pays)."""

    name: str
    iban: str
    bic: str
    creditor_id: str = ""


def _cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(cents)


def sha256(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _schema(name: str) -> etree.XMLSchema:
    path = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{name}.xsd")
    return etree.XMLSchema(etree.parse(path))


def xsd_errors(xml: str, schema: str) -> list[str]:
    """The XSD's objections to a file (empty: valid)."""
    checker = _schema(schema)
    document = etree.fromstring(xml.encode("utf-8"))
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]


def _finish(document: bytes, *, schema: str, message_id: str, created_at: datetime, block_ids: dict[str, str]):
    """Our message id and time; the PmtInf ids ``block_ids[SeqTp or date]``; returns the tree."""
    root = etree.fromstring(document)
    ns = {"p": root.nsmap[None]}
    root.find(".//p:GrpHdr/p:MsgId", ns).text = message_id
    root.find(".//p:GrpHdr/p:CreDtTm", ns).text = created_at.replace(microsecond=0).isoformat()
    for block in root.iterfind(".//p:PmtInf", ns):
        sequence = block.find("p:PmtTpInf/p:SeqTp", ns)
        key = sequence.text if sequence is not None else "TRF"
        block.find("p:PmtInfId", ns).text = block_ids[key]
    return root, ns


def _sub(parent, tag: str, ns: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _amend(mandate_info, amendment: Amendment, ns: str) -> None:
    """``AmdmntInd`` and ``AmdmntInfDtls`` right after ``DtOfSgntr`` (the XSD's order)."""
    signed = mandate_info.find(f"{{{ns}}}DtOfSgntr")
    indicator = etree.Element(f"{{{ns}}}AmdmntInd")
    indicator.text = "true"
    details = etree.Element(f"{{{ns}}}AmdmntInfDtls")
    if amendment.original_reference:
        _sub(details, "OrgnlMndtId", ns, amendment.original_reference)
    if amendment.new_debtor_bank:
        # A new bank: its account is news to the creditor's bank anyway; SMNDA says so.
        agent = _sub(details, "OrgnlDbtrAgt", ns)
        _sub(_sub(_sub(agent, "FinInstnId", ns), "Othr", ns), "Id", ns, "SMNDA")
    elif amendment.original_iban:
        account = _sub(details, "OrgnlDbtrAcct", ns)
        _sub(_sub(account, "Id", ns), "IBAN", ns, amendment.original_iban)
    signed.addnext(indicator)
    indicator.addnext(details)


def direct_debit_xml(
    *,
    creditor: Creditor,
    schema: str,
    scheme: str,
    message_id: str,
    created_at: datetime,
    collection_date: date,
    transactions: list[Transaction],
    block_ids: dict[str, str],
) -> str:
    """A pain.008 file (``schema``) with one local instrument (``scheme``: CORE or B2B)."""
    if schema not in DIRECT_DEBIT_SCHEMAS:
        raise ValidationError(_("%(schema)s is no direct-debit format we write.") % {"schema": schema})
    config = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
        "instrument": scheme,
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    elif schema == "pain.008.001.02":
        raise ValidationError(_("The pain.008.001.02 format needs the company's BIC (company profile, bank account)."))
    writer = sepaxml.SepaDD(config, schema=schema, clean=True)
    for tx in transactions:
        payment = {
            "name": tx.name,
            "IBAN": tx.iban,
            "amount": _cents(tx.amount),
            "type": tx.sequence_type,
            "collection_date": collection_date,
            "mandate_id": tx.mandate_reference,
            "mandate_date": tx.mandate_signed_on,
            "description": tx.remittance,
            "endtoend_id": tx.end_to_end_id,
        }
        if tx.bic:
            payment["BIC"] = tx.bic
        if tx.address:
            payment["address"] = dict(tx.address)
        writer.add_payment(payment)
    root, ns = _finish(
        writer.export(validate=False),
        schema=schema,
        message_id=message_id,
        created_at=created_at,
        block_ids=block_ids,
    )
    namespace = ns["p"]
    amendments = {tx.end_to_end_id: tx.amendment for tx in transactions if tx.amendment}
    for tx_info in root.iterfind(".//p:DrctDbtTxInf", ns):
        amendment = amendments.get(tx_info.find("p:PmtId/p:EndToEndId", ns).text)
        if amendment:
            _amend(tx_info.find("p:DrctDbtTx/p:MndtRltdInf", ns), amendment, namespace)
    return _checked(root, schema)


def credit_transfer_xml(
    *,
    debtor: Creditor,
    schema: str,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    transactions: list[Transaction],
    block_id: str,
) -> str:
    """A pain.001 file (``schema``): the company pays each transaction from its account."""
    if schema not in CREDIT_TRANSFER_SCHEMAS:
        raise ValidationError(_("%(schema)s is no credit-transfer format we write.") % {"schema": schema})
    config = {"name": debtor.name, "IBAN": debtor.iban, "batch": True, "currency": "EUR"}
    if debtor.bic:
        config["BIC"] = debtor.bic
    writer = sepaxml.SepaTransfer(config, schema=schema, clean=True)
    for tx in transactions:
        payment = {
            "name": tx.name,
            "IBAN": tx.iban,
            "amount": _cents(tx.amount),
            "execution_date": execution_date,
            "description": tx.remittance,
            "endtoend_id": tx.end_to_end_id,
        }
        if tx.bic:
            payment["BIC"] = tx.bic
        writer.add_payment(payment)
    root, _ns = _finish(
        writer.export(validate=False),
        schema=schema,
        message_id=message_id,
        created_at=created_at,
        block_ids={"TRF": block_id},
    )
    return _checked(root, schema)


def _checked(root, schema: str) -> str:
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    errors = xsd_errors(xml, schema)
    if errors:
        # Input the services let through but the format refuses (a character, a length).
        raise ValidationError(
            _("The %(schema)s file would not be valid: %(errors)s") % {"schema": schema, "errors": "; ".join(errors)}
        )
    return xml
