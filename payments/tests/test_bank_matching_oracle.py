"""The oracle of the matching tests: the search through everything that ``line_candidates`` did
before the open-items index, and generated ledgers and statement lines to compare it with.

``oracle_candidates`` is that brute-force search (one regular expression per open invoice and
text, difflib over every customer, one pattern per customer number, one IBAN query per line),
with today's number rule and reversal signal; ``test_bank_matching_index.py`` ranks generated
lines both ways. The benchmark uses it as its reference (bench/bench_bank_matching.py).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from customers.models import BankAccount, Customer
from invoicing.models import DocumentStatus, DocumentType, Invoice
from invoicing.tests.factories import T0
from payments.bank.matching import WEIGHTS, Candidate, Signal, line_candidates
from payments.bank.matching.index import CUSTOMER_FIELDS, INVOICE_FIELDS, CurrencyIndex, OpenItems, from_row
from payments.bank.matching.scoring import AMBIGUOUS_CAP, NAME_SIMILAR, NAME_STRONG, amount_signal, split
from payments.bank.matching.text import (
    compact_iban,
    lookalike_pairs,
    name_similarity,
    number_pattern,
    texts,
    within_one_edit,
)
from payments.models import BankStatementLine

# --- the oracle: the search through everything --------------------------------------------------


def _oracle_lookalikes(line_texts, invoices, found, spans):
    """Every invoice's number, its look-alike letters read as digits, searched in every text read
    the same way (O for 0, I/l for 1, S for 5, B for 8, Z for 2 in runs holding a digit)."""
    table = str.maketrans("OoIlSsBZz", "001155822")

    def fold(value: str) -> str:
        return re.sub(r"[0-9OoIlSsBZz]+", lambda m: m[0].translate(table) if re.search(r"\d", m[0]) else m[0], value)

    def overlaps(span, others):
        return any(span[0] < end and start < span[1] for start, end in others)

    hits = []
    for invoice in invoices:
        if invoice.pk in found or not invoice.number or len(re.sub(r"\D", "", fold(invoice.number))) < 6:
            continue
        pattern = number_pattern(fold(invoice.number))
        for order, (value, _where) in enumerate(line_texts):
            match = next(
                (m for m in pattern.finditer(fold(value)) if not overlaps(m.span(), spans.get(order, []))), None
            )
            if match is None:
                continue
            pairs = lookalike_pairs(value[match.start() : match.end()], invoice.number)
            if pairs:
                hits.append((invoice, order, match.span(), pairs))
            break
    for invoice, order, span, pairs in hits:
        if any(o == order and i.pk != invoice.pk and overlaps(span, [s]) for i, o, s, _p in hits):
            continue
        value, where = line_texts[order]
        written, meant = ", ".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)
        detail = (
            f"{invoice.number} found as “{value[span[0] : span[1]]}” in {where}: invoice number with a look-alike "
            f"character ({written} for {meant})"
        )
        found[invoice.pk] = (invoice, "number_lookalike", detail, (order, span[0]))


def _oracle_numbers_named(line_texts, invoices):
    found, spans = {}, {}
    for order, (value, where) in enumerate(line_texts):
        for invoice in invoices:
            if invoice.pk in found or not invoice.number:
                continue
            match = number_pattern(invoice.number).search(value)
            if match is None:
                continue
            seen = match.group(0)
            if seen.casefold() == invoice.number.casefold():
                code, detail = "number_exact", f"{invoice.number} found in {where}"
            else:
                code, detail = "number_mangled", f"{invoice.number} found as “{seen}” in {where}"
            found[invoice.pk] = (invoice, code, detail, (order, match.start()))
            spans.setdefault(order, []).append(match.span())
    _oracle_lookalikes(line_texts, invoices, found, spans)
    typo = re.compile(r"(?<![0-9A-Za-z])(?:[A-Za-z]{1,4}[\-/.]?)?(?<![0-9])\d+(?:[\-/.]\d+)*(?![0-9])")
    for order, (value, where) in enumerate(line_texts):
        for token in typo.finditer(value):
            digits = re.sub(r"\D", "", token.group(0))
            if len(digits) < 6:
                continue
            near = [
                invoice
                for invoice in invoices
                if invoice.number
                and len(re.sub(r"\D", "", invoice.number)) >= 6
                and within_one_edit(digits, re.sub(r"\D", "", invoice.number))
            ]
            if len(near) != 1 or near[0].pk in found:
                continue
            invoice = near[0]
            detail = f"“{token.group(0)}” in {where} differs from {invoice.number} by one character"
            found[invoice.pk] = (invoice, "number_typo", detail, (order, token.start()))
    return sorted(found.values(), key=lambda f: f[3])


def oracle_candidates(line, as_of, invoices: list[Invoice], accounts: dict[str, list[Customer]]) -> list[Candidate]:
    """``line_candidates`` as a search through everything: ``invoices`` are all open invoices of the
    line's currency (due date, invoice date, id order), ``accounts`` the customers per compact IBAN."""
    if not line.credit:
        return []
    value_date = line.value_date or line.booking_date or as_of.date()
    line_texts = texts(line)
    by_customer, customers = {}, {}
    for invoice in invoices:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
        customers[invoice.customer_id] = invoice.customer
    customer_signals, iban_customers = {}, set()
    iban = compact_iban(line.counterparty_iban) if line.counterparty_iban else ""
    for customer in accounts.get(iban, []) if iban else []:
        customers.setdefault(customer.pk, customer)
        iban_customers.add(customer.pk)
        detail = f"payer IBAN belongs to customer {customer.number}"
        customer_signals.setdefault(customer.pk, []).append(Signal("iban", 35, detail))
    if line.counterparty_name:
        for pk, customer in customers.items():
            ratio = name_similarity(line.counterparty_name, customer.legal_name)
            if ratio >= NAME_SIMILAR:
                code = "name_strong" if ratio >= NAME_STRONG else "name_similar"
                detail = (
                    f"payer name “{line.counterparty_name}” resembles {customer.legal_name} "
                    f"(similarity {int(ratio * 100)}/100)"
                )
                customer_signals.setdefault(pk, []).append(Signal(code, WEIGHTS[code], detail))
    for pk, customer in customers.items():
        pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(customer.number)}(?![0-9A-Za-z])", re.IGNORECASE)
        for value, where in line_texts:
            if pattern.search(value):
                detail = f"customer number {customer.number} found in {where}"
                customer_signals.setdefault(pk, []).append(Signal("customer_number", 25, detail))
                break
    named_by_customer = {}
    for found in _oracle_numbers_named(line_texts, invoices):
        named_by_customer.setdefault(found[0].customer_id, []).append(found)
    candidates = []
    for pk in sorted(set(customer_signals) | set(named_by_customer), key=lambda pk: customers[pk].number):
        customer, own, conflict = customers[pk], list(customer_signals.get(pk, [])), []
        if iban_customers and pk not in iban_customers and pk in named_by_customer:
            others = ", ".join(customers[other].number for other in sorted(iban_customers))
            detail = f"the invoice number belongs to customer {customer.number}, the payer IBAN to customer {others}"
            conflict.append(Signal("number_other_customer", -40, detail))
        if pk in iban_customers and any(other not in iban_customers for other in named_by_customer):
            others = ", ".join(
                customers[other].number for other in sorted(named_by_customer) if other not in iban_customers
            )
            detail = (
                f"the payer IBAN belongs to customer {customer.number}, the invoice number named to customer {others}"
            )
            conflict.append(Signal("number_other_customer", -40, detail))
        mine = named_by_customer.get(pk, [])
        if len(mine) >= 2:
            targets, several, amount = split(line.amount, [f[0] for f in mine], value_date)
            weakest = min(mine, key=lambda f: WEIGHTS[f[1]])
            number_signals = [Signal(f[1], 0, f[2]) for f in mine]
            number_signals[mine.index(weakest)] = Signal(weakest[1], WEIGHTS[weakest[1]], weakest[2])
            candidates.append(
                Candidate(customer, targets, line.amount, [*number_signals, several, amount, *own, *conflict])
            )
        elif len(mine) == 1:
            invoice, code, detail, _position = mine[0]
            amount, share = amount_signal(line.amount, invoice, value_date)
            signals = [Signal(code, WEIGHTS[code], detail), amount, *own, *conflict]
            candidates.append(Candidate(customer, [(invoice, share)], line.amount, signals))
        if mine:
            continue
        fitting = []
        for invoice in by_customer.get(pk, []):
            amount, share = amount_signal(line.amount, invoice, value_date)
            if amount.code in ("amount_exact", "amount_skonto"):
                fitting.append((invoice, amount, share))
        for invoice, amount, share in fitting:
            signals, cap = [amount, *own, *conflict], 100
            if len(fitting) > 1:
                detail = f"amount fits {len(fitting)} open invoices of the customer and none is named"
                signals.append(Signal("amount_ambiguous", 0, detail))
                cap = AMBIGUOUS_CAP
            candidates.append(Candidate(customer, [(invoice, share)], line.amount, signals, cap=cap))
        if not fitting:
            detail = "no open invoice of the customer fits; record as a payment of the customer"
            candidates.append(
                Candidate(customer, [], line.amount, [*own, *conflict, Signal("customer_only", 0, detail)])
            )
    if line.reversal:
        detail = (
            "the bank marks this credit as the reversal of an earlier debit (for example a refund that came back): "
            "check before applying"
        )
        for candidate in candidates:
            candidate.signals.append(Signal("reversal", 0, detail))
    candidates.sort(key=lambda c: (-c.confidence, c.customer.number, c.targets[0][0].number if c.targets else "~"))
    return candidates


def oracle_from_db(line, as_of) -> list[Candidate]:
    """The oracle on the database as it is now: every open invoice, the IBAN's accounts."""
    invoices = list(
        Invoice.objects.filter(
            document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED, open_amount__gt=0, currency=line.currency
        )
        .select_related("customer")
        .order_by("due_date", "invoice_date", "id")
    )
    iban = compact_iban(line.counterparty_iban) if line.counterparty_iban else ""
    accounts = BankAccount.objects.filter(iban=iban).select_related("customer").order_by("customer_id", "id")
    return oracle_candidates(line, as_of, invoices, {iban: [account.customer for account in accounts]})


def described(candidates: list[Candidate]) -> list[tuple]:
    return [
        (
            c.customer.pk,
            c.customer.number,
            [(invoice.pk, amount) for invoice, amount in c.targets],
            c.amount,
            c.cap,
            c.confidence,
            [(s.code, s.weight, s.detail) for s in c.signals],
        )
        for c in candidates
    ]


# --- generated ledgers and lines ----------------------------------------------------------------

# Names and their one-edit variants were checked against each other: the name prefilter misses
# none of the pairs difflib finds similar (see test_the_name_prefilter_can_miss_... for one it does).
NAMES = [
    "Müller Maschinenbau", "Anna Becker", "Emma Weber", "Jonas Wagner", "Jürgen Schäfer", "Sören Koch",
    "Alpen Logistik", "Nord Software", "Rhein Druck", "Stern Elektro", "Hanse Möbel", "Isar Textil",
]  # fmt: skip
FORMS = ["", " GmbH", " AG", " GmbH & Co. KG", " e.K."]
CUSTOMER_NUMBERS = ["10001", "10002", "10042", "K-7", "k-70", "20260", "123456", "4711", "S-1", "Ki-9", "ſ-1"]
IBANS = ["DE02120300000000202051", "DE02500105170137075030", "DE89370400440532013000", "AT611904300234573201"]
UNKNOWN_IBAN = "DE44500105175407324931"
AMOUNTS = [Decimal("119.00"), Decimal("238.00"), Decimal("50.00"), Decimal("1000.00"), Decimal("99.99")]
DATES = [date(2026, 1, 15), date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1)]
NOISE = ["Rechnung", "Zahlung", "danke", "Kd-Nr.", "Datum 12.03.2026", "2026", "Pos. 1", "EREF+", "SVWZ+", "RE", "K"]
NUMBER_VARIANTS = [
    "exact", "exact", "lower", "nosep", "spaces", "noprefix", "short_dash", "short_space",
    "typo_sub", "typo_ins", "typo_del", "swap", "noprefix_short", "lookalike", "lookalike", "lookalike_lower",
]  # fmt: skip


@st.composite
def invoice_numbers(draw) -> str:
    kind = draw(
        st.sampled_from(
            ["series", "series", "series", "plain", "prefixed", "slash", "suffix", "bare", "letter", "twin"]
        )
    )
    seq, year = draw(st.integers(1, 40)), draw(st.sampled_from([2025, 2026]))
    return {
        "series": f"RE-{year}-{seq:06d}",
        "plain": f"{seq + 10000}",
        "prefixed": f"R{seq:07d}",
        "slash": f"{year}/{seq:04d}",
        "suffix": f"AB-{seq:03d}-X",
        "bare": f"RE{seq}",
        # a look-alike letter inside the number itself, and numbers that differ only in one
        "letter": f"SO-{year}-B{seq:05d}",
        "twin": f"RE-{year}-{draw(st.sampled_from('8B'))}{seq:05d}",
    }[kind]


def _offer(open_amount: Decimal, deadline: date) -> dict:
    discount = (open_amount * Decimal("0.02")).quantize(Decimal("0.01"))
    return {"percent": "2.00", "deadline": deadline.isoformat(), "discount_amount": str(discount),
            "amount_to_pay": str(open_amount - discount)}  # fmt: skip


@st.composite
def ledgers(draw):
    """(customer rows, invoice rows in INVOICE_FIELDS order, accounts as (customer pk, IBAN))."""
    numbers = draw(st.lists(st.sampled_from(CUSTOMER_NUMBERS), min_size=1, max_size=6, unique=True))
    customers = [
        (100 + i, number, draw(st.sampled_from(NAMES)) + draw(st.sampled_from(FORMS)))
        for i, number in enumerate(numbers)
    ]
    written = draw(st.lists(invoice_numbers(), min_size=1, max_size=25, unique=True))
    pks = draw(st.permutations(range(1, len(written) + 1)))
    rows = []
    for pk, number in zip(pks, written, strict=True):
        open_amount = draw(st.sampled_from(AMOUNTS))
        due = draw(st.sampled_from(DATES))
        offers = draw(
            st.sampled_from([[], [_offer(open_amount, date(2026, 3, 10))], [_offer(open_amount, date(2026, 1, 5))]])
        )
        rows.append((pk, number, draw(st.sampled_from(customers))[0], "EUR", "invoice", open_amount,
                     open_amount + draw(st.sampled_from([Decimal(0), Decimal("20.00")])), Decimal("0.00"), offers,
                     due, date(2026, 1, 1)))  # fmt: skip
    accounts = [(customer[0], draw(st.sampled_from(IBANS))) for customer in customers if draw(st.booleans())]
    return customers, rows, list(dict.fromkeys(accounts))


def _mangle(number: str, variant: str, draw) -> str:
    if variant == "lower":
        return number.lower()
    if variant == "nosep":
        return re.sub(r"[\-/]", "", number)
    if variant == "spaces":
        return re.sub(r"[\-/]", " ", number)
    if variant == "noprefix":
        return re.sub(r"^[A-Za-z]+[\-/]?", "", number)
    if variant == "noprefix_short":
        return _mangle(_mangle(number, "noprefix", draw), "short_dash", draw)
    if variant in ("short_dash", "short_space"):
        head, last = re.match(r"(.*?)(\d+)$", number).groups() if re.search(r"\d$", number) else (number, "")
        short = last.lstrip("0") or ("0" if last else "")
        return re.sub(r"[\-/]$", "", head) + ("-" if variant == "short_dash" else " ") + short
    if variant in ("lookalike", "lookalike_lower"):
        swaps = {"0": "Oo", "1": "Il", "5": "Ss", "8": "B", "2": "Zz", "O": "0", "I": "1", "S": "5", "B": "8", "Z": "2"}
        places = [i for i, char in enumerate(number) if char in swaps]
        if not places:
            return number
        for i in sorted(draw(st.sets(st.sampled_from(places), min_size=1, max_size=2))):
            number = number[:i] + draw(st.sampled_from(swaps[number[i]])) + number[i + 1 :]
        return number.lower() if variant == "lookalike_lower" else number
    positions = [i for i, char in enumerate(number) if char.isdigit()]
    if not positions:
        return number
    i = draw(st.sampled_from(positions))
    digit = str(draw(st.integers(0, 9)))
    if variant == "typo_sub":
        return number[:i] + digit + number[i + 1 :]
    if variant == "typo_ins":
        return number[:i] + digit + number[i:]
    if variant == "typo_del":
        return number[:i] + number[i + 1 :]
    if variant == "swap" and i + 1 < len(number):
        return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return number


def _name_variant(name: str, draw) -> str:
    if draw(st.booleans()):
        base = name.split(" GmbH")[0].split(" AG")[0].split(" e.K.")[0]
        i = draw(st.integers(0, len(base) - 1))
        letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüß"))
        base = draw(
            st.sampled_from([base[:i] + letter + base[i + 1 :], base[:i] + base[i + 1 :], base[:i] + letter + base[i:]])
        )
        name = base + draw(st.sampled_from(FORMS))
    if draw(st.booleans()):
        name = name.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    return name.upper() if draw(st.booleans()) else name


@st.composite
def statement_lines(draw, ledger) -> BankStatementLine:
    customers, rows, accounts = ledger
    known = [row[1] for row in rows] + ["RE-2026-000999", "RE-2025-000001"]

    def piece() -> str:
        kind = draw(st.sampled_from(["number", "number", "number", "customer", "noise", "digits", "text"]))
        if kind == "number":
            return _mangle(draw(st.sampled_from(known)), draw(st.sampled_from(NUMBER_VARIANTS)), draw)
        if kind == "customer":
            number = draw(st.sampled_from([c[1] for c in customers] + ["99999"]))
            # re.IGNORECASE lets K, S and I match the Kelvin sign, the long s and the dotted/dotless i.
            odd = number.replace("K", "\u212a").replace("S", "ſ").replace("i", "ı")
            return draw(st.sampled_from([number, number.upper(), number.lower(), f"Kd{number}", odd]))
        if kind == "noise":
            return draw(st.sampled_from(NOISE))
        if kind == "digits":
            return str(draw(st.integers(0, 10**12)))
        return draw(st.text(alphabet="abcRE-/. 0123456789ä\u212a\u017f\u0130\u0131", max_size=12))

    def field() -> str:
        roll = draw(st.integers(0, 9))
        if roll < 4:
            return ""
        if roll == 4:
            return "NOTPROVIDED"
        sep = draw(st.sampled_from([" ", ", ", "/", "", " RE ", "-"]))
        return sep.join(piece() for _ in range(draw(st.integers(1, 4))))

    opens = [row[5] for row in rows]
    amount = draw(st.sampled_from([*AMOUNTS, *opens, sum(opens[:2]), sum(opens[:3]), Decimal("12.34"),
                                   *[Decimal(o["amount_to_pay"]) for row in rows for o in row[8]]]))  # fmt: skip
    names = [c[2] for c in customers]
    payer = draw(
        st.sampled_from(
            ["", "Unbekannt", draw(st.sampled_from(NAMES)), _name_variant(draw(st.sampled_from(names)), draw)]
        )
    )
    iban = draw(st.sampled_from(["", UNKNOWN_IBAN, *IBANS, " ".join(re.findall(".{1,4}", IBANS[0])).lower()]))
    return BankStatementLine(
        amount=amount, currency="EUR", credit=draw(st.integers(0, 9)) > 0, reversal=draw(st.integers(0, 9)) == 0,
        booking_date=date(2026, 2, 20), value_date=draw(st.sampled_from([date(2026, 2, 20), date(2026, 3, 20), None])),
        remittance=field(), end_to_end_id=field(), structured_reference=field(), customer_reference=field(),
        additional_info=field(), counterparty_name=payer, counterparty_iban=iban,
    )  # fmt: skip


LINE_FIELDS = (
    "amount", "credit", "reversal", "value_date", "remittance", "end_to_end_id", "structured_reference",
    "customer_reference", "additional_info", "counterparty_name", "counterparty_iban",
)  # fmt: skip


def in_memory(ledger) -> tuple[OpenItems, list[Invoice], dict[str, list[Customer]]]:
    """The index over a generated ledger, and the oracle's view of the same ledger."""
    customers, rows, accounts = ledger
    index = CurrencyIndex("EUR", invoices=rows, customers=customers)
    ibans = {iban: [] for iban in [*IBANS, UNKNOWN_IBAN]}
    for customer_pk, iban in sorted(accounts):
        ibans[iban].append(next(c for c in customers if c[0] == customer_pk))
    people = {c[0]: from_row(Customer, "default", CUSTOMER_FIELDS, c) for c in customers}
    invoices = []
    for row in sorted(rows, key=lambda row: (row[9], row[10], row[0])):
        invoice = from_row(Invoice, "default", INVOICE_FIELDS, row)
        invoice.customer = people[row[2]]
        invoices.append(invoice)
    oracle_accounts = {iban: [people[c[0]] for c in owners] for iban, owners in ibans.items()}
    return OpenItems(currencies={"EUR": index}, ibans=ibans), invoices, oracle_accounts


def test_the_oracle_ranks_as_the_signal_tests_expect():
    """The oracle itself, on hand-made cases: an exact number with the amount and the name (capped
    at 100), a similar name alone (no invoice fits: 20); the IBAN's customer with the amount (60)."""
    customers = [(1, "10001", "Anna Becker"), (2, "10002", "Nord Software"), (3, "10003", "Anna Beckers")]
    amounts = {1: Decimal("119.00"), 2: Decimal("119.00"), 3: Decimal("50.00")}
    rows = [(pk, f"RE-2026-00000{pk}", pk, "EUR", "invoice", amount, amount, Decimal("0"), [], date(2026, 2, 1),
             date(2026, 1, 1)) for pk, amount in amounts.items()]  # fmt: skip
    items, invoices, accounts = in_memory((customers, rows, [(2, IBANS[0])]))
    named = BankStatementLine(amount=Decimal("119.00"), currency="EUR", credit=True, booking_date=date(2026, 2, 1),
                              remittance="Rechnung RE-2026-000001", counterparty_name="ANNA BECKER")  # fmt: skip
    by_iban = BankStatementLine(amount=Decimal("119.00"), currency="EUR", credit=True, booking_date=date(2026, 2, 1),
                                counterparty_iban=IBANS[0])  # fmt: skip

    ranked = oracle_candidates(named, T0, invoices, accounts)
    assert [(c.customer.number, c.confidence) for c in ranked] == [("10001", 100), ("10003", 20)]
    assert ranked[0].explanation == (
        "RE-2026-000001 found in remittance; amount equals the open amount; "
        "payer name “ANNA BECKER” resembles Anna Becker (similarity 100/100)"
    )
    assert ranked[1].explanation == (
        "payer name “ANNA BECKER” resembles Anna Beckers (similarity 95/100); "
        "no open invoice of the customer fits; record as a payment of the customer"
    )
    (iban,) = oracle_candidates(by_iban, T0, invoices, accounts)
    assert (iban.customer.number, iban.confidence, iban.targets[0][0].number) == ("10002", 60, "RE-2026-000002")
    for line in (named, by_iban):
        assert described(line_candidates(line=line, as_of=T0, items=items)) == described(
            oracle_candidates(line, T0, invoices, accounts)
        )
