"""Which invoices a bank statement credit line pays: ranked, explained suggestions; automatic
application above a threshold; and the decisions people take on the rest.

``line_candidates`` only reads. It looks for signals, scores every (customer, invoices) pair
they point at and explains each score in words. The confidence is the sum of the signal weights,
clamped to 0–100:

============================  ======  ==========================================================
signal (``code``)             weight  when
============================  ======  ==========================================================
``number_exact``                  70  an open invoice's number appears as printed
``number_mangled``                60  … without dashes or spaces, without its "RE" prefix or
                                      without the leading zeros of its sequence
``number_typo``                   40  a number one character away (Levenshtein 1) from exactly
                                      one open invoice's number
``numbers_several``                —   several numbers named: the amount is split over them by
                                      their open amounts; the weakest number's weight counts
``iban``                          35  the payer IBAN is a bank account of the customer
``name_strong``                   20  payer name ≈ legal name (similarity ≥ 0.90, legal forms
                                      such as GmbH/AG and case ignored)
``name_similar``                  10  … similarity ≥ 0.75
``customer_number``               25  the customer number appears in the text
``amount_exact``                  25  the amount equals the open amount (or the sum of the
                                      named invoices' open amounts)
``amount_skonto``                 25  the amount equals the Skonto amount within the discount
                                      period (``skonto_amount_to_pay``)
``amount_partial``                 5  the amount is less than the open amount (partial payment)
``amount_over``                    0  the amount exceeds the open amount (rest stays unapplied)
``number_other_customer``        −40  the invoice number belongs to another customer than the
                                      payer IBAN (applied to both candidates)
``amount_ambiguous``       cap at 60  the amount fits two or more open invoices of the customer
                                      and no number is named: never applied automatically
``customer_only``                  0  the customer is known but no open invoice fits
============================  ======  ==========================================================

So an exact number with the exact amount (95) is applied automatically at the default threshold
of 90, a mangled number needs the amount and the IBAN as well, and a customer recognised only by
IBAN, name and amount (80) goes to review.

``line_match`` stores the ranking as ``BankLineMatch`` rows and applies the best candidate when
its confidence reaches ``settings.DEBITOR_MATCH_AUTO_THRESHOLD`` (default 90) and it leads the
second by at least ``LEAD`` points. The payment's external id is derived from the line's content
hash, so a line is never recorded twice (``payments_payment_once``).
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import BankAccount, Customer
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import AllocationRule, BankLineMatch, BankStatementLine, Payment, PaymentChannel, PaymentSource
from ..services import payment_allocate, payment_record, skonto_amount_to_pay

DEFAULT_THRESHOLD = 90
LEAD = 15  # points the best candidate must lead the second by to be applied automatically
AMBIGUOUS_CAP = 60
ZERO = Decimal("0")

WEIGHTS = {
    "number_exact": 70,
    "number_mangled": 60,
    "number_typo": 40,
    "iban": 35,
    "name_strong": 20,
    "name_similar": 10,
    "customer_number": 25,
    "amount_exact": 25,
    "amount_skonto": 25,
    "amount_partial": 5,
    "amount_over": 0,
    "number_other_customer": -40,
    "amount_ambiguous": 0,
    "numbers_several": 0,
    "customer_only": 0,
}
NAME_STRONG, NAME_SIMILAR = 0.90, 0.75
SEPARATORS = r"[\s\-/._]*"
LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|kgaa|ohg|ug|gbr|se|ek|e\.?\s?k|e\.?\s?v|ev|co|ltd|inc|llc|plc|sarl|bv|haftungsbeschränkt)\b\.?"
)
TYPO_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?:[A-Za-z]{1,4}[\-/.]?)?(?<![0-9])\d+(?:[\-/.]\d+)*(?![0-9])")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    detail: str

    def as_json(self) -> dict:
        return {"code": self.code, "weight": self.weight, "detail": self.detail}


@dataclass
class Candidate:
    """A suggestion: the customer, and the invoices with the amount each would receive (none: the
    payment is recorded for the customer and left unapplied)."""

    customer: Customer
    targets: list[tuple[Invoice, Decimal]]
    amount: Decimal
    signals: list[Signal] = field(default_factory=list)
    cap: int = 100

    @property
    def confidence(self) -> int:
        return max(0, min(self.cap, 100, sum(signal.weight for signal in self.signals)))

    @property
    def explanation(self) -> str:
        return "; ".join(signal.detail for signal in self.signals)


# --- reading the text -------------------------------------------------------------------------


def _texts(line: BankStatementLine) -> list[tuple[str, str]]:
    """The free-text fields of a line a payer can write numbers into, with their names."""
    fields = [
        (line.remittance, _("remittance")),
        (line.end_to_end_id, _("end-to-end id")),
        (line.structured_reference, _("structured reference")),
        (line.customer_reference, _("customer reference")),
        (line.additional_info, _("additional information")),
    ]
    return [(text, name) for text, name in fields if text and text.upper() != "NOTPROVIDED"]


@functools.lru_cache(maxsize=4096)
def _number_pattern(number: str) -> re.Pattern:
    """The number as printed, or without separators, without its letter prefix, or without the
    leading zeros of its last group of digits: RE-2026-000123, RE2026000123, 2026-000123, 2026-123."""
    groups = re.findall(r"[A-Za-z]+|\d+", number)
    letters = []
    while groups and groups[0].isalpha():
        letters.append(re.escape(groups.pop(0)))
    parts = []
    for index, group in enumerate(groups):
        if index == len(groups) - 1 and group.isdigit():
            parts.append("0*" + re.escape(group.lstrip("0") or "0"))
        else:
            parts.append(re.escape(group))
    prefix = f"(?:{SEPARATORS.join(letters)}{SEPARATORS})?" if letters else ""
    body = SEPARATORS.join(parts)
    return re.compile(rf"(?<![0-9A-Za-z]){prefix}(?<![0-9]){body}(?![0-9])", re.IGNORECASE)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one character replaced, inserted or deleted)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _normal_name(name: str) -> str:
    text = name.casefold().replace("&", " ")
    text = LEGAL_FORMS.sub(" ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def name_similarity(a: str, b: str) -> float:
    """difflib ratio of the two names, case and legal forms (GmbH, AG, KG …) ignored."""
    a, b = _normal_name(a), _normal_name(b)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def _compact_iban(iban: str) -> str:
    try:
        from schwifty import IBAN

        return IBAN(iban, allow_invalid=True).compact
    except (ImportError, ValueError):
        return re.sub(r"\s+", "", iban or "").upper()


# --- finding candidates -----------------------------------------------------------------------


@dataclass
class _Found:
    invoice: Invoice
    code: str
    detail: str
    position: tuple[int, int]


def _open_invoices(currency: str) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED, open_amount__gt=0, currency=currency
        )
        .select_related("customer")
        .order_by("due_date", "invoice_date", "id")
    )


def _numbers_named(texts: list[tuple[str, str]], invoices: list[Invoice]) -> list[_Found]:
    """Open invoices whose number the payer wrote, exactly, mangled, or with one typo."""
    found: dict[int, _Found] = {}
    for order, (text, where) in enumerate(texts):
        for invoice in invoices:
            if invoice.pk in found or not invoice.number:
                continue
            match = _number_pattern(invoice.number).search(text)
            if match is None:
                continue
            seen = match.group(0)
            if seen.casefold() == invoice.number.casefold():
                detail = _("%(number)s found in %(field)s") % {"number": invoice.number, "field": where}
                code = "number_exact"
            else:
                detail = _("%(number)s found as “%(text)s” in %(field)s") % {
                    "number": invoice.number,
                    "text": seen,
                    "field": where,
                }
                code = "number_mangled"
            found[invoice.pk] = _Found(invoice, code, detail, (order, match.start()))
    for order, (text, where) in enumerate(texts):
        for token in TYPO_TOKEN.finditer(text):
            digits = _digits(token.group(0))
            if len(digits) < 6:
                continue
            near = [
                invoice
                for invoice in invoices
                if invoice.number
                and len(_digits(invoice.number)) >= 6
                and _within_one_edit(digits, _digits(invoice.number))
            ]
            if len(near) != 1 or near[0].pk in found:
                continue  # none, ambiguous, or already named properly
            invoice = near[0]
            detail = _("“%(text)s” in %(field)s differs from %(number)s by one character") % {
                "text": token.group(0),
                "field": where,
                "number": invoice.number,
            }
            found[invoice.pk] = _Found(invoice, "number_typo", detail, (order, token.start()))
    return sorted(found.values(), key=lambda f: f.position)


def _amount_signal(line_amount: Decimal, invoice: Invoice, value_date) -> tuple[Signal | None, Decimal]:
    """The amount signal for one invoice and what the invoice would receive."""
    if line_amount == invoice.open_amount:
        return Signal("amount_exact", WEIGHTS["amount_exact"], _("amount equals the open amount")), line_amount
    skonto = skonto_amount_to_pay(invoice, value_date) if value_date else None
    if skonto is not None and line_amount == skonto:
        detail = _(
            "amount equals the amount to pay with early payment discount (%(amount)s) within the discount period"
        )
        return Signal("amount_skonto", WEIGHTS["amount_skonto"], detail % {"amount": skonto}), line_amount
    if line_amount < invoice.open_amount:
        detail = _("amount is less than the open amount %(open)s (partial payment)") % {"open": invoice.open_amount}
        return Signal("amount_partial", WEIGHTS["amount_partial"], detail), line_amount
    detail = _("amount exceeds the open amount %(open)s; the rest stays unapplied") % {"open": invoice.open_amount}
    return Signal("amount_over", WEIGHTS["amount_over"], detail), invoice.open_amount


def _split(line_amount: Decimal, invoices: list[Invoice], value_date) -> tuple[list, Signal, Signal]:
    """Several invoices named: each in turn receives its open amount (or, when the amount is
    exactly what they ask for with Skonto, its Skonto amount) until the money runs out."""
    opens = sum((invoice.open_amount for invoice in invoices), ZERO)
    with_skonto = [(skonto_amount_to_pay(invoice, value_date) if value_date else None) for invoice in invoices]
    discounted = [s if s is not None else inv.open_amount for s, inv in zip(with_skonto, invoices, strict=True)]
    use_skonto = sum(discounted, ZERO) == line_amount and any(s is not None for s in with_skonto)
    wanted = discounted if use_skonto else [invoice.open_amount for invoice in invoices]
    money, targets = line_amount, []
    for invoice, share in zip(invoices, wanted, strict=True):
        if money <= 0:
            break
        take = min(money, share)
        targets.append((invoice, take))
        money -= take
    numbers = ", ".join(invoice.number for invoice in invoices)
    if line_amount == opens:
        signal = Signal("amount_exact", WEIGHTS["amount_exact"], _("amount equals the sum of the open amounts"))
    elif use_skonto:
        detail = _("amount equals the sum of the amounts to pay with early payment discount")
        signal = Signal("amount_skonto", WEIGHTS["amount_skonto"], detail)
    elif line_amount < opens:
        detail = _("amount is less than the sum of the open amounts %(open)s (partial payment)") % {"open": opens}
        signal = Signal("amount_partial", WEIGHTS["amount_partial"], detail)
    else:
        detail = _("amount exceeds the sum of the open amounts %(open)s; the rest stays unapplied") % {"open": opens}
        signal = Signal("amount_over", WEIGHTS["amount_over"], detail)
    several = Signal(
        "numbers_several",
        WEIGHTS["numbers_several"],
        _("several invoice numbers named (%(numbers)s); amount split by open amounts") % {"numbers": numbers},
    )
    return targets, several, signal


def line_candidates(*, line: BankStatementLine, as_of: datetime) -> list[Candidate]:
    """Rank what a credit line may pay, best first (debits are not matched here: empty list).
    Reads only. See the module docstring for the signals and their weights. Ties are broken by
    the customer number and the first invoice's number, so the order is stable."""
    if not line.credit:
        return []
    value_date = line.value_date or line.booking_date or as_of.date()
    texts = _texts(line)
    invoices = _open_invoices(line.currency)
    by_customer: dict[int, list[Invoice]] = {}
    customers: dict[int, Customer] = {}
    for invoice in invoices:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
        customers[invoice.customer_id] = invoice.customer

    # Customer-level signals: IBAN, name, customer number.
    customer_signals: dict[int, list[Signal]] = {}
    iban_customers: set[int] = set()
    iban = _compact_iban(line.counterparty_iban) if line.counterparty_iban else ""
    if iban:
        for account in BankAccount.objects.filter(iban=iban).select_related("customer").order_by("customer_id", "id"):
            customer = account.customer
            customers.setdefault(customer.pk, customer)
            iban_customers.add(customer.pk)
            detail = _("payer IBAN belongs to customer %(number)s") % {"number": customer.number}
            customer_signals.setdefault(customer.pk, []).append(Signal("iban", WEIGHTS["iban"], detail))
    if line.counterparty_name:
        for pk, customer in customers.items():
            ratio = name_similarity(line.counterparty_name, customer.legal_name)
            if ratio >= NAME_SIMILAR:
                code = "name_strong" if ratio >= NAME_STRONG else "name_similar"
                detail = _("payer name “%(payer)s” resembles %(name)s (similarity %(score)s/100)") % {
                    "payer": line.counterparty_name,
                    "name": customer.legal_name,
                    "score": int(ratio * 100),
                }
                customer_signals.setdefault(pk, []).append(Signal(code, WEIGHTS[code], detail))
    for pk, customer in customers.items():
        pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(customer.number)}(?![0-9A-Za-z])", re.IGNORECASE)
        for text, where in texts:
            if pattern.search(text):
                detail = _("customer number %(number)s found in %(field)s") % {
                    "number": customer.number,
                    "field": where,
                }
                customer_signals.setdefault(pk, []).append(
                    Signal("customer_number", WEIGHTS["customer_number"], detail)
                )
                break

    named = _numbers_named(texts, invoices)
    named_by_customer: dict[int, list[_Found]] = {}
    for found in named:
        named_by_customer.setdefault(found.invoice.customer_id, []).append(found)

    candidates: list[Candidate] = []
    for pk in sorted(set(customer_signals) | set(named_by_customer), key=lambda pk: customers[pk].number):
        customer = customers[pk]
        own = list(customer_signals.get(pk, []))
        conflict = []
        if iban_customers and pk not in iban_customers and pk in named_by_customer:
            others = ", ".join(customers[other].number for other in sorted(iban_customers))
            conflict.append(
                Signal(
                    "number_other_customer",
                    WEIGHTS["number_other_customer"],
                    _("the invoice number belongs to customer %(number)s, the payer IBAN to customer %(other)s")
                    % {"number": customer.number, "other": others},
                )
            )
        if pk in iban_customers and any(other not in iban_customers for other in named_by_customer):
            others = ", ".join(
                customers[other].number for other in sorted(named_by_customer) if other not in iban_customers
            )
            conflict.append(
                Signal(
                    "number_other_customer",
                    WEIGHTS["number_other_customer"],
                    _("the payer IBAN belongs to customer %(number)s, the invoice number named to customer %(other)s")
                    % {"number": customer.number, "other": others},
                )
            )
        mine = named_by_customer.get(pk, [])
        if len(mine) >= 2:
            targets, several, amount_signal = _split(line.amount, [f.invoice for f in mine], value_date)
            weakest = min(mine, key=lambda f: WEIGHTS[f.code])
            number_signals = [Signal(f.code, 0, f.detail) for f in mine]
            number_signals[mine.index(weakest)] = Signal(weakest.code, WEIGHTS[weakest.code], weakest.detail)
            signals = [*number_signals, several, amount_signal, *own, *conflict]
            candidates.append(Candidate(customer, targets, line.amount, signals))
        elif len(mine) == 1:
            found = mine[0]
            amount_signal, share = _amount_signal(line.amount, found.invoice, value_date)
            signals = [Signal(found.code, WEIGHTS[found.code], found.detail), amount_signal, *own, *conflict]
            candidates.append(Candidate(customer, [(found.invoice, share)], line.amount, signals))
        if mine:
            continue
        # No number named: the customer's invoices the amount fits.
        fitting = []
        for invoice in by_customer.get(pk, []):
            amount_signal, share = _amount_signal(line.amount, invoice, value_date)
            if amount_signal.code in ("amount_exact", "amount_skonto"):
                fitting.append((invoice, amount_signal, share))
        if fitting:
            ambiguous = len(fitting) > 1
            for invoice, amount_signal, share in fitting:
                signals = [amount_signal, *own, *conflict]
                cap = 100
                if ambiguous:
                    detail = _("amount fits %(count)s open invoices of the customer and none is named") % {
                        "count": len(fitting)
                    }
                    signals.append(Signal("amount_ambiguous", WEIGHTS["amount_ambiguous"], detail))
                    cap = AMBIGUOUS_CAP
                candidates.append(Candidate(customer, [(invoice, share)], line.amount, signals, cap=cap))
        else:
            detail = _("no open invoice of the customer fits; record as a payment of the customer")
            signals = [*own, *conflict, Signal("customer_only", WEIGHTS["customer_only"], detail)]
            candidates.append(Candidate(customer, [], line.amount, signals))
    candidates.sort(key=lambda c: (-c.confidence, c.customer.number, c.targets[0][0].number if c.targets else "~"))
    return candidates


# --- storing and deciding ---------------------------------------------------------------------


def _threshold(threshold: int | None) -> int:
    if threshold is not None:
        return threshold
    return getattr(settings, "DEBITOR_MATCH_AUTO_THRESHOLD", DEFAULT_THRESHOLD)


def _line_locked(line: BankStatementLine) -> BankStatementLine:
    return BankStatementLine.objects.select_for_update().get(pk=line.pk)


def _store(line: BankStatementLine, candidates: list[Candidate], as_of: datetime) -> list[list[BankLineMatch]]:
    """One row per candidate and invoice; a split candidate's rows share rank and confidence."""
    groups = []
    for rank, candidate in enumerate(candidates, start=1):
        targets = candidate.targets or [(None, candidate.amount)]
        rows = [
            BankLineMatch(
                line=line,
                invoice=invoice,
                customer=candidate.customer,
                amount=amount,
                confidence=candidate.confidence,
                explanation=candidate.explanation,
                signals=[signal.as_json() for signal in candidate.signals],
                rank=rank,
                created_at=as_of,
            )
            for invoice, amount in targets
        ]
        groups.append(BankLineMatch.objects.bulk_create(rows))
    return groups


def _record_payment(*, line: BankStatementLine, customer, as_of: datetime, by) -> Payment:
    return payment_record(
        customer=customer,
        channel=PaymentChannel.BANK_TRANSFER,
        amount=line.amount,
        currency=line.currency,
        value_date=line.value_date or line.booking_date,
        as_of=as_of,
        by=by,
        payer_name=line.counterparty_name,
        payer_iban=line.counterparty_iban,
        remittance=line.remittance,
        external_id=f"line:{line.content_hash[:40]}",
        source=PaymentSource.BANK_STATEMENT,
        allocate=False,
    )


def _apply(*, line, customer, targets, explanation: str, as_of: datetime, by) -> Payment:
    """Record the line as a payment (once: the external id) and allocate it to the targets,
    unless that payment was already allocated (a rerun)."""
    payment = _record_payment(line=line, customer=customer, as_of=as_of, by=by)
    if targets and not payment.allocations.filter(reversed_at__isnull=True).exists():
        payment_allocate(
            payment=payment,
            targets=[{"invoice": invoice, "amount": amount} for invoice, amount in targets],
            as_of=as_of,
            by=by,
            rule=AllocationRule.MATCHING,
            explanation=explanation,
        )
    return payment


def _decided(line: BankStatementLine) -> bool:
    return line.match_status in (BankStatementLine.MatchStatus.MATCHED, BankStatementLine.MatchStatus.IGNORED)


def _refuse_decided(line: BankStatementLine) -> None:
    if _decided(line):
        message = _("This statement line was already decided (%(status)s).")
        raise ValidationError({"line": [message % {"status": line.get_match_status_display()}]})


def _reject_open(line: BankStatementLine, *, as_of: datetime, by) -> None:
    line.matches.filter(decision="").update(decision=BankLineMatch.Decision.REJECTED, decided_by=by, decided_at=as_of)


def _set_status(line: BankStatementLine, status: str) -> None:
    line.match_status = status
    line.save(update_fields=["match_status"])


def line_match(
    *, line: BankStatementLine, as_of: datetime, threshold: int | None = None, by=None
) -> list[BankLineMatch]:
    """Rank a credit line's candidates and store them (earlier undecided suggestions are
    replaced; decisions are kept). The best is applied automatically when its confidence
    reaches the threshold and leads the second by ``LEAD`` points, and it names invoices that
    nobody rejected for this line: the line is recorded as a bank-transfer payment of the
    customer and allocated (rule "matching") with the explanation, the match accepted with no
    person (``decided_by`` empty), the line ``matched``. Otherwise the line goes to ``review``.
    A matched or ignored line, and a debit line, are left alone."""
    threshold = _threshold(threshold)
    with transaction.atomic():
        line = _line_locked(line)
        if _decided(line) or not line.credit:
            return list(line.matches.all())
        candidates = line_candidates(line=line, as_of=as_of)
        rejected = set(
            line.matches.filter(decision=BankLineMatch.Decision.REJECTED, invoice__isnull=False).values_list(
                "invoice_id", flat=True
            )
        )
        line.matches.filter(decision="").delete()
        groups = _store(line, candidates, as_of)
        best = candidates[0] if candidates else None
        second = candidates[1].confidence if len(candidates) > 1 else 0
        if (
            best is not None
            and best.targets
            and best.confidence >= threshold
            and best.confidence - second >= LEAD
            and not rejected.intersection(invoice.pk for invoice, _amount in best.targets)
        ):
            payment = _apply(
                line=line,
                customer=best.customer,
                targets=best.targets,
                explanation=best.explanation,
                as_of=as_of,
                by=by,
            )
            for row in groups[0]:
                row.decision, row.decided_by, row.decided_at, row.payment = "accepted", None, as_of, payment
            BankLineMatch.objects.bulk_update(groups[0], ["decision", "decided_by", "decided_at", "payment"])
            _set_status(line, BankStatementLine.MatchStatus.MATCHED)
        else:
            _set_status(line, BankStatementLine.MatchStatus.REVIEW)
        return [row for group in groups for row in group]


def line_accept(*, match: BankLineMatch, as_of: datetime, by, amounts: list[dict] | None = None) -> list[BankLineMatch]:
    """A person accepts a suggestion. Without ``amounts`` the suggestion is applied as proposed
    (all invoices of a split); with ``amounts`` ([{"invoice": inv, "amount": Decimal}, ...]) the
    money is split as given, within the customer's open invoices. What is left of the line stays
    unapplied on the payment. The other open suggestions are rejected by the same person."""
    with transaction.atomic():
        line = _line_locked(match.line)
        _refuse_decided(line)
        match = BankLineMatch.objects.select_related("customer", "invoice").get(pk=match.pk)
        if match.decision or match.customer is None:
            raise ValidationError({"match": [_("This suggestion can no longer be accepted.")]})
        if amounts is None:
            group = list(line.matches.filter(rank=match.rank, decision="").select_related("invoice").order_by("id"))
            targets = [(row.invoice, row.amount) for row in group if row.invoice is not None]
        else:
            targets = [(row["invoice"], row["amount"]) for row in amounts]
        explanation = match.explanation
        if by is not None:
            explanation = _("accepted by %(user)s: %(explanation)s") % {"user": by, "explanation": match.explanation}
        payment = _apply(
            line=line, customer=match.customer, targets=targets, explanation=explanation, as_of=as_of, by=by
        )
        accepted = []
        for invoice, amount in targets or [(None, line.amount)]:
            row = line.matches.filter(invoice=invoice, decision="").order_by("rank", "id").first()
            if row is None:
                row = BankLineMatch(
                    line=line,
                    invoice=invoice,
                    customer=match.customer,
                    confidence=match.confidence,
                    explanation=match.explanation,
                    signals=match.signals,
                    rank=match.rank,
                    created_at=as_of,
                )
            row.amount, row.decision, row.decided_by, row.decided_at, row.payment = (
                amount,
                BankLineMatch.Decision.ACCEPTED,
                by,
                as_of,
                payment,
            )
            row.save()
            accepted.append(row)
        _reject_open(line, as_of=as_of, by=by)
        _set_status(line, BankStatementLine.MatchStatus.MATCHED)
        return accepted


def line_assign_to_customer(*, line: BankStatementLine, customer: Customer, as_of: datetime, by) -> BankLineMatch:
    """A person knows who paid but not for what: the line is recorded as the customer's payment
    and left unapplied (to be allocated or kept as credit later)."""
    with transaction.atomic():
        line = _line_locked(line)
        _refuse_decided(line)
        if not line.credit:
            raise ValidationError({"line": [_("Only credit lines can be recorded as payments.")]})
        payment = _record_payment(line=line, customer=customer, as_of=as_of, by=by)
        suggested = line.matches.filter(customer=customer, invoice__isnull=True, decision="").first()
        detail = _("assigned to customer %(number)s by hand; left unapplied") % {"number": customer.number}
        _reject_open(line, as_of=as_of, by=by)
        decision = BankLineMatch.objects.create(
            line=line,
            invoice=None,
            customer=customer,
            amount=line.amount,
            confidence=suggested.confidence if suggested else 0,
            explanation=detail,
            signals=[{"code": "assigned", "weight": 0, "detail": detail}],
            rank=suggested.rank if suggested else 0,
            decision=BankLineMatch.Decision.ACCEPTED,
            decided_by=by,
            decided_at=as_of,
            payment=payment,
            created_at=as_of,
        )
        _set_status(line, BankStatementLine.MatchStatus.MATCHED)
        return decision


def line_ignore(*, line: BankStatementLine, as_of: datetime, by, reason: str) -> BankLineMatch:
    """A person decides the line is not a customer's payment (a refund from a supplier, a
    transfer between own accounts …). The reason is required; the decision is kept as a
    rejected match without invoice or customer."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the line is ignored.")]})
    with transaction.atomic():
        line = _line_locked(line)
        _refuse_decided(line)
        _reject_open(line, as_of=as_of, by=by)
        detail = _("ignored: %(reason)s") % {"reason": reason}
        decision = BankLineMatch.objects.create(
            line=line,
            amount=line.amount,
            confidence=0,
            explanation=detail,
            signals=[{"code": "ignored", "weight": 0, "detail": reason}],
            rank=0,
            decision=BankLineMatch.Decision.REJECTED,
            decided_by=by,
            decided_at=as_of,
            created_at=as_of,
        )
        _set_status(line, BankStatementLine.MatchStatus.IGNORED)
        return decision


def statement_match(*, statement, as_of: datetime, threshold: int | None = None) -> dict:
    """Match every new, booked, live credit line of a statement (each in its own transaction,
    so one failing line does not undo the others). Returns counts by outcome."""
    counts = {"matched": 0, "review": 0, "lines": 0}
    lines = statement.lines.filter(
        match_status=BankStatementLine.MatchStatus.NEW, credit=True, status="BOOK", superseded_by__isnull=True
    ).order_by("position", "id")
    for line in lines:
        try:
            line_match(line=line, as_of=as_of, threshold=threshold)
        except ValidationError as exc:  # e.g. a line without any date cannot become a payment
            logger.warning("statement line %s left for review: %s", line.pk, exc)
            BankStatementLine.objects.filter(pk=line.pk, match_status=BankStatementLine.MatchStatus.NEW).update(
                match_status=BankStatementLine.MatchStatus.REVIEW
            )
        line.refresh_from_db(fields=["match_status"])
        counts["lines"] += 1
        if line.match_status in counts:
            counts[line.match_status] += 1
    return counts
