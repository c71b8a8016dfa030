"""Uploading a statement file: size limit, CSV mapping, the file stored once, the import job queued.

The file is streamed: read in chunks into a spooled temporary file (memory up to ``SPOOL_BYTES``,
disk beyond) while its SHA-256 is computed and its size counted, refused as soon as it passes
``DEBITOR_STATEMENT_MAX_BYTES`` (nothing stored), then written to storage in chunks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import IntegrityError, connection, transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext, gettext_noop

from core.events import event_record
from core.locks import note_locked
from core.messages import message_define
from core.services import job_enqueue
from customers.validation import FieldProblem, clean_iban

from ...models import BankStatementImport
from ..types import ParsedStatement, StatementFormatError

IMPORT_JOB = "payments.import_statement"
STORAGE_FOLDER = "bank-statements"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 1024 * 1024

Status = BankStatementImport.Status
MAPPING_GONE = message_define("bank.import.mapping_gone", gettext_noop("The CSV mapping %(name)s no longer exists."))


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
            raise StatementFormatError(MAPPING_GONE, name=stored["preset"])
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
def _chunks(source) -> Iterator[bytes]:
    """The bytes of ``source`` (bytes, a Django ``File``/``UploadedFile`` or any binary reader) in chunks."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start : start + CHUNK_BYTES]
        return
    if hasattr(source, "seek"):
        source.seek(0)
    if hasattr(source, "chunks"):
        yield from source.chunks(CHUNK_BYTES)
        return
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


class StatementUploadLimit(FileUploadHandler):
    """Stops reading an uploaded file out of the request body once it passes the statement limit.

    Without it Django spools the whole upload to a temporary file before the view runs, so a huge
    upload fills the disk before ``_spool`` could refuse it. Installed first on a request whose body
    is not parsed yet (``statement_upload_limit``); the rest of the body is read and discarded, and
    ``refused`` tells the view to answer with ``statement_upload_refusal``."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit, self.refused = limit, False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.refused = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def statement_upload_limit(request) -> StatementUploadLimit:
    """Put the size limit in front of ``request``'s upload handlers (before its body is read)."""
    handler = StatementUploadLimit(request, limit=statement_max_bytes())
    request.upload_handlers.insert(0, handler)
    return handler


def statement_upload_refusal() -> ValidationError:
    return _too_large(statement_max_bytes())


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        {
            "file": gettext("The file is larger than %(limit)s bytes, the most a statement file may have.")
            % {"limit": limit}
        }
    )


def _spool(source, limit: int):
    """Copy ``source`` into a temporary file, hashing as it goes; refuse past ``limit`` bytes while
    reading. Returns (file, sha256, size); the caller closes the file."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in _chunks(source):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            digest.update(chunk)
            spooled.write(chunk)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled, digest.hexdigest(), size


def _stored_hash(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store(spooled, *, digest: str, filename: str) -> str:
    """Write the spooled file to storage in chunks under a path carrying its hash (never over an
    existing different file); returns the storage name."""
    path = f"{STORAGE_FOLDER}/{digest[:16]}/{filename}"
    if default_storage.exists(path) and _stored_hash(path) == digest:
        return path
    return default_storage.save(path, File(spooled, name=filename))


def _lock_file(digest: str) -> None:
    """Serialise uploads of the same file: the second waits for the first to commit and then finds
    its import (a row lock cannot serve: the row does not exist yet). Transaction-scoped."""
    key = int.from_bytes(hashlib.sha256(f"bank-file:{digest}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    note_locked("advisory.statement_file", [digest])


def statement_import_create(
    *,
    data=None,
    filename: str,
    as_of: datetime,
    by=None,
    csv_mapping=None,
    account_iban: str = "",
) -> BankStatementImport:
    """Store an uploaded statement file and queue its import (job ``payments.import_statement``).

    ``data`` is the file: bytes, or an uploaded file (read in chunks, never whole into memory).
    The same file again (same SHA-256), sequentially or at the same moment, returns the first
    import, whatever its state, with ``duplicate`` set on it; only a failed import is queued once
    more (e.g. with another CSV mapping). ``csv_mapping`` is a preset name of
    ``payments.bank.csv_import`` (then ``account_iban`` names the account), a ``CsvMapping`` or a
    dict of its fields. Empty or oversized files are refused with a ``ValidationError`` on
    ``file`` and nothing is stored; whether the format is known is decided by the job, which
    records a failure on the import.
    """
    if data is None:
        raise ValidationError({"file": gettext("The file is empty.")})
    mapping = _mapping_to_json(csv_mapping, account_iban)
    spooled, digest, size = _spool(data, statement_max_bytes())
    try:
        if not size:
            raise ValidationError({"file": gettext("The file is empty.")})
        name = get_valid_filename(os.path.basename(filename or "")) or "statement"
        name = name[-120:]
        with transaction.atomic():
            _lock_file(digest)
            existing = BankStatementImport.objects.select_for_update().filter(sha256=digest).first()
            if existing is not None:
                return _again(existing, mapping=mapping, as_of=as_of, by=by)
            stored_name = _store(spooled, digest=digest, filename=name)
            try:
                with transaction.atomic():
                    statement_import = BankStatementImport.objects.create(
                        file=stored_name,
                        sha256=digest,
                        size=size,
                        filename=name,
                        csv_mapping=mapping,
                        created_by=by if getattr(by, "pk", None) else None,
                        created_at=as_of,
                    )
            except IntegrityError:
                # Without the lock (another database): the same file won the race; answer with it.
                existing = BankStatementImport.objects.select_for_update().get(sha256=digest)
                return _again(existing, mapping=mapping, as_of=as_of, by=by)
            _enqueue(statement_import=statement_import, as_of=as_of, by=by)
    finally:
        spooled.close()
    statement_import.duplicate = False
    return statement_import


def _again(existing: BankStatementImport, *, mapping, as_of: datetime, by) -> BankStatementImport:
    """The file was uploaded before: its import, queued once more if it failed."""
    if existing.status == Status.FAILED:
        existing.status = Status.QUEUED
        existing.error_message = None
        existing.error_location = ""
        existing.progress = 0
        existing.finished_at = None
        if mapping is not None:
            existing.csv_mapping = mapping
        existing.save(
            update_fields=["status", "error_message", "error_location", "progress", "finished_at", "csv_mapping"]
        )
        _enqueue(statement_import=existing, as_of=as_of, by=by, again=True)
    existing.duplicate = True
    return existing


def _enqueue(*, statement_import: BankStatementImport, as_of: datetime, by, again: bool = False) -> None:
    event_record(
        type="bank_import.queued", obj=statement_import, data={"size": statement_import.size, "again": again}, at=as_of
    )
    job_enqueue(
        kind=IMPORT_JOB,
        as_of=as_of,
        payload={"import_id": statement_import.pk},
        dedupe_key=f"bank-import-{statement_import.pk}",
        created_by=by if getattr(by, "pk", None) else None,
    )
