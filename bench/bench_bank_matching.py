"""Matching a bank statement against 100,000 open invoices: import and matching time per size,
lines per second, peak memory, and the growth from 1,000 to 10,000 lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_bank_matching.py            # 100,000 open; 1,000 and 10,000 lines
    ... bench/bench_bank_matching.py --quick                     # 10,000 open; 100 and 1,000 lines

Creates a scratch test database. The ledger comes from the project's data generator
(``invoicing.generator.generate``: customers and a year of invoices, most of them paid) and is
topped up with open invoices (bulk-inserted issued rows, as bench_payments.py does, numbered on
in the generator's series) until ``--open`` EUR invoices are open, because the generator leaves
only about one invoice in six open and would need ~10 minutes for 600,000 invoices. 70 % of the
customers get a bank account.

Each size runs in a fresh subprocess (so its peak memory, VmHWM, is its own): the bench writes a real
CAMT.053 (camt.053.001.02) with a realistic mix of lines (see ``MIX``) for invoices no other size
uses, imports it through ``statement_import_create`` + ``statement_import_run`` (parse + store)
and then matches it with ``statement_match``. Reference in the same run: the brute-force search
matching used before the open-items index (the test oracle in
``payments/tests/test_bank_matching_oracle.py``) against the index on the first
``--reference-lines`` credit lines of the first size.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench-bank")
os.environ.setdefault("DEBITOR_VAR_DIR", tempfile.mkdtemp(prefix="bench-bank-"))  # the uploaded files

AS_OF = date(2026, 11, 27)
ACCOUNT = "DE89370400440532013000"
# Share of each kind of line in the statement (the rest of 1.0: debits).
MIX = [
    ("exact", 0.45),  # the invoice number as printed, the open amount, payer name and IBAN
    ("mangled", 0.10),  # number without dashes / with spaces / without prefix / RE-2026-123
    ("typo", 0.05),  # one digit of the number wrong
    ("several", 0.08),  # two or three invoices of one customer, the sum of their open amounts
    ("iban_amount", 0.08),  # no number: IBAN, name and the open amount
    ("skonto", 0.05),  # the number and the amount less the early payment discount
    ("partial", 0.04),  # the number and part of the amount
    ("unknown", 0.10),  # a payer nobody knows, a text without numbers
]


def peak_rss_mb() -> float:
    """The process's peak resident memory. Linux: VmHWM, which starts afresh with the program
    (ru_maxrss would count the parent's memory at the fork)."""
    try:
        for row in Path("/proc/self/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django():
    import django

    django.setup()


# --- the ledger (parent process) ----------------------------------------------------------------


def seed_ledger(*, customers: int, generated: int, open_target: int) -> dict:
    from django.db import connection
    from django.utils import timezone
    from schwifty import IBAN

    from core.models import NumberSeries
    from customers.models import BankAccount, Customer
    from invoicing.generator import generate
    from invoicing.models import Invoice

    started = time.perf_counter()
    generate(seed=1, customers=customers, invoices=generated, years=1, as_of=AS_OF)
    generated_seconds = time.perf_counter() - started
    open_eur = Invoice.objects.filter(document_type="invoice", status="issued", currency="EUR", open_amount__gt=0)
    from_generator = open_eur.count()

    started = time.perf_counter()
    rng = random.Random(2)  # noqa: S311 - reproducible bench data
    now = timezone.now()
    eur_customers = list(Customer.objects.filter(currency="EUR").order_by("pk"))
    series = NumberSeries.objects.get(key="invoice")
    next_number = series.next_number
    rows = []
    for n in range(max(0, open_target - from_generator)):
        customer = eur_customers[n % len(eur_customers)]
        invoice_date = AS_OF - timedelta(days=rng.randint(0, 40))
        net = Decimal(rng.randint(2000, 500000)) / 100
        tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
        gross = net + tax
        offers = []
        if rng.random() < 0.3:  # 2 % Skonto within 10 days
            discount = (gross * Decimal("0.02")).quantize(Decimal("0.01"))
            deadline = invoice_date + timedelta(days=10)
            offers = [{"percent": "2.00", "deadline": deadline.isoformat(), "discount_amount": str(discount),
                       "amount_to_pay": str(gross - discount)}]  # fmt: skip
        rows.append(
            Invoice(
                document_type="invoice",
                status="issued",
                number=series.render(number=next_number + n, year=AS_OF.year),
                customer=customer,
                currency="EUR",
                language=customer.language,
                invoice_date=invoice_date,
                service_date=invoice_date,
                due_date=invoice_date + timedelta(days=30),
                discount_offers=offers,
                line_total=net,
                tax_exclusive_total=net,
                tax_total=tax,
                tax_inclusive_total=gross,
                amount_due=gross,
                open_amount=gross,
                settlement_state="open",
                created_at=now,
                updated_at=now,
                issued_at=now,
            )  # fmt: skip
        )
    Invoice.objects.bulk_create(rows, batch_size=5000)
    series.next_number = next_number + len(rows)
    series.save(update_fields=["next_number"])
    accounts = [
        BankAccount(
            customer=customer, iban=IBAN.generate("DE", bank_code="37040044", account_code=str(1000 + i)).compact
        )
        for i, customer in enumerate(Customer.objects.order_by("pk"))
        if i % 10 < 7
    ]
    BankAccount.objects.bulk_create(accounts, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "customers": Customer.objects.count(),
        "generated": generated,
        "generated_seconds": generated_seconds,
        "open_from_generator": from_generator,
        "topped_up": len(rows),
        "topup_seconds": time.perf_counter() - started,
        "open_eur": open_eur.count(),
        "accounts": len(accounts),
    }


# --- the statement (parent process) -------------------------------------------------------------


def _entry(*, amount: Decimal, credit: bool, ref: str, code: tuple, name="", iban="", e2e="", text="") -> str:
    party, account = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    parties = f"<{party}><Nm>{escape(name)}</Nm></{party}>" if name else ""
    if iban:
        parties += f"<{account}><Id><IBAN>{iban}</IBAN></Id></{account}>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{AS_OF - timedelta(days=1)}</Dt></BookgDt><ValDt><Dt>{AS_OF - timedelta(days=1)}</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>{code[0]}</Cd><Fmly><Cd>{code[1]}</Cd>"
        f"<SubFmlyCd>{code[2]}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls>"
        f"<Refs><EndToEndId>{escape(e2e or 'NOTPROVIDED')}</EndToEndId></Refs>"
        f"<RltdPties>{parties}</RltdPties>" + (f"<RmtInf><Ustrd>{escape(text)}</Ustrd></RmtInf>" if text else "")
        + "</TxDtls></NtryDtls><AddtlNtryInf>SEPA-GUTSCHRIFT</AddtlNtryInf></Ntry>"
    )  # fmt: skip


def _mangle(number: str, rng: random.Random) -> str:
    prefix, year, sequence = number.split("-")
    return rng.choice([number.replace("-", ""), f"{prefix} {year} {sequence}", f"{year}-{sequence}",
                       f"{prefix}-{year}-{int(sequence)}"])  # fmt: skip


def _typo(number: str, rng: random.Random) -> str:
    i = rng.choice([i for i, char in enumerate(number) if char.isdigit()][4:])  # in the sequence, not the year
    return number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]


def build_statement(*, lines: int, offset: int, seed: int) -> tuple[bytes, dict]:
    """The CAMT.053 document and how many lines of each kind it has. Sizes take disjoint slices of
    the open invoices (``offset``), so a later size does not meet what an earlier one paid."""
    from customers.models import BankAccount, Customer
    from invoicing.models import Invoice

    rng = random.Random(seed)  # noqa: S311 - reproducible bench data
    rows = list(
        Invoice.objects.filter(document_type="invoice", status="issued", currency="EUR", open_amount__gt=0)
        .order_by("pk")
        .values_list("pk", "number", "customer_id", "open_amount", "discount_offers")
    )
    random.Random(7).shuffle(rows)  # noqa: S311 - the same order in every size; sizes take disjoint slices
    pool = rows[offset:]
    names = dict(Customer.objects.values_list("pk", "legal_name"))
    ibans = dict(BankAccount.objects.values_list("customer_id", "iban"))
    by_customer: dict[int, list] = {}
    for row in pool[lines : lines * 4]:  # several-number lines take their invoices from further down
        by_customer.setdefault(row[2], []).append(row)
    several = iter([group for group in by_customer.values() if len(group) >= 2])
    taken = iter(pool)
    kinds = [kind for kind, share in MIX for _ in range(round(share * lines))]
    kinds += ["debit"] * (lines - len(kinds))
    rng.shuffle(kinds)
    entries, counts, credits, debits = [], {}, Decimal(0), Decimal(0)
    for n, kind in enumerate(kinds):
        counts[kind] = counts.get(kind, 0) + 1
        pk, number, customer, open_amount, offers = next(taken)
        name = names[customer]
        name = rng.choice([name, name.upper(), name.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")])
        iban = ibans.get(customer, "")
        amount, text, e2e, code = open_amount, f"Rechnung {number}", "", ("PMNT", "RCDT", "ESCT")
        if kind == "mangled":
            text = f"Zahlung {_mangle(number, rng)} danke"
        elif kind == "typo":
            text, iban = f"RG {_typo(number, rng)}", ""
        elif kind == "several":
            group = next(several)[: rng.choice([2, 3])]
            name, iban = names[group[0][2]], ibans.get(group[0][2], "")
            amount = sum((row[3] for row in group), Decimal(0))
            text = "Rechnungen " + ", ".join(row[1] for row in group)
        elif kind == "iban_amount":
            text, e2e = "Zahlung", f"E2E-{n}"
        elif kind == "skonto":
            if offers:
                amount = Decimal(offers[0]["amount_to_pay"])
            text = f"{number} abzgl. 2% Skonto"
        elif kind == "partial":
            amount = (open_amount / 2).quantize(Decimal("0.01"))
            text = f"Teilzahlung {number}"
        elif kind == "unknown":
            name, iban, text = f"Privatperson {n}", "", f"Spende Nr {rng.randint(1, 99)}"
            amount = Decimal(rng.randint(500, 50000)) / 100
        elif kind == "debit":
            name, iban, text = "Lieferant GmbH", "DE02500105170137075030", f"Bestellung {n}"
            code = rng.choice([("PMNT", "ICDT", "ESCT"), ("ACMT", "MDOP", "CHRG")])
            amount = Decimal(rng.randint(100, 200000)) / 100
        credit = kind != "debit"
        credits, debits = credits + (amount if credit else 0), debits + (0 if credit else amount)
        entries.append(_entry(amount=amount, credit=credit, ref=f"BENCH-{seed}-{n}", code=code, name=name,
                              iban=iban, e2e=e2e, text=text))  # fmt: skip
    opening = Decimal("100000.00")
    closing = opening + credits - debits

    def balance(code: str, amount: Decimal, day: date) -> str:
        return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount)}</Amt>'
                f"<CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>")  # fmt: skip

    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>BENCH-{seed}</MsgId><CreDtTm>{AS_OF}T06:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BENCH-{seed}-{lines}</Id><ElctrncSeqNb>{seed}</ElctrncSeqNb><CreDtTm>{AS_OF}T06:00:00+01:00</CreDtTm>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + balance("OPBD", opening, AS_OF - timedelta(days=2)) + balance("CLBD", closing, AS_OF - timedelta(days=1))
        + "".join(entries) + "</Stmt></BkToCstmrStmt></Document>"
    )  # fmt: skip
    return document.encode(), counts


def run_size(*, path: str, reference: int, profile: bool = False) -> dict:
    """Import and match one statement file (in a fresh process: its peak memory is its own)."""
    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from payments.bank.importing import statement_import_create, statement_import_run
    from payments.bank.matching import statement_match
    from payments.models import BankStatement, BankStatementLine

    settings.DEBITOR_STATEMENT_MAX_BYTES = 256 * 1024 * 1024
    as_of = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 7, 0, tzinfo=timezone.get_current_timezone())
    data = Path(path).read_bytes()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    statement_import = statement_import_create(data=data, filename=Path(path).name, as_of=as_of)
    statement_import = statement_import_run(import_id=statement_import.pk, as_of=as_of)
    imported = time.perf_counter() - started
    assert statement_import.status == "done", statement_import.error
    rss_imported = peak_rss_mb()
    statements = list(BankStatement.objects.filter(statement_import=statement_import).order_by("pk"))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    counts = {"matched": 0, "review": 0, "lines": 0}
    for statement in statements:
        if profiler:
            profiler.enable()
        for key, value in statement_match(statement=statement, as_of=as_of).items():
            counts[key] += value
        if profiler:
            profiler.disable()
    matched = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    rss_matched = peak_rss_mb()
    result = {
        "lines": statement_import.line_count, "bytes": len(data), "import_seconds": imported,
        "match_seconds": matched, "counts": counts, "rss_before_mb": rss_before,
        "rss_imported_mb": rss_imported, "rss_matched_mb": rss_matched,
    }  # fmt: skip
    if reference:
        credit_lines = list(
            BankStatementLine.objects.filter(statement__in=statements, credit=True).order_by("position")[:reference]
        )
        result["reference"] = compare_with_brute_force(credit_lines, as_of)
    return result


def compare_with_brute_force(lines: list, as_of: datetime) -> dict:
    """The index against the search through everything on the same lines (same database state)."""
    from django.utils import translation

    from customers.models import BankAccount
    from invoicing.models import Invoice
    from payments.bank.matching import OpenItems, line_candidates
    from payments.bank.matching.text import compact_iban
    from payments.tests.test_bank_matching_oracle import described, oracle_candidates

    translation.activate("en")  # the oracle speaks English
    started = time.perf_counter()
    items = OpenItems()
    items.currency("EUR").prepare()
    index_build = time.perf_counter() - started
    started = time.perf_counter()
    ours = [line_candidates(line=line, as_of=as_of, items=items) for line in lines]
    index_seconds = time.perf_counter() - started

    started = time.perf_counter()
    invoices = list(
        Invoice.objects.filter(document_type="invoice", status="issued", open_amount__gt=0, currency="EUR")
        .select_related("customer")
        .order_by("due_date", "invoice_date", "id")
    )
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = []
    for line in lines:
        iban = compact_iban(line.counterparty_iban) if line.counterparty_iban else ""
        accounts = [account.customer for account in BankAccount.objects.filter(iban=iban).select_related("customer")]
        theirs.append(oracle_candidates(line, as_of, invoices, {iban: accounts}))
    brute_seconds = time.perf_counter() - started
    different = beyond_names = decisions = 0
    for line, a, b in zip(lines, ours, theirs, strict=True):
        if described(a) == described(b):
            continue
        different += 1
        found = {candidate.customer.pk for candidate in a}
        rest = [c for c in b if c.customer.pk in found or not all(s.code in NAME_ONLY for s in c.signals)]
        beyond_names += described(a) != described(rest)
        decisions += _decision(a) != _decision(b)
        print(f"line {line.pk} {line.counterparty_name!r} {line.remittance!r}: index {len(a)} candidates, "
              f"search through everything {len(b)}", file=sys.stderr)  # fmt: skip
    return {
        "lines": len(lines), "index_build_seconds": index_build, "index_seconds": index_seconds,
        "brute_load_seconds": load_seconds, "brute_seconds": brute_seconds, "different": different,
        "beyond_names": beyond_names, "decisions": decisions,
    }  # fmt: skip


# The signals of a suggestion resting on the payer name alone (what the name prefilter may drop).
NAME_ONLY = {"name_strong", "name_similar", "amount_exact", "amount_skonto", "amount_ambiguous", "customer_only",
             "reversal"}  # fmt: skip


def _decision(candidates: list) -> tuple:
    """What ``line_match`` would do: apply the best (customer, invoices) or send the line to review."""
    from payments.bank.matching import DEFAULT_THRESHOLD, LEAD

    best = candidates[0] if candidates else None
    second = candidates[1].confidence if len(candidates) > 1 else 0
    if best and best.targets and best.confidence >= DEFAULT_THRESHOLD and best.confidence - second >= LEAD:
        return best.customer.pk, [invoice.pk for invoice, _amount in best.targets]
    return "review"


# --- driver -------------------------------------------------------------------------------------


def child(args, database_url: str, path: Path, reference: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, __file__, "--child", str(path), "--reference-lines", str(reference),
               *(["--profile"] if args.profile else [])]  # fmt: skip
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    if done.stderr.strip():
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(ledger: dict, results: list[dict], database: str) -> None:
    print(f"database: {database}; customers {ledger['customers']:,}; generator: {ledger['generated']:,} invoices "
          f"in {ledger['generated_seconds']:.0f} s ({ledger['open_from_generator']:,} open EUR), topped up "
          f"{ledger['topped_up']:,} open in {ledger['topup_seconds']:.0f} s; open EUR invoices "
          f"{ledger['open_eur']:,}; bank accounts {ledger['accounts']:,}")  # fmt: skip
    for r in results:
        rate = r["lines"] / r["match_seconds"]
        print(f"{r['lines']:>6,} lines ({r['bytes'] / 1e6:.1f} MB): parse+store {r['import_seconds']:6.1f} s, "
              f"match {r['match_seconds']:6.1f} s ({rate:5.1f} lines/s, "
              f"{r['match_seconds'] / r['lines'] * 1000:.1f} ms/line); auto-matched {r['counts']['matched']:,}, "
              f"review {r['counts']['review']:,} of {r['counts']['lines']:,} credits; peak RSS "
              f"{r['rss_before_mb']:.0f} MB before import, {r['rss_imported_mb']:.0f} after import, "
              f"{r['rss_matched_mb']:.0f} after matching")  # fmt: skip
        print(f"        mix: {r['kinds']}")
    if len(results) >= 2:
        small, large = results[0], results[-1]
        growth = large["match_seconds"] / small["match_seconds"]
        total = (large["match_seconds"] + large["import_seconds"]) / (small["match_seconds"] + small["import_seconds"])
        print(f"growth {small['lines']:,} -> {large['lines']:,} lines: matching x{growth:.1f}, "
              f"import + matching x{total:.1f} (goal <= 12x)")  # fmt: skip
    for r in results:
        ref = r.get("reference")
        if ref:
            index = ref["index_seconds"] / ref["lines"]
            brute = ref["brute_seconds"] / ref["lines"]
            print(f"reference on the first {ref['lines']} credit lines: index {index * 1000:.1f} ms/line (built "
                  f"once in {ref['index_build_seconds']:.1f} s), search through everything {brute:.1f} s/line "
                  f"(x{brute / index:.0f}) plus {ref['brute_load_seconds']:.1f} s per line to load the open "
                  f"invoices as the old code did; lines ranked differently {ref['different']}, beyond name-only "
                  f"suggestions {ref['beyond_names']}, with another decision {ref['decisions']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 open invoices; 100 and 1,000 lines")
    parser.add_argument("--open", type=int, default=None, help="open EUR invoices (default 100,000)")
    parser.add_argument("--sizes", default=None, help="statement sizes, e.g. 1000,10000")
    parser.add_argument("--reference-lines", type=int, default=None, help="lines searched both ways (default 3)")
    parser.add_argument("--profile", action="store_true", help="print a profile of the matching phase (stderr)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(path=args.child, reference=args.reference_lines, profile=args.profile), default=str))
        return
    open_target = args.open or (10_000 if args.quick else 100_000)
    sizes = [int(s) for s in (args.sizes or ("100,1000" if args.quick else "1000,10000")).split(",")]
    reference = args.reference_lines if args.reference_lines is not None else 3

    setup_django()
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        ledger = seed_ledger(customers=max(100, open_target // 20), generated=open_target, open_target=open_target)
        files, offset = [], 0
        for size in sizes:
            data, kinds = build_statement(lines=size, offset=offset, seed=size)
            path = Path(os.environ["DEBITOR_VAR_DIR"]) / f"bench-{size}.xml"
            path.write_bytes(data)
            files.append((path, kinds))
            offset += size * 4
        url = urlsplit(os.environ["DATABASE_URL"])
        database_url = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
        database = f"{connection.vendor} {getattr(connection, 'pg_version', '')}"
        connections.close_all()
        results = []
        for number, (path, kinds) in enumerate(files):
            results.append({**child(args, database_url, path, reference if number == 0 else 0), "kinds": kinds})
        report(ledger, results, database)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
