"""The background job that links waiting returns once new payments exist: thin, idempotent."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation

from core.jobs import job_handler

from ...models import BankStatementLine

RELINK_JOB = "payments.relink_returns"


@job_handler(RELINK_JOB)
def handle_relink_returns() -> dict:
    from .returns import returns_relink

    # Reasons and task texts are stored in the site language.
    with translation.override(settings.LANGUAGE_CODE):
        return returns_relink(as_of=timezone.now())


def relink_returns_enqueue(*, as_of: datetime, by=None) -> None:
    """In the caller's transaction: when a return waits in review, look for its payment again
    after commit (a person just recorded a payment from a credit line)."""
    from core.services import job_enqueue

    waiting = BankStatementLine.objects.filter(
        match_status=BankStatementLine.MatchStatus.REVIEW,
        credit=False,
        kind__in=(BankStatementLine.Kind.RETURN, BankStatementLine.Kind.REVERSAL),
    ).exists()
    if waiting:
        job_enqueue(kind=RELINK_JOB, as_of=as_of, dedupe_key=RELINK_JOB, created_by=by)
