"""The two background steps after an upload: the import (parse, then store all or nothing) and,
queued in the import's transaction, the matching of each statement that got new lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_noop

from core.messages import message_define
from core.services import PermanentJobError, job_enqueue

from ...models import BankStatement, BankStatementImport
from ..types import ParsedStatement, StatementFormatError
from .store import account_key, accounts_lock, store_statement
from .upload import default_parse, mapping_from_json

MATCH_JOB = "payments.match_statement"

Status = BankStatementImport.Status
Parser = Callable[..., list[ParsedStatement]]

NO_STATEMENT = message_define("bank.import.no_statement", gettext_noop("The file holds no statement."))
NO_ACCOUNT = message_define("bank.import.no_account", gettext_noop("The statement names no account."))
NO_ID = message_define("bank.import.no_statement_id", gettext_noop("The statement has no id."))
AMOUNT_DECIMALS = message_define(
    "bank.import.amount_decimals", gettext_noop("The amount %(amount)s has more than two decimal places.")
)
AMOUNT_NOT_POSITIVE = message_define(
    "bank.import.amount_not_positive", gettext_noop("The amount must be positive; the direction is credit or debit.")
)


def statement_import_run(*, import_id: int, as_of: datetime, parse: Parser | None = None) -> BankStatementImport:
    """Import a queued file: parse it completely, then store it in one transaction, or fail it.

    Safe to run twice (at-least-once jobs): a finished or failed import returns at once. A
    ``StatementFormatError`` marks the import failed with the parser's message and location
    and stores nothing. Any other exception is a bug or an outage: it propagates, the import
    stays ``processing`` and the job is retried.

    The same transaction that stores the lines queues one ``payments.match_statement`` job per
    statement that got lines: matching (and booking the debit lines) is durable work of its
    own, retried by the job machinery when it fails, and cannot undo the import.
    """
    parse = parse or default_parse
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
            csv_mapping=mapping_from_json(statement_import.csv_mapping),
        )
        if not statements:
            raise StatementFormatError(NO_STATEMENT)
        for statement in statements:
            _check_statement(statement)
    except StatementFormatError as exc:
        return _fail(import_id=import_id, as_of=as_of, error=exc)

    BankStatementImport.objects.filter(pk=import_id, status=Status.PROCESSING).update(progress=50)
    with transaction.atomic():
        statement_import = BankStatementImport.objects.select_for_update().get(pk=import_id)
        if statement_import.status != Status.PROCESSING:  # a concurrent delivery finished it
            return statement_import
        accounts_lock([account_key(statement.account_iban) for statement in statements])
        counts = Counter()
        to_match: dict[int, None] = {}  # ordered, each statement once
        for parsed in statements:
            stored, added = store_statement(
                statement_import=statement_import, parsed=parsed, counts=counts, as_of=as_of
            )
            if added:
                to_match[stored.pk] = None
        statement_import.format = ", ".join(sorted({statement.format for statement in statements}))[:40]
        statement_import.statement_count = len(statements)
        statement_import.new_statement_count = counts["new_statements"]
        statement_import.line_count = counts["lines"]
        statement_import.new_line_count = counts["new_lines"]
        statement_import.duplicate_count = counts["duplicates"]
        statement_import.confirmed_count = counts["confirmed"]
        statement_import.redelivered_count = counts["redelivered"]
        statement_import.held_count = counts["held"]
        statement_import.status = Status.DONE
        statement_import.progress = 100
        statement_import.finished_at = as_of
        statement_import.save()
        for statement_id in to_match:
            job_enqueue(
                kind=MATCH_JOB,
                as_of=as_of,
                payload={"statement_id": statement_id},
                # Per import: a later delivery adding lines to the statement gets a job of its own
                # even while this one is running.
                dedupe_key=f"bank-match-{statement_id}-{import_id}",
                created_by=statement_import.created_by,
            )
    return statement_import


def statement_match_run(*, statement_id: int, as_of: datetime) -> dict:
    """The matching job's service: rank and apply the statement's new credit lines
    (``matching.statement_match``), then classify and book its new debit lines
    (``debits.statement_book_debits``).

    Idempotent: both touch only lines still ``new``, each line in its own transaction. An
    exception propagates, so the job is retried with backoff and picks up the lines still new.
    """
    from ..debits import statement_book_debits
    from ..matching import statement_match

    try:
        statement = BankStatement.objects.get(pk=statement_id)
    except ObjectDoesNotExist:
        raise PermanentJobError(f"Bank statement {statement_id} does not exist.") from None
    credits = statement_match(statement=statement, as_of=as_of)
    debits = statement_book_debits(statement=statement, as_of=as_of)
    return {"statement": statement_id, "credits": credits, "debits": debits}


def _fail(*, import_id: int, as_of: datetime, error: StatementFormatError) -> BankStatementImport:
    with transaction.atomic():
        statement_import = BankStatementImport.objects.select_for_update().get(pk=import_id)
        if statement_import.status != Status.PROCESSING:  # a concurrent delivery finished it
            return statement_import
        statement_import.status = Status.FAILED
        statement_import.error_message = error.stored
        statement_import.error_location = error.location[:500]
        statement_import.progress = 100
        statement_import.finished_at = as_of
        statement_import.save(update_fields=["status", "error_message", "error_location", "progress", "finished_at"])
    return statement_import


def _check_statement(statement: ParsedStatement) -> None:
    """What the database cannot hold is a format error too (before anything is stored)."""
    where = statement.statement_id or statement.account_iban
    if not statement.account_iban:
        raise StatementFormatError(NO_ACCOUNT, location=where)
    if not statement.statement_id:
        raise StatementFormatError(NO_ID, location=where)
    for line in statement.lines:
        for value in (line.amount, line.charges):
            if value is not None and value != value.quantize(Decimal("0.01")):
                # The value as text, not Money: Money is worded rounded to cents and would hide the digits.
                raise StatementFormatError(AMOUNT_DECIMALS, amount=str(value), location=line.source_location or where)
        if line.amount <= 0:
            raise StatementFormatError(AMOUNT_NOT_POSITIVE, location=line.source_location or where)
