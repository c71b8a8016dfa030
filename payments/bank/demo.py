"""A demo bank statement for the quick start, imported through the real path.

A CAMT.053 file (version .08) with two days of the demo company's account is written from the
open invoices the invoicing and payments demos left, uploaded with ``statement_import_create``,
and its import and matching jobs are run right away (``core.services.job_run``, so the job rows
show them done and the worker's later delivery skips them). Afterwards the admin shows:

- applied automatically: an exact invoice number with the exact amount; a number written without
  its dashes from a payer whose IBAN the customer has, with the exact amount; a payment with Skonto
  within the discount period; a SEPA direct-debit collection;
- the review queue with ranked suggestions: an amount that fits two invoices of the customer; a
  number without its prefix from an unknown account; a payer recognised only by name; an unknown
  payer with no suggestion (the lines four days old also get a follow-up task);
- debit lines: bank charges and an outgoing supplier payment (decided as not receivables), and
  the return (MD06, with charges) of the direct debit collected four days earlier, which reopens
  the invoice it paid.

Idempotent: the statements have fixed ids (``DEMO-<date>``); when one exists nothing is done.
The file itself is deterministic for a given day and set of invoices (no clock time in it), so
uploading it again would also be deduplicated by its SHA-256.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from core.models import CompanyProfile, Job
from core.services import job_run
from customers.models import Customer, PaymentTerms
from invoicing.models import DocumentStatus, DocumentType, Invoice, SettlementState
from invoicing.services import invoice_draft_create, invoice_issue

from ..models import BankStatement, BankStatementImport, BankStatementKind
from .camt_write import CamtEntry, CamtStatement, camt_document
from .followup import unmatched_line_tasks_open
from .importing import IMPORT_JOB, MATCH_JOB, statement_import_create

STATEMENT_PREFIX = "DEMO-"
DEFAULT_ACCOUNT = "DE89370400440532013000"
OPENING_BALANCE = Decimal("24850.00")
SKONTO_TERMS = "2 % Skonto 10 Tage, 30 Tage netto"  # seeded by customers' initial migration
SUPPLIER_IBAN = "DE75512108001245126199"
EARLIER_DAYS = 4  # the first statement is this many days old: its review lines get follow-up tasks


def _own_account() -> str:
    profile = CompanyProfile.objects.filter(pk=1).first()
    return "".join((profile.iban if profile and profile.iban else DEFAULT_ACCOUNT).split()).upper()


def _untouched_open_invoices(*, before: date) -> list[Invoice]:
    """Issued EUR invoices nobody paid anything on yet, dated on or before ``before``."""
    return list(
        Invoice.objects.filter(
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.ISSUED,
            settlement_state=SettlementState.OPEN,
            currency="EUR",
            open_amount__gt=0,
            open_amount=F("amount_due"),
            invoice_date__lte=before,
        )
        .select_related("customer")
        .order_by("-invoice_date", "-id")
    )


def _customer_iban(customer: Customer, own: str) -> str:
    for account in customer.bank_accounts.order_by("pk"):
        iban = "".join(account.iban.split()).upper()
        if iban and iban != own:
            return iban
    return ""


def _issue(customer: Customer, lines: list[dict], *, as_of: datetime, by, terms=None) -> Invoice:
    data = {"service_date": timezone.localdate(as_of)}
    if terms is not None:
        data["payment_terms"] = terms
    draft = invoice_draft_create(customer=customer, as_of=as_of, by=by, data=data, lines=lines)
    return invoice_issue(invoice=draft, as_of=as_of, by=by)


def _without_prefix(number: str) -> str:
    """RE-2025-000123 → 2025 000123: how a payer copies a number without its letters."""
    return re.sub(r"^[A-Za-z]+[\s\-/.]*", "", number).replace("-", " ")


def scenario_invoices(*, as_of: datetime, by=None) -> dict:
    """The invoices the demo statement pays that the other demos do not leave: one on Skonto terms
    (Nordlicht Software AG) and two equal maintenance invoices (Erika Mustermann), issued today."""
    made = {"skonto": None, "maintenance": []}
    terms = PaymentTerms.objects.filter(active=True, name=SKONTO_TERMS).first()
    nordlicht = Customer.objects.filter(legal_name="Nordlicht Software AG").first()
    if terms is not None and nordlicht is not None:
        lines = [{"description": "Workshop Zahlungsabgleich (Tag)", "quantity": "1", "unit_code": "DAY",
                  "unit_price": "1150.00", "vat_category": "S", "vat_rate": "19"}]  # fmt: skip
        made["skonto"] = _issue(nordlicht, lines, as_of=as_of, by=by, terms=terms)
    erika = Customer.objects.filter(legal_name="Erika Mustermann").first()
    if erika is not None:
        lines = [{"description": "Wartung", "quantity": "1", "unit_code": "MON", "unit_price": "249.00",
                  "vat_category": "S", "vat_rate": "19"}]  # fmt: skip
        made["maintenance"] = [_issue(erika, lines, as_of=as_of, by=by) for _ in range(2)]
    return made


def _entries(
    *, as_of: datetime, own: str, skonto: Invoice | None, maintenance: list[Invoice]
) -> tuple[list[CamtEntry], list[CamtEntry]]:
    """The entries of the earlier and of today's statement (reads only); scenarios whose invoices
    are missing are left out."""
    today = timezone.localdate(as_of)
    earlier = today - timedelta(days=EARLIER_DAYS)
    history = [inv for inv in _untouched_open_invoices(before=earlier) if not _customer_iban(inv.customer, own)]
    by_customer: dict[int, list[Invoice]] = {}
    for invoice in history:
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
    # One invoice per customer whose amount no other invoice of the customer has, so each scenario
    # points at one invoice only.
    singles = [
        invoices[0]
        for invoices in by_customer.values()
        if [i.open_amount for i in invoices].count(invoices[0].open_amount) == 1
    ]
    first, second = [], []

    def credit(invoice: Invoice, day: date, remittance: str, **fields) -> CamtEntry:
        fields.setdefault("name", invoice.customer.legal_name)
        return CamtEntry(amount=invoice.open_amount, credit=True, booking_date=day, remittance=remittance, **fields)

    if len(singles) >= 4:
        collected, exact, by_name, mangled = singles[:4]
        # A SEPA direct debit we collected, returned four days later (MD06: the payer asked for a refund).
        e2e, mandate = f"DD-{collected.number}", f"MNDT-{collected.customer.number}"
        first.append(
            credit(
                collected,
                earlier,
                f"Lastschrift {collected.number}",
                end_to_end_id=e2e,
                mandate_id=mandate,
                transaction_code=("PMNT", "IDDT", "ESDD"),
            )
        )
        first.append(credit(exact, earlier, f"Rechnung {exact.number}", end_to_end_id=f"E2E-{exact.number}"))
        first.append(credit(by_name, earlier, "Zahlung offene Posten"))  # recognised by the name only
        second.append(credit(mangled, today, f"RG {_without_prefix(mangled.number)}", name="Zentralkasse Einkauf"))
        second.append(
            CamtEntry(
                amount=collected.open_amount + Decimal("3.00"),
                credit=False,
                booking_date=today,
                end_to_end_id=e2e,
                mandate_id=mandate,
                name=collected.customer.legal_name,
                remittance=f"Rücklastschrift {collected.number}",
                return_reason="MD06",
                charges=Decimal("3.00"),
                transaction_code=("PMNT", "IDDT", "UPDD"),
            )
        )
    first.append(
        CamtEntry(
            amount=Decimal("83.20"),
            credit=True,
            booking_date=earlier,
            name="Karl Fremd",
            iban="DE12500105170648489890",
            remittance="Rechnung vom 12.",
        )
    )
    first.append(
        CamtEntry(
            amount=Decimal("12.50"),
            credit=False,
            booking_date=earlier,
            name="Commerzbank AG",
            remittance=f"Kontoführung {earlier:%m/%Y}",
            transaction_code=("ACMT", "MDOP", "CHRG"),
        )
    )

    wiener = Customer.objects.filter(legal_name="Wiener Kaffeerösterei GmbH").first()
    wiener_invoice = (
        Invoice.objects.filter(
            customer=wiener, status=DocumentStatus.ISSUED, settlement_state=SettlementState.OPEN, currency="EUR"
        )
        .order_by("id")
        .first()
        if wiener
        else None
    )
    if wiener_invoice is not None and _customer_iban(wiener, own):
        second.append(
            credit(
                wiener_invoice,
                today,
                f"{wiener_invoice.number.replace('-', '')} Schulung",
                iban=_customer_iban(wiener, own),
            )
        )
    if skonto is not None and skonto.discount_offers:
        second.append(
            CamtEntry(
                amount=Decimal(skonto.discount_offers[0]["amount_to_pay"]),
                credit=True,
                booking_date=today,
                name=skonto.customer.legal_name,
                remittance=f"{skonto.number} abzgl. 2 % Skonto",
            )
        )
    if maintenance and _customer_iban(maintenance[0].customer, own):
        # No number, and the amount fits both invoices: ranked suggestions, never applied automatically.
        first_invoice = maintenance[0]
        second.append(credit(first_invoice, today, "Wartung", iban=_customer_iban(first_invoice.customer, own)))
    second.append(
        CamtEntry(
            amount=Decimal("1428.00"),
            credit=False,
            booking_date=today,
            name="Bürobedarf Schmidt KG",
            iban=SUPPLIER_IBAN,
            remittance="Rechnung 4711 Büromaterial",
            transaction_code=("PMNT", "ICDT", "ESCT"),
        )
    )
    return first, second


def demo_statement_file(*, as_of: datetime, skonto: Invoice | None = None, maintenance=()) -> bytes:
    """The demo's CAMT.053 file: two statements of the company's account, four days apart, paying
    the open invoices as the module docstring tells. Reads only; the same day and the same
    invoices give the same bytes."""
    own = _own_account()
    today = timezone.localdate(as_of)
    earlier = today - timedelta(days=EARLIER_DAYS)
    first, second = _entries(as_of=as_of, own=own, skonto=skonto, maintenance=list(maintenance))
    zone = timezone.get_default_timezone()
    opening_second = OPENING_BALANCE + sum(
        (e.amount if e.credit else -e.amount for e in first if e.status == "BOOK"), Decimal("0")
    )
    statements = [
        CamtStatement(
            statement_id=f"{STATEMENT_PREFIX}{day.isoformat()}",
            account_iban=own,
            owner_name="Debitor Demo GmbH",
            created_at=datetime.combine(day, time(20, 0), tzinfo=zone),  # end of day, no clock time
            entries=tuple(entries),
            from_date=day,
            to_date=day,
            opening_balance=opening,
            sequence=str(sequence),
        )
        for sequence, (day, entries, opening) in enumerate(
            [(earlier, first, OPENING_BALANCE), (today, second, opening_second)], start=1
        )
    ]
    return camt_document(message="camt.053", message_id=f"DEMO-{today.isoformat()}", statements=statements)


def _run(kind: str) -> None:
    for job in Job.objects.filter(kind=kind, status=Job.Status.PENDING).order_by("pk"):
        outcome = job_run(job_id=job.pk, clock=timezone.now)
        if outcome != "done":
            job.refresh_from_db()
            raise RuntimeError(f"Demo bank statement: job {job.kind} #{job.pk} {outcome}: {job.last_error}")


def load(*, as_of: datetime, by=None, stdout=None) -> BankStatementImport | None:
    """Import the demo statement once (see the module docstring); returns its import, or None
    when it exists already."""
    if BankStatement.objects.filter(
        kind=BankStatementKind.STATEMENT, statement_id__startswith=STATEMENT_PREFIX
    ).exists():
        return None
    data = demo_statement_file(as_of=as_of, **scenario_invoices(as_of=as_of, by=by))
    today = timezone.localdate(as_of)
    statement_import = statement_import_create(
        data=data, filename=f"demo-camt053-{today.isoformat()}.xml", as_of=as_of, by=by
    )
    _run(IMPORT_JOB)
    _run(MATCH_JOB)
    tasks = unmatched_line_tasks_open(as_of=as_of)
    statement_import.refresh_from_db()
    if stdout is not None:
        lines = statement_import.statements.values_list("lines__match_status", flat=True)
        counts = {status: list(lines).count(status) for status in ("matched", "review", "ignored", "new")}
        stdout.write(
            f"Demo bank statement: {statement_import.new_line_count} lines, {counts['matched']} matched, "
            f"{counts['review']} to review, {counts['ignored']} ignored; {tasks} follow-up tasks."
        )
    return statement_import
