"""What a statement line is (``BankStatementLine.Kind``) and what a return reason code means.

The kind is read from the line alone, so it can be set for a whole statement in one pass:

- **return**: money taken back from us with a reason: an ISO 20022 return reason (``RtrInf/Rsn``,
  MT940 ``RTRN``/``?34``), an ISO bank transaction code of a return (``PMNT/IDDT/UPDD``
  "unpaid direct debit", ``…/RRTN`` "returned"), or a German business transaction code
  (Geschäftsvorfallcode, GVC) of a return (``payments.bank.gvc.RETURN_GVC``: returned direct
  debits, 109, 184 …, and transfers, 159 …). A credit line with a reason or a return GVC is one
  of our own transfers coming back.
- **reversal**: the bank reverses an earlier booking (CAMT ``RvslInd``, MT940 ``RC``/``RD``)
  without a return reason.
- **charge**: bank fees: ISO sub-families ``CHRG``, ``COMM``, ``COME``, ``COMI``, ``COMT``,
  ``FEES``, ``TAXE``, ``INTR`` (interest) and the ``MDOP``/``CHRG`` families, SWIFT
  transaction types ``NCHG``/``NCOM``/``NINT``, GVC 805–809, 814 (Abschluss, Entgelte, Zinsen),
  or a line whose charges are its whole amount.
- **outgoing**: any other debit (supplier payments, refunds we sent, taxes …).
- **payment**: any other credit.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from ...models import BankStatementLine
from ..gvc import CHARGE_GVC, RETURN_GVC

Kind = BankStatementLine.Kind

# ISO 20022 ExternalReturnReason1Code (the codes SEPA uses, and a few card/instant ones).
RETURN_REASONS = {
    "AC01": _("incorrect account number (IBAN)"),
    "AC03": _("invalid creditor account number"),
    "AC04": _("account closed"),
    "AC06": _("account blocked"),
    "AC13": _("payer is a consumer (business-to-business direct debit not allowed)"),
    "AG01": _("transaction forbidden on this account"),
    "AG02": _("invalid bank operation code"),
    "AM04": _("insufficient funds"),
    "AM05": _("duplicate collection"),
    "AM09": _("wrong amount"),
    "BE04": _("creditor address missing"),
    "BE05": _("creditor identifier not recognised"),
    "CNOR": _("creditor's bank not reachable"),
    "CUST": _("requested by the customer"),
    "DNOR": _("payer's bank not reachable"),
    "DUPL": _("duplicate payment"),
    "ED05": _("settlement failed"),
    "FF01": _("invalid file format"),
    "FF05": _("wrong direct debit type"),
    "FOCR": _("return after a recall request"),
    "FRAD": _("fraudulent origin"),
    "MD01": _("no valid mandate"),
    "MD02": _("mandate data missing or wrong"),
    "MD06": _("refund request by the payer"),
    "MD07": _("payer deceased"),
    "MS02": _("refused by the payer, no reason given"),
    "MS03": _("no reason given by the bank"),
    "NOAS": _("no answer from the payee"),
    "NOOR": _("original payment not received"),
    "RC01": _("incorrect bank identifier (BIC)"),
    "RR01": _("regulatory reason: payer's account or identification missing"),
    "RR02": _("regulatory reason: payer's name or address missing"),
    "RR03": _("regulatory reason: creditor's name or address missing"),
    "RR04": _("regulatory reason"),
    "SL01": _("specific service of the payer's bank"),
    "TECH": _("technical problem"),
    "TM01": _("received after the cut-off time"),
    "UPAY": _("undue payment"),
}

RETURN_SUBFAMILIES = {"UPDD", "RRTN", "PRDD", "RPCR", "ARET", "NRTN"}
CHARGE_SUBFAMILIES = {"CHRG", "COMM", "COME", "COMI", "COMT", "FEES", "TAXE", "INTR", "SUBS"}
CHARGE_FAMILIES = {"MDOP", "CHRG"}  # ACMT/MDOP/…: miscellaneous debit operations of the account
CHARGE_SWIFT = {"NCHG", "NCOM", "NINT", "FCHG", "FCOM", "FINT", "SCHG"}
_PROPRIETARY = re.compile(r"^(?P<swift>[NFS][A-Z]{3})?\+?(?P<gvc>\d{3})?$")


def return_reason_text(code: str) -> str:
    """``"MD06 – refund request by the payer"`` in the active language; an unknown code alone
    (German banks also send three-digit return keys, 901 …, which are shown as they are)."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    meaning = RETURN_REASONS.get(code)
    return f"{code} – {meaning}" if meaning else code


def transaction_code_parts(code: str) -> dict[str, str]:
    """The bank transaction code as stored by the parsers, read into its parts: ISO
    ``domain``/``family``/``subfamily`` (``PMNT/IDDT/UPDD``), the SWIFT transaction type
    (``NCHG``) and the German GVC (``NCHG+805``, ``805``)."""
    code = (code or "").strip().upper()
    parts = {"domain": "", "family": "", "subfamily": "", "swift": "", "gvc": ""}
    iso = code.split("/")
    if len(iso) == 3 and all(iso):
        parts["domain"], parts["family"], parts["subfamily"] = iso
        return parts
    match = _PROPRIETARY.match(code)
    if match:
        parts["swift"], parts["gvc"] = match.group("swift") or "", match.group("gvc") or ""
    return parts


def line_kind(line: BankStatementLine) -> str:
    """The ``BankStatementLine.Kind`` of a line (see the module docstring). Reads only the line."""
    parts = transaction_code_parts(line.bank_transaction_code)
    has_reason = bool((line.return_reason or "").strip())
    return_code = parts["subfamily"] in RETURN_SUBFAMILIES or parts["gvc"] in RETURN_GVC
    if line.credit:
        if has_reason or parts["gvc"] in RETURN_GVC:
            return Kind.RETURN
        return Kind.REVERSAL if line.reversal else Kind.PAYMENT
    if has_reason or return_code:
        return Kind.RETURN
    if line.reversal:
        return Kind.REVERSAL
    if (
        parts["subfamily"] in CHARGE_SUBFAMILIES
        or parts["family"] in CHARGE_FAMILIES
        or parts["gvc"] in CHARGE_GVC
        or parts["swift"] in CHARGE_SWIFT
        or (line.charges is not None and line.charges == line.amount)
    ):
        return Kind.CHARGE
    return Kind.OUTGOING


def kind_text(kind: str) -> str:
    """The kind's label, "—" while not classified."""
    return str(Kind(kind).label) if kind else "—"
