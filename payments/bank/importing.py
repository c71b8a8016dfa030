"""Importing bank statement files: all or nothing, idempotent, as durable background work.

``statement_import_create`` stores the uploaded file and queues the job in one transaction;
``statement_import_run`` (the job's service) parses the whole file first and then stores every
statement and line in one transaction, or nothing when the file is malformed.

Idempotency, on three levels:

- a **file** is stored once (its SHA-256 is unique): uploading it again returns the first import;
- a **statement** once per account, kind and id (``Stmt/Id``, MT940 ``:20:``/``:28C:``): a
  re-delivered statement adds no lines (its lines are counted as duplicates);
- a **line** once per content hash (``line_content_hash``) among the lines not superseded: an
  overlapping statement, or the CAMT.053 statement after the CAMT.052 intraday report that
  announced the same movement, stores nothing twice. A statement line confirming a report's or
  notification's line is stored and the earlier line points at it (``superseded_by``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from core.documents import document_store
from core.services import job_enqueue
from customers.validation import FieldProblem, clean_iban

from ..models import BankStatement, BankStatementImport, BankStatementKind, BankStatementLine
from .types import ParsedLine, ParsedStatement, StatementFormatError

IMPORT_JOB = "payments.import_statement"
STORAGE_FOLDER = "bank-statements"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
BATCH = 2000

Status = BankStatementImport.Status
Parser = Callable[..., list[ParsedStatement]]


def statement_max_bytes() -> int:
    return getattr(settings, "DEBITOR_STATEMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


# --- CSV mappings -------------------------------------------------------------------------------
def csv_presets() -> dict:
    """The named CSV column mappings (``payments.bank.csv_import.CSV_PRESETS``), when that module exists."""
    try:
        from . import csv_import
    except ImportError:
        return {}
    return dict(getattr(csv_import, "CSV_PRESETS", None) or getattr(csv_import, "PRESETS", None) or {})


def _mapping_to_json(csv_mapping, account_iban: str = "") -> dict | None:
    """A CSV mapping as the import row can keep it: a preset name (a CSV export names no account,
    so the account's IBAN comes with it), a ``CsvMapping`` or a dict of its fields."""
    if csv_mapping in (None, ""):
        return None
    if isinstance(csv_mapping, str):
        preset = csv_presets().get(csv_mapping)
        if preset is None:
            raise ValidationError({"csv_mapping": gettext("Unknown CSV mapping %(name)s.") % {"name": csv_mapping}})
        if account_iban:
            try:
                account_iban = clean_iban(account_iban).compact
            except FieldProblem as problem:
                raise ValidationError({"account_iban": str(problem)}) from None
        elif not getattr(preset, "account_iban", ""):
            raise ValidationError({"account_iban": gettext("A CSV file needs the IBAN of the account it belongs to.")})
        return {"preset": csv_mapping, "account_iban": account_iban}
    if dataclasses.is_dataclass(csv_mapping):
        return {"fields": _jsonable(dataclasses.asdict(csv_mapping))}
    if isinstance(csv_mapping, dict):
        return {"fields": _jsonable(csv_mapping)}
    raise TypeError(f"csv_mapping must be a preset name, a CsvMapping or a dict, not {type(csv_mapping)!r}")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def _mapping_from_json(stored: dict | None):
    if not stored:
        return None
    if "preset" in stored:
        presets = csv_presets()
        if stored["preset"] not in presets:
            raise StatementFormatError(
                gettext("The CSV mapping %(name)s no longer exists.") % {"name": stored["preset"]}
            )
        preset = presets[stored["preset"]]
        if stored.get("account_iban"):
            preset = dataclasses.replace(preset, account_iban=stored["account_iban"])
        return preset
    from .csv_import import CsvMapping

    fields = dict(stored["fields"])
    for name, value in fields.items():
        if isinstance(value, list):  # tuples became lists in JSON
            fields[name] = tuple(value)
    return CsvMapping(**fields)


def _default_parse(data: bytes, *, filename: str = "", csv_mapping=None) -> list[ParsedStatement]:
    from .parse import parse_statement_file

    return parse_statement_file(data, filename=filename, csv_mapping=csv_mapping)


# --- Upload -------------------------------------------------------------------------------------
def statement_import_create(
    *, data: bytes, filename: str, as_of: datetime, by=None, csv_mapping=None, account_iban: str = ""
) -> BankStatementImport:
    """Store an uploaded statement file and queue its import (job ``payments.import_statement``).

    The same file again (same SHA-256) returns the first import, whatever its state; only a
    failed import is queued once more (e.g. with another CSV mapping). ``csv_mapping`` is a preset
    name of ``payments.bank.csv_import`` (then ``account_iban`` names the account), a
    ``CsvMapping`` or a dict of its fields. Empty or oversized files
    are refused with a ``ValidationError`` on ``file``; whether the format is known is decided
    by the job, which records a failure on the import.
    """
    if not data:
        raise ValidationError({"file": gettext("The file is empty.")})
    limit = statement_max_bytes()
    if len(data) > limit:
        raise ValidationError(
            {
                "file": gettext("The file is %(size)s bytes; at most %(limit)s bytes can be imported.")
                % {"size": len(data), "limit": limit}
            }
        )
    mapping = _mapping_to_json(csv_mapping, account_iban)
    digest = hashlib.sha256(data).hexdigest()
    name = get_valid_filename(os.path.basename(filename or "")) or "statement"
    name = name[-120:]
    with transaction.atomic():
        existing = BankStatementImport.objects.select_for_update().filter(sha256=digest).first()
        if existing is not None:
            if existing.status == Status.FAILED:
                existing.status = Status.QUEUED
                existing.error = existing.error_location = ""
                existing.progress = 0
                existing.finished_at = None
                if mapping is not None:
                    existing.csv_mapping = mapping
                existing.save(
                    update_fields=["status", "error", "error_location", "progress", "finished_at", "csv_mapping"]
                )
                _enqueue(statement_import=existing, as_of=as_of, by=by)
            return existing
        stored = document_store(folder=STORAGE_FOLDER, filename=name, data=data)
        statement_import = BankStatementImport.objects.create(
            file=stored.name,
            sha256=stored.sha256,
            size=stored.size,
            filename=name,
            csv_mapping=mapping,
            created_by=by,
            created_at=as_of,
        )
        _enqueue(statement_import=statement_import, as_of=as_of, by=by)
    return statement_import


def _enqueue(*, statement_import: BankStatementImport, as_of: datetime, by) -> None:
    job_enqueue(
        kind=IMPORT_JOB,
        as_of=as_of,
        payload={"import_id": statement_import.pk},
        dedupe_key=f"bank-import-{statement_import.pk}",
        created_by=by if getattr(by, "pk", None) else None,
    )


# --- The import itself --------------------------------------------------------------------------
def statement_import_run(*, import_id: int, as_of: datetime, parse: Parser | None = None) -> BankStatementImport:
    """Import a queued file: parse it completely, then store it in one transaction, or fail it.

    Safe to run twice (at-least-once jobs): a finished or failed import returns at once. A
    ``StatementFormatError`` marks the import failed with the parser's message and location
    and stores nothing. Any other exception is a bug or an outage: it propagates, the import
    stays ``processing`` and the job is retried.
    """
    parse = parse or _default_parse
    with transaction.atomic():
        statement_import = BankStatementImport.objects.select_for_update().get(pk=import_id)
        if statement_import.status in (Status.DONE, Status.FAILED):
            return statement_import
        statement_import.status = Status.PROCESSING
        statement_import.started_at = as_of
        statement_import.progress = 10
        statement_import.save(update_fields=["status", "started_at", "progress"])

    try:
        with default_storage.open(statement_import.file.name, "rb") as handle:
            data = handle.read()
        statements = parse(
            data,
            filename=statement_import.filename,
            csv_mapping=_mapping_from_json(statement_import.csv_mapping),
        )
        if not statements:
            raise StatementFormatError(gettext("The file holds no statement."))
        for statement in statements:
            _check_statement(statement)
    except StatementFormatError as exc:
        return _fail(import_id=import_id, as_of=as_of, error=exc)

    BankStatementImport.objects.filter(pk=import_id, status=Status.PROCESSING).update(progress=50)
    with transaction.atomic():
        statement_import = BankStatementImport.objects.select_for_update().get(pk=import_id)
        if statement_import.status != Status.PROCESSING:  # a concurrent delivery finished it
            return statement_import
        _lock_accounts(sorted({_account(statement.account_iban) for statement in statements}))
        counts = Counter()
        for statement in statements:
            _store_statement(statement_import=statement_import, parsed=statement, counts=counts)
        statement_import.format = ", ".join(sorted({statement.format for statement in statements}))[:40]
        statement_import.statement_count = len(statements)
        statement_import.new_statement_count = counts["new_statements"]
        statement_import.line_count = counts["lines"]
        statement_import.new_line_count = counts["new_lines"]
        statement_import.duplicate_count = counts["duplicates"]
        statement_import.confirmed_count = counts["confirmed"]
        statement_import.status = Status.DONE
        statement_import.progress = 100
        statement_import.finished_at = as_of
        statement_import.save()
    # Matching runs once the import has committed: a line's trouble cannot undo the import.
    from .matching import statement_match

    for statement in statement_import.statements.order_by("pk"):
        statement_match(statement=statement, as_of=as_of)
    return statement_import


def _fail(*, import_id: int, as_of: datetime, error: StatementFormatError) -> BankStatementImport:
    with transaction.atomic():
        statement_import = BankStatementImport.objects.select_for_update().get(pk=import_id)
        if statement_import.status != Status.PROCESSING:  # a concurrent delivery finished it
            return statement_import
        statement_import.status = Status.FAILED
        statement_import.error = error.message
        statement_import.error_location = error.location[:500]
        statement_import.progress = 100
        statement_import.finished_at = as_of
        statement_import.save(update_fields=["status", "error", "error_location", "progress", "finished_at"])
    return statement_import


def _check_statement(statement: ParsedStatement) -> None:
    """What the database cannot hold is a format error too (before anything is stored)."""
    where = statement.statement_id or statement.account_iban
    if not statement.account_iban:
        raise StatementFormatError(gettext("The statement names no account."), location=where)
    if not statement.statement_id:
        raise StatementFormatError(gettext("The statement has no id."), location=where)
    for line in statement.lines:
        for value in (line.amount, line.charges):
            if value is not None and value != value.quantize(Decimal("0.01")):
                raise StatementFormatError(
                    gettext("The amount %(amount)s has more than two decimal places.") % {"amount": value},
                    location=line.source_location or where,
                )
        if line.amount <= 0:
            raise StatementFormatError(
                gettext("The amount must be positive; the direction is credit or debit."),
                location=line.source_location or where,
            )


def _account(value: str) -> str:
    return "".join(value.split()).upper()


def _lock_accounts(accounts: list[str]) -> None:
    """Serialise imports touching the same account, so overlapping files cannot race on hashes."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for account in accounts:  # sorted: a fixed order, no deadlock between two imports
            key = int.from_bytes(hashlib.sha256(f"bank-account:{account}".encode()).digest()[:8], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def line_content_hash(*, account_iban: str, line: ParsedLine, occurrence: int = 0) -> str:
    """The identity of a movement, the same in every file that reports it.

    Built from what a bank repeats in an overlapping statement and in the end-of-day statement
    after an intraday report: account, booking and value date, amount, direction, the bank's
    reference, end-to-end id, remittance, counterparty IBAN and position in a batch. Two lines
    equal in all of these within one statement (two identical card fees on one day) are told
    apart by ``occurrence``, their count so far, so neither is lost.
    """
    parts = [
        _account(account_iban),
        line.booking_date.isoformat() if line.booking_date else "",
        line.value_date.isoformat() if line.value_date else "",
        f"{line.amount:.2f}",
        "C" if line.credit else "D",
        line.account_servicer_reference.strip(),
        line.end_to_end_id.strip(),
        " ".join(line.remittance.split()),
        _account(line.counterparty_iban),
        str(line.batch_index),
        str(occurrence),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def statement_line_hashes(statement: ParsedStatement) -> list[str]:
    """The content hash of each of a statement's lines, in order."""
    seen: Counter = Counter()
    hashes = []
    for line in statement.lines:
        base = line_content_hash(account_iban=statement.account_iban, line=line)
        hashes.append(line_content_hash(account_iban=statement.account_iban, line=line, occurrence=seen[base]))
        seen[base] += 1
    return hashes


def _balance_warning(parsed: ParsedStatement, difference: Decimal | None) -> str:
    if not difference:
        return ""
    return gettext(
        "Opening balance %(opening)s plus the booked entries does not give the closing balance %(closing)s "
        "(difference %(difference)s %(currency)s)."
    ) % {
        "opening": parsed.opening_balance,
        "closing": parsed.closing_balance,
        "difference": difference,
        "currency": parsed.currency,
    }


def _store_statement(*, statement_import: BankStatementImport, parsed: ParsedStatement, counts: Counter) -> None:
    account = _account(parsed.account_iban)
    hashes = statement_line_hashes(parsed)
    counts["lines"] += len(hashes)
    statement = BankStatement.objects.filter(
        account_iban=account, kind=parsed.kind, statement_id=parsed.statement_id
    ).first()
    if statement is None:
        difference = parsed.balance_difference()
        statement = BankStatement.objects.create(
            statement_import=statement_import,
            account_iban=account,
            statement_id=parsed.statement_id[:255],
            kind=parsed.kind,
            format=parsed.format[:40],
            sequence=parsed.sequence[:40],
            created_at_bank=parsed.created_at,
            from_date=parsed.from_date,
            to_date=parsed.to_date,
            currency=parsed.currency,
            opening_balance=parsed.opening_balance,
            closing_balance=parsed.closing_balance,
            balance_difference=difference,
            balance_warning=_balance_warning(parsed, difference),
        )
        counts["new_statements"] += 1
        next_position = 0
    else:
        # Delivered before: its lines are already stored; a line the earlier delivery lacked is added.
        next_position = statement.lines.count()

    live = _live_lines(hashes)
    new_lines, superseded = [], []
    for line, content_hash in zip(parsed.lines, hashes, strict=True):
        earlier = live.get(content_hash)
        if earlier is not None and not (
            parsed.kind == BankStatementKind.STATEMENT and earlier["kind"] != BankStatementKind.STATEMENT
        ):
            counts["duplicates"] += 1
            continue
        row = _line_row(statement=statement, line=line, content_hash=content_hash, position=next_position)
        next_position += 1
        if earlier is not None:  # the statement confirms an intraday report's or notification's line
            row.match_status = earlier["match_status"]
            superseded.append((earlier["id"], row))
            counts["confirmed"] += 1
        else:
            counts["new_lines"] += 1
        new_lines.append(row)

    successors = {id(row) for _earlier_id, row in superseded}
    BankStatementLine.objects.bulk_create([row for row in new_lines if id(row) not in successors], batch_size=BATCH)
    if superseded:
        # The live hash is unique (a partial index, which cannot be deferred): the earlier lines
        # leave the live set first (pointing at themselves for a moment), then their successors
        # enter it and the earlier lines point at them.
        BankStatementLine.objects.filter(pk__in=[earlier_id for earlier_id, _row in superseded]).update(
            superseded_by=F("pk")
        )
        BankStatementLine.objects.bulk_create([row for _earlier_id, row in superseded], batch_size=BATCH)
        BankStatementLine.objects.bulk_update(
            [BankStatementLine(pk=earlier_id, superseded_by_id=row.pk) for earlier_id, row in superseded],
            ["superseded_by"],
            batch_size=BATCH,
        )
    if new_lines:
        statement.line_count = statement.lines.count()
        statement.save(update_fields=["line_count"])


def _live_lines(hashes: Iterable[str]) -> dict[str, dict]:
    hashes = list(hashes)
    found = {}
    for start in range(0, len(hashes), BATCH):
        rows = BankStatementLine.objects.filter(
            content_hash__in=hashes[start : start + BATCH], superseded_by__isnull=True
        ).values("id", "content_hash", "match_status", "statement__kind")
        for row in rows:
            found[row["content_hash"]] = {
                "id": row["id"],
                "kind": row["statement__kind"],
                "match_status": row["match_status"],
            }
    return found


def _line_row(*, statement: BankStatement, line: ParsedLine, content_hash: str, position: int) -> BankStatementLine:
    return BankStatementLine(
        statement=statement,
        position=position,
        content_hash=content_hash,
        amount=line.amount,
        currency=line.currency or statement.currency,
        credit=line.credit,
        booking_date=line.booking_date,
        value_date=line.value_date,
        status=line.status[:4],
        reversal=line.reversal,
        account_servicer_reference=line.account_servicer_reference[:255],
        entry_reference=line.entry_reference[:255],
        batch_index=line.batch_index,
        batch_size=line.batch_size,
        end_to_end_id=line.end_to_end_id[:255],
        mandate_id=line.mandate_id[:255],
        creditor_id=line.creditor_id[:255],
        customer_reference=line.customer_reference[:255],
        structured_reference=line.structured_reference[:255],
        remittance=line.remittance,
        counterparty_name=line.counterparty_name[:255],
        counterparty_iban=_account(line.counterparty_iban)[:35],
        counterparty_bic=line.counterparty_bic.strip()[:11],
        bank_transaction_code=line.bank_transaction_code[:40],
        return_reason=line.return_reason[:35],
        charges=line.charges,
        additional_info=line.additional_info,
        source_location=line.source_location[:255],
    )
