"""Background job handlers of bank statement imports: thin, load by id, call one service."""

from django.conf import settings
from django.utils import timezone, translation

from core.jobs import job_handler

from .importing import IMPORT_JOB, MATCH_JOB, statement_import_run, statement_match_run


@job_handler(IMPORT_JOB)
def handle_import_statement(*, import_id: int) -> dict:
    # Error messages and balance warnings are stored in the site language.
    with translation.override(settings.LANGUAGE_CODE):
        statement_import = statement_import_run(import_id=import_id, as_of=timezone.now())
    return {
        "status": statement_import.status,
        "statements": statement_import.statement_count,
        "new_lines": statement_import.new_line_count,
        "duplicates": statement_import.duplicate_count,
    }


@job_handler(MATCH_JOB)
def handle_match_statement(*, statement_id: int) -> dict:
    # Explanations of suggestions and decisions are stored in the site language.
    with translation.override(settings.LANGUAGE_CODE):
        return statement_match_run(statement_id=statement_id, as_of=timezone.now())
