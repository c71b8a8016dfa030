"""The one shape every bank statement format is parsed into (``payments.bank.parse``).

A parser turns a file into ``ParsedStatement`` objects, all or nothing: a malformed or unknown
file raises ``StatementFormatError`` naming the element or line and why, and nothing is
imported. Batch bookings (one entry, many transactions) are flattened into one
``ParsedLine`` per transaction, keeping the entry's reference and the position in the batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from core.messages import message, message_define, message_text

# Errors and warnings stored as sentences before messages became codes (migration 0008 wraps
# them); shown as they were written, in every language.
WORDED = message_define("bank.worded", gettext_noop("%(text)s"))


class StatementFormatError(ValueError):
    """The file cannot be imported. ``location`` names the element path or line number.

    Raised with a message code (``core.messages.message_define``) and its parameters, so the
    error stored on the import is worded in the language of whoever reads it
    (``stored``: the code and parameters; ``message``: worded in the active language).
    """

    def __init__(self, code: str, *, location: str = "", **params):
        # An undefined code is a programming error (KeyError), not a message to store.
        self.stored = message(code, **params)
        self.location = location
        super().__init__(code)

    @property
    def message(self) -> str:
        return message_text(self.stored)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


_LINE_LOCATION = re.compile(r"line (\d+)(?:, column (.+))?", re.DOTALL)


def line_location(line: int, column: int | str | None = None) -> str:
    """A place in a text file as stored (``StatementFormatError.location``, a line's
    ``source_location``): language-neutral, worded when read (``location_text``)."""
    return f"line {line}" if column is None else f"line {line}, column {column}"


def location_text(location: str) -> str:
    """A stored location in the active language ("Zeile 12"); an element path (CAMT) as it is."""
    match = _LINE_LOCATION.fullmatch(location or "")
    if match is None:
        return location or ""
    if match.group(2) is not None:
        return gettext("line %(line)s, column %(column)s") % {"line": match.group(1), "column": match.group(2)}
    return gettext("line %(line)s") % {"line": match.group(1)}


LOCATION_LINE = message_define("bank.location.line", gettext_noop("line %(line)s"))
LOCATION_LINE_COLUMN = message_define("bank.location.line_column", gettext_noop("line %(line)s, column %(column)s"))


def location_param(location: str) -> dict | str:
    """A stored location as a parameter of a stored message: a line (and column) as a message of
    its own, worded when the message is read ("Zeile 12"); an element path (CAMT) as it is."""
    match = _LINE_LOCATION.fullmatch(location or "")
    if match is None:
        return location or ""
    if match.group(2) is not None:
        return message(LOCATION_LINE_COLUMN, line=int(match.group(1)), column=match.group(2))
    return message(LOCATION_LINE, line=int(match.group(1)))


def quoted(value: str) -> str:
    """A value from the file quoted for an error message, shortened: a message must stay readable."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


@dataclass(frozen=True)
class ParsedLine:
    """One booked (or pending) movement on the account: a credit (money in) or a debit."""

    amount: Decimal  # always > 0; the direction is ``credit``
    currency: str
    credit: bool  # True: money in (CRDT, MT940 C and RD = reversal of a debit); False: money out (DBIT, D, RC)
    booking_date: date | None
    value_date: date | None
    status: str = "BOOK"  # BOOK, PDNG, INFO (CAMT); MT940 lines are booked
    reversal: bool = False  # a reversal/return of an earlier booking (CAMT RvslInd, MT940 RC/RD)
    account_servicer_reference: str = ""  # AcctSvcrRef / MT940 bank reference
    entry_reference: str = ""  # NtryRef; the entry a batch line belongs to
    batch_index: int = 0  # position within a batch entry (0 when not a batch)
    batch_size: int = 1  # transactions in the batch: the TxDtls given, else the bank's Btch/NbOfTxs
    # The batch a booking belongs to, as we sent it: pain.008/pain.001 PmtInfId (CAMT Btch/PmtInfId or
    # TxDtls/Refs/PmtInfId; MT940 KREF+ of a Sammler) and, where the bank names it, the file's MsgId.
    payment_info_id: str = ""
    batch_message_id: str = ""
    end_to_end_id: str = ""  # EndToEndId / EREF+
    mandate_id: str = ""  # MndtId / MREF+
    creditor_id: str = ""  # CdtrSchmeId / CRED+
    customer_reference: str = ""  # KREF+ / instruction id
    structured_reference: str = ""  # CdtrRefInf/Ref (e.g. RF creditor reference)
    remittance: str = ""  # unstructured remittance, joined with spaces
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    bank_transaction_code: str = ""  # ISO Domain/Family/SubFamily, or proprietary (GVC, e.g. 166)
    return_reason: str = ""  # ISO reason code of a return (AC04, MD06, …)
    charges: Decimal | None = None  # fees the bank deducted on this line
    additional_info: str = ""  # AddtlNtryInf / MT940 :86: text not otherwise parsed
    source_location: str = ""  # where in the file (element path or line number), for messages


@dataclass(frozen=True)
class ParsedStatement:
    format: str  # e.g. "camt.053.001.02", "mt940", "csv"
    kind: str  # "statement" (053, MT940), "report" (052, intraday), "notification" (054)
    statement_id: str  # Stmt/Id, MT940 :20:/:28C:, or a content hash for CSV
    account_iban: str
    currency: str
    created_at: datetime | None = None
    sequence: str = ""  # ElctrncSeqNb / LglSeqNb / :28C:
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Decimal | None = None  # signed (negative: debit balance)
    closing_balance: Decimal | None = None
    lines: tuple[ParsedLine, ...] = field(default_factory=tuple)

    def balance_difference(self) -> Decimal | None:
        """Opening + credits − debits − closing, over booked lines; None without both balances.
        Anything but 0 means the statement does not add up (a warning, not a refusal)."""
        if self.opening_balance is None or self.closing_balance is None:
            return None
        moved = sum(
            (line.amount if line.credit else -line.amount for line in self.lines if line.status == "BOOK"),
            Decimal("0"),
        )
        return self.opening_balance + moved - self.closing_balance
