"""Importing bank statement files: all or nothing, idempotent, as durable background work.

``statement_import_create`` (``upload``) stores the uploaded file and queues the import job in
one transaction; ``statement_import_run`` (``run``, the job's service) parses the whole file
first and then stores every statement and line in one transaction (``store``), or nothing when
the file is malformed. That transaction queues a ``payments.match_statement`` job per statement
that got lines; its service ``statement_match_run`` matches the credit lines and books the debit
lines, and is retried on its own when it fails.

Idempotency, on three levels:

- a **file** is stored once (its SHA-256 is unique): uploading it again, also at the same moment,
  returns the first import (``duplicate`` set on it);
- a **statement** once per account, kind, period, opening balance and — where the file makes it
  unique — number (``redelivery``): a delivery with the same lines adds nothing; one with other
  lines is held for a finance manager, who accepts or rejects it;
- a **line** once per content hash (``line_content_hash``) among the lines not superseded: an
  overlapping statement, or the CAMT.053 statement after the CAMT.052 intraday report that
  announced the same movement, stores nothing twice. A statement line confirming a report's or
  notification's line is stored and the earlier line points at it (``superseded_by``); when the
  bank changed the references in between, ``intraday`` pairs them by amount, date and payer.
"""

from .redelivery import statement_redelivery_decide
from .run import MATCH_JOB, statement_import_run, statement_match_run
from .store import BATCH, line_content_hash, statement_line_hashes
from .upload import (
    DEFAULT_MAX_BYTES,
    IMPORT_JOB,
    STORAGE_FOLDER,
    csv_presets,
    statement_import_create,
    statement_max_bytes,
)

__all__ = [
    "BATCH",
    "DEFAULT_MAX_BYTES",
    "IMPORT_JOB",
    "MATCH_JOB",
    "STORAGE_FOLDER",
    "csv_presets",
    "line_content_hash",
    "statement_import_create",
    "statement_import_run",
    "statement_line_hashes",
    "statement_match_run",
    "statement_redelivery_decide",
    "statement_max_bytes",
]
