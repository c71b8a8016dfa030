"""Return and reversal debit lines: which completed payment a line may take back.

A returned direct debit (Rücklastschrift), a credit transfer the bank sends back or a booking the
bank reverses takes money we recorded as a customer's payment. The payment is returned through
the payments service (``payment_return``): what it paid reopens, the payment becomes
``returned``, its event names the ISO return reason and the bank's charges.

Signals, strongest first. The first signal that finds any payment decides; exactly one payment
that fits in it is returned automatically, anything else goes to review:

==================  ======  ==================================================================
signal (``code``)   weight  when
==================  ======  ==================================================================
``end_to_end``          90  a payment recorded from an earlier credit line with the same
                            end-to-end id (the collection's ``EndToEndId`` / ``EREF+``)
``reversed_line``       85  a reversal: the credit line with the same bank reference
``mandate``             70  a payment recorded from a credit line with the same mandate id
                            (and creditor id, when both lines name one)
``iban_amount``         40  a payment of the customer whose bank account is the counterparty
                            IBAN (or paid from it), of the same amount, with a value date on
                            or up to 400 days before the return's
==================  ======  ==================================================================

A payment *fits* when it is completed, in the line's currency, and its amount is the line's
amount or the line's amount less the charges the bank added (a collection of 59.50 returned as
62.50 with 3.00 charges). Each further signal adds 5 points; a payment that does not fit is
capped at 30 and says why. This module only reads; ``returns`` decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.messages import Money, Term, message, message_define, message_text
from customers.models import BankAccount

from ...models import BankLineMatch, BankStatementLine, Payment, PaymentSource, PaymentStatus
from ..importing.redelivery import statement_delivery_ids
from ..matching.text import compact_iban
from ..matching.wording import signal_text
from .codes import Kind, return_reason_text, transaction_code_parts

SAME_END_TO_END = message_define(
    "bank.return.end_to_end", gettext_noop("recorded from a credit line with the same end-to-end id %(reference)s")
)
SAME_BANK_REFERENCE = message_define(
    "bank.return.reversed_line", gettext_noop("the reversed credit line has the same bank reference %(reference)s")
)
SAME_MANDATE = message_define(
    "bank.return.mandate", gettext_noop("recorded from a collection with the same mandate %(reference)s")
)
SAME_AMOUNT_IBAN = message_define(
    "bank.return.iban_amount",
    gettext_noop("a payment of %(customer)s of the same amount from %(date)s; the IBAN %(iban)s is theirs"),
)
PLUS_CHARGES = message_define(
    "bank.return.charges",
    gettext_noop("the line's %(line)s are the payment's %(payment)s plus %(charges)s bank charges"),
)
CHOSEN_BY_HAND = message_define("bank.return.by_hand", gettext_noop("chosen by hand"))
LINKED_BY = message_define("bank.return.linked_by", gettext_noop("linked by %(user)s"))
BANK_CHARGES = message_define("bank.return.bank_charges", gettext_noop("bank charges %(charges)s"))

WEIGHTS = {"end_to_end": 90, "reversed_line": 85, "mandate": 70, "iban_amount": 40}
TIERS = ("end_to_end", "reversed_line", "mandate", "iban_amount")
MORE_SIGNAL = 5
NOT_FITTING_CAP = 30
LOOKBACK = timedelta(days=400)  # unauthorised SEPA debits can be refunded for 13 months
DIRECT_DEBIT_GVC = {"109", "181", "184", "189", "193", "196"}


@dataclass
class ReturnCandidate:
    """A payment a return line may take back, with what points at it and why it may not fit."""

    payment: Payment
    signals: list[dict] = field(default_factory=list)
    problem_message: dict | None = None  # why it does not fit (``fit_problem_message``)

    @property
    def problem(self) -> str:
        return message_text(self.problem_message)

    @property
    def fits(self) -> bool:
        return not self.problem_message

    @property
    def codes(self) -> set[str]:
        return {signal["code"] for signal in self.signals}

    @property
    def confidence(self) -> int:
        weights = sorted((signal["weight"] for signal in self.signals if signal["weight"]), reverse=True)
        score = (weights[0] + MORE_SIGNAL * (len(weights) - 1)) if weights else 0
        return min(score, 100 if self.fits else NOT_FITTING_CAP)

    @property
    def explanation(self) -> str:
        details = [signal_text(signal) for signal in self.signals]
        if self.problem:
            details.append(self.problem)
        return "; ".join(details)


# --- reading the line ---------------------------------------------------------------------------


def clean_reference(value: str) -> str:
    value = (value or "").strip()
    return "" if value.upper() in ("", "NOTPROVIDED", "NONREF") else value


def line_date(line: BankStatementLine):
    return line.value_date or line.booking_date


def return_charges(line: BankStatementLine) -> Decimal | None:
    """The bank's charges for a return: the line's own, or those of a separate charge line of the
    same statement with the same entry reference (a booking split into the return and its fee) —
    the statement as it stands after accepted re-deliveries, without lines they withdrew."""
    if line.charges:
        return line.charges
    if not line.entry_reference:
        return None
    siblings = (
        BankStatementLine.objects.filter(
            statement_id__in=statement_delivery_ids(line.statement_id),
            withdrawn_by__isnull=True,
            entry_reference=line.entry_reference,
            credit=False,
            kind=Kind.CHARGE,
        )
        .exclude(pk=line.pk)
        .aggregate(total=Sum("amount"))
    )
    return siblings["total"]


def returned_amounts(line: BankStatementLine) -> set[Decimal]:
    """The amounts the returned payment may have: the line's, or the line's less its own charges
    (CAMT books a return of 59.50 with 3.00 charges as one entry of 62.50)."""
    amounts = {line.amount}
    if line.charges and line.charges < line.amount:
        amounts.add(line.amount - line.charges)
    return amounts


def is_direct_debit_return(line: BankStatementLine) -> bool:
    parts = transaction_code_parts(line.bank_transaction_code)
    return (
        parts["family"] in ("IDDT", "RDDT")
        or parts["gvc"] in DIRECT_DEBIT_GVC
        or bool(clean_reference(line.mandate_id))
    )


def return_reason(line: BankStatementLine) -> str:
    """The reason the payment event records: what happened, where, and the ISO reason in words."""
    if line.kind == Kind.REVERSAL or (line.reversal and not line.return_reason):
        what = _("reversal by the bank")
    elif is_direct_debit_return(line):
        what = _("direct debit return")
    else:
        what = _("returned payment")
    day = line_date(line)
    where = date_format(day, "SHORT_DATE_FORMAT") if day else "—"
    if line.return_reason:
        return _("%(what)s on the bank statement of %(date)s: %(reason)s") % {
            "what": what,
            "date": where,
            "reason": return_reason_text(line.return_reason),
        }
    return _("%(what)s on the bank statement of %(date)s") % {"what": what, "date": where}


# --- finding candidates ---------------------------------------------------------------------------


def _credit_lines(line: BankStatementLine):
    return BankStatementLine.objects.filter(
        credit=True, currency=line.currency, statement__account_iban=line.statement.account_iban
    ).exclude(pk=line.pk)


def _payments_of_lines(lines) -> list[Payment]:
    """Payments recorded from these credit lines: by the external id ``line:<hash[:40]>`` the
    matching gives them, or by the line's accepted match."""
    hashes = list(lines.values_list("content_hash", flat=True)[:50])
    if not hashes:
        return []
    external_ids = {f"line:{content_hash[:40]}" for content_hash in hashes}
    return list(
        Payment.objects.filter(
            Q(source=PaymentSource.BANK_STATEMENT, external_id__in=external_ids)
            | Q(
                bank_matches__line__content_hash__in=hashes,
                bank_matches__line__credit=True,
                bank_matches__decision=BankLineMatch.Decision.ACCEPTED,
            )
        )
        .distinct()
        .select_related("customer")
        .order_by("-value_date", "-pk")
    )


def _signal(code: str, stored: dict) -> dict:
    """A signal as stored on the suggestion: its message code and parameters, worded when read."""
    return {"code": code, "weight": WEIGHTS.get(code, 0), "message": stored["code"], "params": stored["params"]}


def _tier(line: BankStatementLine, code: str) -> list[tuple[Payment, dict]]:
    if code == "end_to_end":
        reference = clean_reference(line.end_to_end_id)
        if not reference:
            return []
        found = _payments_of_lines(_credit_lines(line).filter(end_to_end_id=reference))
        return [(payment, _signal(code, message(SAME_END_TO_END, reference=reference))) for payment in found]
    if code == "reversed_line":
        reference = clean_reference(line.account_servicer_reference)
        if not line.reversal or not reference:
            return []
        found = _payments_of_lines(_credit_lines(line).filter(account_servicer_reference=reference))
        return [(payment, _signal(code, message(SAME_BANK_REFERENCE, reference=reference))) for payment in found]
    if code == "mandate":
        reference = clean_reference(line.mandate_id)
        if not reference:
            return []
        lines = _credit_lines(line).filter(mandate_id=reference)
        if line.creditor_id:
            lines = lines.filter(Q(creditor_id="") | Q(creditor_id=line.creditor_id))
        same = message(SAME_MANDATE, reference=reference)
        return [(payment, _signal(code, same)) for payment in _payments_of_lines(lines)]
    iban = compact_iban(line.counterparty_iban)
    if not iban:
        return []
    payments = Payment.objects.filter(
        Q(customer__in=BankAccount.objects.filter(iban=iban).values("customer_id")) | Q(payer_iban=iban),
        currency=line.currency,
        amount__in=returned_amounts(line),
    )
    day = line_date(line)
    if day is not None:
        payments = payments.filter(value_date__lte=day, value_date__gte=day - LOOKBACK)
    found = []
    for payment in payments.select_related("customer").order_by("-value_date", "-pk")[:20]:
        detail = message(
            SAME_AMOUNT_IBAN,
            customer=str(payment.customer or payment.payer_name or "—"),
            date=payment.value_date,
            iban=iban,
        )
        found.append((payment, _signal(code, detail)))
    return found


def _already_returned_by(payment: Payment, line: BankStatementLine) -> BankStatementLine | None:
    row = (
        BankLineMatch.objects.filter(payment=payment, decision=BankLineMatch.Decision.ACCEPTED, line__credit=False)
        .exclude(line=line)
        .select_related("line")
        .first()
    )
    return row.line if row else None


NOT_SAME_CURRENCY = message_define(
    "bank.return.not_same_currency", gettext_noop("the payment is in %(payment)s, the line in %(line)s")
)
NOT_SAME_AMOUNT_CHARGES = message_define(
    "bank.return.not_same_amount_charges",
    gettext_noop("the payment's amount %(payment)s is neither the line's %(line)s nor %(net)s without charges"),
)
NOT_SAME_AMOUNT = message_define(
    "bank.return.not_same_amount", gettext_noop("the payment's amount %(payment)s differs from the line's %(line)s")
)
RETURNED_BY_LINE = message_define(
    "bank.return.returned_by_line",
    gettext_noop("the payment was already returned by the statement line of %(date)s (#%(line)s)"),
)
ALREADY_RETURNED = message_define("bank.return.already_returned", gettext_noop("the payment was already returned"))
NOT_COMPLETED = message_define("bank.return.not_completed", gettext_noop("the payment is %(status)s, not completed"))


def fit_problem_message(line: BankStatementLine, payment: Payment) -> dict | None:
    """Why this payment cannot be what the line takes back, as a stored message (worded when
    read, ``core.messages``); None when it can."""
    if payment.currency != line.currency:
        return message(NOT_SAME_CURRENCY, payment=payment.currency, line=line.currency)
    if payment.amount not in returned_amounts(line):
        amounts = {"payment": Money(payment.amount, payment.currency), "line": Money(line.amount, line.currency)}
        if line.charges:
            return message(NOT_SAME_AMOUNT_CHARGES, **amounts, net=Money(line.amount - line.charges, line.currency))
        return message(NOT_SAME_AMOUNT, **amounts)
    if payment.status == PaymentStatus.RETURNED:
        earlier = _already_returned_by(payment, line)
        if earlier is not None:
            return message(RETURNED_BY_LINE, date=line_date(earlier) or "—", line=earlier.pk)
        return message(ALREADY_RETURNED)
    if payment.status != PaymentStatus.COMPLETED:
        # The status values are the msgids of their labels (``PaymentStatus``, context "payment status").
        return message(NOT_COMPLETED, status=Term(payment.status, context="payment status"))
    return None


def fit_problem(line: BankStatementLine, payment: Payment) -> str:
    """Why this payment cannot be what the line takes back, in the active language ("" when it can)."""
    return message_text(fit_problem_message(line, payment))


def return_candidates(line: BankStatementLine) -> tuple[list[ReturnCandidate], str]:
    """Rank the payments a return or reversal line may take back, best first, and name the
    signal that decides (the first that found any payment; "" when none did). Reads only."""
    by_payment: dict[int, ReturnCandidate] = {}
    deciding = ""
    for code in TIERS:
        found = _tier(line, code)
        if found and not deciding:
            deciding = code
        for payment, signal in found:
            candidate = by_payment.setdefault(payment.pk, ReturnCandidate(payment))
            if code not in candidate.codes:
                candidate.signals.append(signal)
    for candidate in by_payment.values():
        candidate.problem_message = fit_problem_message(line, candidate.payment)
        if candidate.fits and line.charges and candidate.payment.amount != line.amount:
            detail = message(
                PLUS_CHARGES,
                line=Money(line.amount, line.currency),
                payment=Money(candidate.payment.amount, candidate.payment.currency),
                charges=Money(line.charges, line.currency),
            )
            candidate.signals.append(_signal("charges", detail))
    ranked = sorted(
        by_payment.values(),
        key=lambda c: (not c.fits, -c.confidence, -c.payment.value_date.toordinal(), -c.payment.pk),
    )
    return ranked, deciding
