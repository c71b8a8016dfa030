"""Realistic receivables data, deterministic from a seed, at any size.

Customers (German and EU businesses, consumers, public bodies) and years of issued
invoices and credit notes with a mix of VAT categories, currencies and payment terms;
older invoices are mostly paid, recent ones open. Totals come from the same EN 16931
engine the services use. Rows are written in bulk — PostgreSQL COPY (psycopg 3), plain
bulk inserts elsewhere — as drafts first and then issued in one UPDATE, so the
immutability triggers stay on and guard the generated data like any other.

Paid and partly paid invoices get the payments behind them (allocated): ``payments`` registers
its writer with ``register_chunk_writer`` (``payments/generator.py``), since invoicing imports no
app above it. Later issues extend it with bank statements, reminders and tasks the same way.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from core.models import CompanyProfile, NumberSeries
from core.money import quantize
from customers.models import Customer, PaymentTerms
from customers.terms import discount_offers as terms_discount_offers
from customers.terms import due_date as terms_due_date

from .models import ExchangeRate, Invoice, InvoiceLine, InvoiceVatBreakdown
from .services.snapshots import EXEMPTION_CODES, _buyer_snapshot, vat_note
from .totals import LineInput, compute_totals

BERLIN = ZoneInfo("Europe/Berlin")
CHUNK = 20_000
CITIES = [
    ("DE", "80331", "München"), ("DE", "10115", "Berlin"), ("DE", "20457", "Hamburg"), ("DE", "50667", "Köln"),
    ("DE", "60311", "Frankfurt am Main"), ("DE", "70173", "Stuttgart"), ("DE", "04109", "Leipzig"),
    ("DE", "90402", "Nürnberg"), ("AT", "1010", "Wien"), ("FR", "75001", "Paris"), ("NL", "1012 AB", "Amsterdam"),
    ("IT", "20121", "Milano"), ("ES", "28001", "Madrid"), ("BE", "1000", "Bruxelles"), ("PL", "00-950", "Warszawa"),
]  # fmt: skip
# Customers outside the EU invoice in their own currency (the VAT total is then also stated in EUR).
ABROAD = [("CH", "8001", "Zürich"), ("GB", "SW1A 1AA", "London"), ("US", "10001", "New York")]
CURRENCY_OF = {"CH": "CHF", "GB": "GBP", "US": "USD"}
EUR_RATE_AROUND = {"CHF": Decimal("0.95"), "GBP": Decimal("0.86"), "USD": Decimal("1.08")}
EU_COUNTRIES = {"DE", "AT", "FR", "NL", "IT", "ES", "BE", "PL"}
FIRST_NAMES = ["Anna", "Jonas", "Lea", "Felix", "Mia", "Paul", "Emma"]
LAST_NAMES = ["Müller", "Schmidt", "Weber", "Wagner", "Becker", "Hoffmann"]
STREETS = ["Haupt", "Bahnhof", "Garten", "Schul", "Industrie", "Kirch", "Linden"]
NAMES = ["Alpen", "Nord", "Süd", "Rhein", "Elbe", "Donau", "Isar", "Main", "Spree", "Hanse", "Berg", "Tal", "Stern"]
TRADES = ["Maschinenbau", "Logistik", "Software", "Handel", "Bau", "Druck", "Elektro", "Textil", "Möbel", "Consulting"]
FORMS = ["GmbH", "AG", "KG", "GmbH & Co. KG", "UG (haftungsbeschränkt)", "e.K."]
ITEMS = [
    ("Beratung", "HUR", "95.00", "S", "19"), ("Wartungsvertrag", "MON", "249.00", "S", "19"),
    ("Softwarelizenz", "C62", "1200.00", "S", "19"), ("Fachbuch", "C62", "39.90", "S", "7"),
    ("Schulung (Tag)", "DAY", "890.00", "S", "19"), ("Versandkosten", "LS", "6.90", "S", "19"),
    ("Ersatzteil", "C62", "18.45", "S", "19"), ("Lebensmittel", "KGM", "4.20", "S", "7"),
    ("Montage", "HUR", "72.50", "S", "19"), ("Reinigung", "MTK", "2.35", "S", "19"),
]  # fmt: skip


# Apps above invoicing add what the ledger implies for each chunk of issued invoices.
_CHUNK_WRITERS: list[Callable[..., None]] = []


def register_chunk_writer(write: Callable[..., None]) -> Callable[..., None]:
    """``write(invoices=..., totals_rows=..., as_of=...)`` runs after each chunk, in its transaction."""
    if write not in _CHUNK_WRITERS:
        _CHUNK_WRITERS.append(write)
    return write


@dataclass
class GenerateResult:
    customers: int
    invoices: int
    credit_notes: int
    lines: int


def _customer_rows(rng: random.Random, count: int, start_number: int, now: datetime) -> list[Customer]:
    rows = []
    for i in range(count):
        place = rng.random()
        country, postal_code, city = (
            rng.choice(CITIES[:8]) if place < 0.8 else rng.choice(ABROAD) if place < 0.84 else rng.choice(CITIES)
        )
        roll = rng.random()
        if roll < 0.08:
            kind, name = "consumer", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            country, postal_code, city = CITIES[rng.randrange(8)]
        elif roll < 0.12 and country == "DE":
            kind, name = "public", f"Stadt {rng.choice(NAMES)}heim"
        else:
            kind, name = "business", f"{rng.choice(NAMES)} {rng.choice(TRADES)} {rng.choice(FORMS)}"
        foreign_business = kind == "business" and country in EU_COUNTRIES and country != "DE"
        rows.append(
            Customer(
                number=str(start_number + i),
                vat_id=_vat_id(country, str(start_number + i)) if foreign_business else "",
                legal_name=f"{name} {i + 1}" if kind != "consumer" else name,
                kind=kind,
                billing_street=f"{rng.choice(STREETS)}straße {rng.randint(1, 120)}",
                billing_postal_code=postal_code,
                billing_city=city,
                billing_country=country,
                language="de" if country in ("DE", "AT") else "en",
                currency=CURRENCY_OF.get(country, "EUR"),
                created_at=now,
                updated_at=now,
            )
        )
    return rows


def _vat_id(country: str, number: str) -> str:
    """A VAT ID with a valid check digit for an EU business, derived from the customer number
    (deterministic without drawing from the seeded generator). Reverse charge and intra-community
    supplies need the buyer's VAT ID (§ 14a UStG, BR-AE-02, BR-IC-02)."""
    from stdnum import luhn
    from stdnum.at import uid
    from stdnum.nl import bsn
    from stdnum.pl import nip

    digest = int(hashlib.sha256(number.encode()).hexdigest(), 16)
    digits = f"{digest:040d}"[-12:]
    if country == "AT":
        return "ATU" + digits[:7] + uid.calc_check_digit("U" + digits[:7])
    if country == "FR":
        base = "1" + digits[:7]
        number9 = base + luhn.calc_check_digit(base)  # a SIREN is Luhn-checked
        return f"FR{int(number9 + '12') % 97:02d}{number9}"  # the numeric key of the TVA
    if country == "IT":
        base = "1" + digits[:6] + "001"  # company number, then the tax office (001–100)
        return "IT" + base + luhn.calc_check_digit(base)
    if country == "ES":
        base = "B" + digits[:7]
        return "ES" + base + luhn.calc_check_digit(base[1:])
    if country == "BE":
        base = "0" + str(2_000_000 + int(digits[:7]) % 7_000_000)
        return "BE" + base + f"{97 - int(base) % 97:02d}"
    if country == "NL":
        for offset in range(100):
            for last in range(10):
                base = f"1{(int(digits[:7]) + offset) % 10**7:07d}{last}"
                if bsn.is_valid(base):
                    return f"NL{base}B01"
    if country == "PL":
        for offset in range(100):
            base = f"{(int(digits[:9]) + offset) % 10**9:09d}"
            check = sum(w * int(d) for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), base, strict=True)) % 11
            if check < 10 and nip.is_valid(base + str(check)):
                return f"PL{base}{check}"
    return ""


def _plan_lines(rng: random.Random, customer: Customer) -> list[tuple[str, str, LineInput]]:
    """(description, unit code, line) for a plausible invoice to this customer."""
    planned = []
    foreign_business = customer.kind == "business" and customer.billing_country != "DE"
    outside_eu = customer.billing_country not in EU_COUNTRIES
    for _ in range(rng.choice([1, 1, 2, 3, 3, 4, 5, 6, 8, 10])):
        description, unit, price, category, rate = rng.choice(ITEMS)
        service = unit in ("HUR", "DAY", "MON")
        if outside_eu:  # services: not taxable here (§ 3a (2) UStG); goods: export (§ 6 UStG)
            category, rate = ("O", None) if service else ("G", "0")
        elif foreign_business:  # services: reverse charge; goods: intra-community supply
            category, rate = ("AE", "0") if service else ("K", "0")
        line = LineInput(
            quantity=Decimal(rng.choice(["1", "2", "3", "5", "10", "0.5", "2.5", "12", "40"])),
            unit_price=Decimal(price),
            vat_category=category,
            vat_rate=Decimal(rate) if rate is not None else None,
            allowance_percent=Decimal("5") if rng.random() < 0.05 else None,
        )
        planned.append((description, unit, line))
    if (
        any(line.vat_category == "O" for _, _, line in planned)
        and len({line.vat_category for _, _, line in planned}) > 1
    ):
        planned = [(d, u, line) for d, u, line in planned if line.vat_category == "O"]  # O stands alone (BR-O-11)
    return planned


def generate(*, seed: int, customers: int, invoices: int, years: int, as_of: date, stdout=None) -> GenerateResult:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    now = timezone.now()
    terms = list(PaymentTerms.objects.filter(active=True).order_by("pk"))
    if not terms:
        raise RuntimeError("No payment terms: run migrate first.")
    start = as_of - timedelta(days=365 * years)
    profile = CompanyProfile.objects.filter(pk=1).first()
    seller = profile.snapshot() if profile else {"name": "Debitor generated data"}
    with transaction.atomic():
        series, _ = NumberSeries.objects.select_for_update().get_or_create(
            key="customer", defaults=NumberSeries.DEFAULTS["customer"]
        )
        customer_rows = _customer_rows(rng, customers, series.next_number, now)
        series.next_number += customers
        series.save(update_fields=["next_number"])
        Customer.objects.bulk_create(customer_rows, batch_size=2000)
        created = list(Customer.objects.filter(number__in=[c.number for c in customer_rows]).order_by("pk"))

        dates = sorted(start + timedelta(days=rng.randrange((as_of - start).days + 1)) for _ in range(invoices))
        per_year: dict[int, int] = {}
        existing_years = {
            s.key: s for s in NumberSeries.objects.select_for_update().filter(key__in=["invoice", "credit_note"])
        }
        invoice_series = existing_years.get("invoice") or NumberSeries.objects.create(
            key="invoice", **NumberSeries.DEFAULTS["invoice"]
        )
        if Invoice.objects.exclude(status="draft").exists():
            raise RuntimeError("generate_data fills an empty ledger; this database already has issued invoices.")
        rates = _monthly_rates(rng, start, as_of)
        lines_written = 0
        for chunk_start in range(0, len(dates), CHUNK):  # bounded memory at any size
            lines_written += _generate_chunk(
                rng, dates[chunk_start : chunk_start + CHUNK], created, terms, per_year, invoice_series, seller, as_of,
                rates,
            )  # fmt: skip
        invoice_series.year = as_of.year
        invoice_series.next_number = per_year.get(as_of.year, 0) + 1
        invoice_series.save(update_fields=["year", "next_number"])
    result = GenerateResult(customers=customers, invoices=invoices, credit_notes=0, lines=lines_written)
    if stdout is not None:
        stdout.write(f"Generated {result.customers} customers, {result.invoices} invoices, {result.lines} lines.")
    return result


def _monthly_rates(rng: random.Random, start: date, end: date) -> dict[tuple[str, date], ExchangeRate]:
    """BMF-like monthly averages (a gentle random walk), existing rows kept as they are."""
    rates = {}
    for currency, level in EUR_RATE_AROUND.items():
        month = start.replace(day=1)
        while month <= end:
            level = (level * Decimal(str(1 + rng.uniform(-0.02, 0.02)))).quantize(Decimal("0.0001"))
            rates[(currency, month)], _ = ExchangeRate.objects.get_or_create(
                currency=currency, kind="monthly", date=month, defaults={"units_per_eur": level}
            )
            month = (month + timedelta(days=32)).replace(day=1)
    return rates


def _generate_chunk(rng, dates, created, terms, per_year, invoice_series, seller, as_of, rates) -> int:
    invoice_rows, line_rows, breakdown_rows = [], [], []
    for invoice_date in dates:
        customer = rng.choice(created)
        planned = _plan_lines(rng, customer)
        totals = compute_totals(lines=[p[2] for p in planned], currency=customer.currency)
        rate = rates.get((customer.currency, invoice_date.replace(day=1)))
        per_year[invoice_date.year] = per_year.get(invoice_date.year, 0) + 1
        chosen_terms = rng.choice(terms)
        spec = chosen_terms.spec()
        due = terms_due_date(spec, invoice_date=invoice_date)
        offers = (
            terms_discount_offers(
                spec, invoice_date=invoice_date, gross_amount=totals.amount_due, currency=customer.currency
            )
            if spec.tiers and totals.amount_due > 0
            else []
        )
        age = (as_of - due).days
        paid_roll = rng.random()
        if age > 60 and paid_roll < 0.93 or age > 0 and paid_roll < 0.6:
            open_amount, state = Decimal("0.00"), "paid"
        elif paid_roll < 0.7:
            open_amount, state = (totals.amount_due / 2).quantize(Decimal("0.01")), "partially_paid"
        else:
            open_amount, state = totals.amount_due, "open"
        issued_at = datetime.combine(invoice_date, time(10, 0), BERLIN)
        invoice_rows.append(
            Invoice(
                document_type="invoice",
                status="draft",  # issued below in one UPDATE, so child triggers let lines in
                number=invoice_series.render(number=per_year[invoice_date.year], year=invoice_date.year),
                customer=customer,
                currency=customer.currency,
                language=customer.language,
                exchange_rate=rate.units_per_eur if rate else None,
                exchange_rate_kind="monthly" if rate else "",
                exchange_rate_date=rate.date if rate else None,
                tax_total_eur=quantize(totals.tax_total / rate.units_per_eur, "EUR") if rate else None,
                invoice_date=invoice_date,
                service_date=invoice_date,
                payment_terms=chosen_terms,
                due_date=due,
                discount_offers=[
                    {
                        "percent": str(o.percent),
                        "deadline": o.deadline.isoformat(),
                        "discount_amount": str(o.discount_amount),
                        "amount_to_pay": str(o.amount_to_pay),
                    }
                    for o in offers
                ],
                terms_snapshot={
                    "name": chosen_terms.name,
                    "basis": spec.basis,
                    "days": spec.days,
                    "tiers": [{"percent": str(t.percent), "days": t.days} for t in spec.tiers],
                },
                buyer=_buyer_snapshot(customer),
                deliver_to_country=customer.billing_country
                if any(line.vat_category == "K" for _, _, line in planned)
                else "",
                seller=seller,
                line_total=totals.line_total,
                tax_exclusive_total=totals.tax_exclusive_total,
                tax_total=totals.tax_total,
                tax_inclusive_total=totals.tax_inclusive_total,
                amount_due=totals.amount_due,
                open_amount=open_amount,
                settlement_state=state,
                created_at=issued_at,
                updated_at=issued_at,
                issued_at=issued_at,
            )
        )
        line_rows.append(planned)
        breakdown_rows.append(totals)
    Invoice.objects.bulk_create(invoice_rows, batch_size=5000)  # sets pk (RETURNING)
    ids = [row.pk for row in invoice_rows]
    languages = [row.language for row in invoice_rows]
    lines_written = _write_children(ids, line_rows, breakdown_rows, languages)
    Invoice.objects.filter(pk__in=ids).update(status="issued")
    for write in _CHUNK_WRITERS:
        write(invoices=invoice_rows, totals_rows=breakdown_rows, as_of=as_of)
    return lines_written


def _write_children(ids: list[int], line_rows: list, totals_rows: list, languages: list[str]) -> int:
    lines, breakdowns = [], []
    for invoice_id, planned, totals, language in zip(ids, line_rows, totals_rows, languages, strict=True):
        for position, ((description, unit, line), result) in enumerate(zip(planned, totals.lines, strict=True), 1):
            lines.append(
                (invoice_id, position, description, "", line.quantity, unit, line.unit_price, Decimal("1"),
                 line.allowance_percent, None, line.vat_category, line.vat_rate, "", "", result.net_amount)
            )  # fmt: skip
        for row in totals.breakdown:
            note = vat_note(row.vat_category, language)
            code = EXEMPTION_CODES.get(row.vat_category, "")
            breakdowns.append(
                (invoice_id, row.vat_category, row.vat_rate, row.taxable_amount, row.tax_amount, note, code)
            )
    line_columns = (
        "invoice_id", "position", "description", "item_number", "quantity", "unit_code", "unit_price",
        "price_base_quantity", "allowance_percent", "allowance_amount", "vat_category", "vat_rate",
        "exemption_reason", "exemption_code", "net_amount",
    )  # fmt: skip
    breakdown_columns = (
        "invoice_id",
        "vat_category",
        "vat_rate",
        "taxable_amount",
        "tax_amount",
        "exemption_reason",
        "exemption_code",
    )
    _bulk_write(InvoiceLine._meta.db_table, line_columns, lines)
    _bulk_write(InvoiceVatBreakdown._meta.db_table, breakdown_columns, breakdowns)
    return len(lines)


def _bulk_write(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY (psycopg 3 streams the rows)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        # Table and column names are this module's constants, never input.
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)
