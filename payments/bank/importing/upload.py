"""Uploading a statement file: size limit, CSV mapping, the file stored once, the import job queued."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from core.documents import document_store
from core.services import job_enqueue
from customers.validation import FieldProblem, clean_iban

from ...models import BankStatementImport
from ..types import ParsedStatement, StatementFormatError

IMPORT_JOB = "payments.import_statement"
STORAGE_FOLDER = "bank-statements"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

Status = BankStatementImport.Status


def statement_max_bytes() -> int:
    return getattr(settings, "DEBITOR_STATEMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


# --- CSV mappings -------------------------------------------------------------------------------
def csv_presets() -> dict:
    """The named CSV column mappings (``payments.bank.csv_import.CSV_PRESETS``), when that module exists."""
    try:
        from .. import csv_import
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


def mapping_from_json(stored: dict | None):
    """The CSV mapping an import row keeps, as the parser takes it."""
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
    from ..csv_import import CsvMapping

    fields = dict(stored["fields"])
    for name, value in fields.items():
        if isinstance(value, list):  # tuples became lists in JSON
            fields[name] = tuple(value)
    return CsvMapping(**fields)


def default_parse(data: bytes, *, filename: str = "", csv_mapping=None) -> list[ParsedStatement]:
    from ..parse import parse_statement_file

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
