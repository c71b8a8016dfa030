"""Ranking what a credit line may pay: the signals found through the open-items index, scored and
explained (see the package docstring for the signals and their weights)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.messages import Term, message
from customers.models import Customer
from invoicing.models import Invoice

from ...models import BankStatementLine
from . import text, wording
from .index import CUSTOMER_FIELDS, CurrencyIndex, OpenItems, from_row
from .scoring import (
    AMBIGUOUS_CAP,
    NAME_SIMILAR,
    NAME_STRONG,
    WEIGHTS,
    Candidate,
    Signal,
    amount_signal,
    split,
)


@dataclass
class Found:
    """An open invoice whose number the payer wrote; ``position`` orders them as written: text,
    place in it, then how it was found (as written 0, look-alike 1, typo 2: at the same place the
    closer reading comes first and is paid first), then the older invoice."""

    invoice: Invoice
    code: str
    detail: dict  # a stored message (core.messages)
    position: tuple


@dataclass
class Signals:
    """What a line's texts, IBAN and payer name point at, before scoring."""

    customers: dict[int, Customer]
    customer_signals: dict[int, list[Signal]]
    iban_customers: set[int]
    named: list[Found]


def numbers_named(texts: list[tuple[str, str]], index: CurrencyIndex) -> list[Found]:
    """Open invoices whose number the payer wrote, exactly, mangled, or with one typo, in the
    order written (ties: the older invoice first)."""
    found: dict[int, Found] = {}
    spans: dict[int, list[tuple[int, int]]] = {}  # text -> where numbers were found as written
    for pk in index.numbers_in([value for value, _where in texts]):
        number = index.number(pk)
        pattern = text.number_pattern(number)
        for order, (value, where) in enumerate(texts):
            match = pattern.search(value)
            if match is None:
                continue
            seen = match.group(0)
            if seen.casefold() == number.casefold():
                detail = message(wording.NUMBER_EXACT, number=number, field=Term(where))
                code = "number_exact"
            else:
                detail = message(wording.NUMBER_MANGLED, number=number, text=seen, field=Term(where))
                code = "number_mangled"
            found[pk] = Found(index.invoice(pk), code, detail, (order, match.start(), 0, index.order(pk)))
            spans.setdefault(order, []).append((match.start(), match.end()))
            break
    lookalikes(texts, index, found, spans)
    for order, (value, where) in enumerate(texts):
        for token in text.TYPO_TOKEN.finditer(value):
            written = text.digits(token.group(0))
            if len(written) < text.TYPO_MIN_DIGITS:
                continue
            near = index.near(written)
            if len(near) != 1 or near[0] in found:
                continue  # none, ambiguous, or already named properly
            pk = near[0]
            detail = message(wording.NUMBER_TYPO, text=token.group(0), field=Term(where), number=index.number(pk))
            found[pk] = Found(index.invoice(pk), "number_typo", detail, (order, token.start(), 2, index.order(pk)))
    return sorted(found.values(), key=lambda f: f.position)


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def lookalikes(texts: list[tuple[str, str]], index: CurrencyIndex, found: dict[int, Found], spans: dict) -> None:
    """Numbers written with look-alike characters (O for 0, I or l for 1, S for 5, B for 8, Z for
    2, either way), treated like a typo: only numbers of ≥ 6 digits, and never where the text
    names another open invoice's number as written (two real numbers that differ only in such a
    character: the one written wins), nor where two numbers are read into the same place (which
    one is meant cannot be told)."""
    folded = [text.lookalike_fold(value) for value, _where in texts]
    hits = []
    for pk in index.lookalikes_in([value for value, _where in texts], folded):
        if pk in found:
            continue
        number = index.number(pk)
        folded_number = text.lookalike_fold(number)
        if len(text.digits(folded_number)) < text.TYPO_MIN_DIGITS:
            continue
        pattern = text.number_pattern(folded_number)
        for order, (value, _where) in enumerate(texts):
            match = next(
                (m for m in pattern.finditer(folded[order]) if not _overlaps(m.span(), spans.get(order, []))), None
            )
            if match is None:
                continue
            pairs = text.lookalike_pairs(value[match.start() : match.end()], number)
            if pairs:
                hits.append((pk, order, match.span(), pairs))
            break
    for pk, order, span, pairs in hits:
        if any(o == order and p != pk and _overlaps(span, [s]) for p, o, s, _pairs in hits):
            continue
        value, where = texts[order]
        detail = message(
            wording.NUMBER_LOOKALIKE,
            number=index.number(pk),
            text=value[span[0] : span[1]],
            field=Term(where),
            written=", ".join(seen for seen, _meant in pairs),
            meant=", ".join(meant for _seen, meant in pairs),
        )
        found[pk] = Found(index.invoice(pk), "number_lookalike", detail, (order, span[0], 1, index.order(pk)))


def signals_of(line: BankStatementLine, texts: list, index: CurrencyIndex, items: OpenItems) -> Signals:
    """Customer-level signals (IBAN, name, customer number, in this order per customer) and the
    invoice numbers named. The customers considered are those with open invoices in the line's
    currency and those the payer IBAN belongs to. The payer name is compared in full with every
    customer another signal points at; for the others the name index picks the names worth
    comparing (``CurrencyIndex.similar_names``), so what it can miss is a suggestion resting on
    the name alone."""
    customers: dict[int, Customer] = {}
    customer_signals: dict[int, list[Signal]] = {}
    iban_rows: dict[int, tuple] = {}

    def customer(pk: int) -> Customer:
        if pk not in customers:
            if index.has_open(pk) or pk not in iban_rows:
                customers[pk] = index.customer(pk)
            else:
                customers[pk] = from_row(Customer, index.db, CUSTOMER_FIELDS, iban_rows[pk])
        return customers[pk]

    iban = text.compact_iban(line.counterparty_iban) if line.counterparty_iban else ""
    if iban:
        for pk, number, legal_name in items.iban_customers(iban):
            iban_rows[pk] = (pk, number, legal_name)
            customer(pk)
            detail = message(wording.IBAN, number=number)
            customer_signals.setdefault(pk, []).append(Signal("iban", WEIGHTS["iban"], detail))
    values = [value for value, _where in texts]
    numbered: dict[int, Signal] = {}
    for pk in {pk for pk in index.customers_numbered_in(values) if index.has_open(pk)} | set(iban_rows):
        number = iban_rows[pk][1] if pk in iban_rows else index.customer(pk).number
        pattern = text.customer_number_pattern(number)
        for value, where in texts:
            if pattern.search(value):
                detail = message(wording.CUSTOMER_NUMBER, number=number, field=Term(where))
                numbered[pk] = Signal("customer_number", WEIGHTS["customer_number"], detail)
                break
    named = numbers_named(texts, index)
    if line.counterparty_name:
        similar = {pk: ratio for pk, ratio in index.similar_names(line.counterparty_name).items() if index.has_open(pk)}
        for pk in {*iban_rows, *numbered, *(found.invoice.customer_id for found in named)}:
            similar[pk] = text.name_similarity(line.counterparty_name, customer(pk).legal_name)
        for pk, ratio in similar.items():
            if ratio >= NAME_SIMILAR:
                code = "name_strong" if ratio >= NAME_STRONG else "name_similar"
                detail = message(
                    wording.NAME, payer=line.counterparty_name, name=customer(pk).legal_name, score=int(ratio * 100)
                )
                customer_signals.setdefault(pk, []).append(Signal(code, WEIGHTS[code], detail))
    for pk, signal in numbered.items():
        customer(pk)
        customer_signals.setdefault(pk, []).append(signal)
    for found in named:
        customer(found.invoice.customer_id)
    return Signals(customers, customer_signals, set(iban_rows), named)


def score(line: BankStatementLine, value_date, found: Signals, index: CurrencyIndex) -> list[Candidate]:
    """Turn the signals into candidates: per customer the invoices named (split when several),
    else the invoices the amount fits, else the customer alone; best first."""
    customers, customer_signals, iban_customers = found.customers, found.customer_signals, found.iban_customers
    named_by_customer: dict[int, list[Found]] = {}
    for item in found.named:
        named_by_customer.setdefault(item.invoice.customer_id, []).append(item)

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
                    message(wording.NUMBER_OTHER_CUSTOMER, number=customer.number, other=others),
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
                    message(wording.IBAN_OTHER_CUSTOMER, number=customer.number, other=others),
                )
            )
        mine = named_by_customer.get(pk, [])
        if len(mine) >= 2:
            targets, several, amount = split(line.amount, [f.invoice for f in mine], value_date)
            weakest = min(mine, key=lambda f: WEIGHTS[f.code])
            number_signals = [Signal(f.code, 0, f.detail) for f in mine]
            number_signals[mine.index(weakest)] = Signal(weakest.code, WEIGHTS[weakest.code], weakest.detail)
            signals = [*number_signals, several, amount, *own, *conflict]
            candidates.append(Candidate(customer, targets, line.amount, signals))
        elif len(mine) == 1:
            item = mine[0]
            amount, share = amount_signal(line.amount, item.invoice, value_date)
            signals = [Signal(item.code, WEIGHTS[item.code], item.detail), amount, *own, *conflict]
            candidates.append(Candidate(customer, [(item.invoice, share)], line.amount, signals))
        if mine:
            continue
        # No number named: the customer's invoices the amount fits (exactly, or with Skonto).
        fitting = []
        for invoice in index.invoices_of(pk, may_fit=line.amount, on=value_date):
            amount, share = amount_signal(line.amount, invoice, value_date)
            if amount.code in ("amount_exact", "amount_skonto"):
                fitting.append((invoice, amount, share))
        if fitting:
            ambiguous = len(fitting) > 1
            for invoice, amount, share in fitting:
                signals = [amount, *own, *conflict]
                cap = 100
                if ambiguous:
                    detail = message(wording.AMOUNT_AMBIGUOUS, count=len(fitting))
                    signals.append(Signal("amount_ambiguous", WEIGHTS["amount_ambiguous"], detail))
                    cap = AMBIGUOUS_CAP
                candidates.append(Candidate(customer, [(invoice, share)], line.amount, signals, cap=cap))
        else:
            detail = message(wording.CUSTOMER_ONLY)
            signals = [*own, *conflict, Signal("customer_only", WEIGHTS["customer_only"], detail)]
            candidates.append(Candidate(customer, [], line.amount, signals))
    if line.reversal or line.return_reason:
        if line.return_reason:
            detail = message(wording.RETURNED_CREDIT, code=line.return_reason)
        else:
            detail = message(wording.REVERSAL)
        for candidate in candidates:
            candidate.signals.append(Signal("reversal", WEIGHTS["reversal"], detail))
    candidates.sort(key=lambda c: (-c.confidence, c.customer.number, c.targets[0][0].number if c.targets else "~"))
    return candidates


def line_candidates(*, line: BankStatementLine, as_of: datetime, items: OpenItems | None = None) -> list[Candidate]:
    """Rank what a credit line may pay, best first (debits are not matched here: empty list).
    Reads only; ``items`` is the run's open-items index (built here when not given). See the
    package docstring for the signals and their weights. Ties are broken by the customer number
    and the first invoice's number, so the order is stable."""
    if not line.credit:
        return []
    items = items if items is not None else OpenItems()
    index = items.currency(line.currency)
    value_date = line.value_date or line.booking_date or as_of.date()
    texts = text.texts(line)
    return score(line, value_date, signals_of(line, texts, index, items), index)
