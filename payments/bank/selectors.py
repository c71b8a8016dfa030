"""Reads of bank statements for the admin and the API.

Matching progress is computed from the lines, not stored: it is whatever the matching job has
decided so far, so a person sees it move while the job runs and sees it stop when the job waits
for a retry. Counted are the lines matching works on: live (not superseded by a statement line, not
withdrawn by an accepted re-delivery) and booked (``BOOK``; pending lines are never matched).
``decided`` are lines ``matched`` or ``ignored``, ``review`` lines wait for a person, ``waiting``
lines are still ``new`` (the job has not reached them yet, or failed on them and will try again).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from ..models import BankStatementLine

MatchStatus = BankStatementLine.MatchStatus


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


@dataclass(frozen=True)
class MatchingProgress:
    total: int = 0
    decided: int = 0
    review: int = 0
    waiting: int = 0

    @property
    def finished(self) -> bool:
        """Matching has looked at every line (some may still wait for a person)."""
        return self.waiting == 0

    @property
    def percent(self) -> int:
        """Share of lines matching has looked at (decided or sent to review), 0–100."""
        if not self.total:
            return 100
        return (self.total - self.waiting) * 100 // self.total

    def __str__(self) -> str:
        if not self.total:
            return gettext("matching: no lines to match")
        text = ngettext(
            "matching: %(decided)s of %(total)s line decided, %(review)s to review",
            "matching: %(decided)s of %(total)s lines decided, %(review)s to review",
            self.total,
        ) % {"decided": _count(self.decided), "total": _count(self.total), "review": _count(self.review)}
        if self.waiting:
            text += ", " + gettext("%(waiting)s not yet matched") % {"waiting": _count(self.waiting)}
        return text

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "decided": self.decided,
            "review": self.review,
            "waiting": self.waiting,
            "finished": self.finished,
            "percent": self.percent,
            "text": str(self),
        }


def _progress(group_by: str, ids) -> dict[int, MatchingProgress]:
    ids = list(ids)
    rows = (
        BankStatementLine.objects.filter(
            **{f"{group_by}__in": ids}, superseded_by__isnull=True, withdrawn_by__isnull=True, status="BOOK"
        )
        .values(group_by)
        .order_by(group_by)
        .annotate(
            total=Count("id"),
            decided=Count("id", filter=Q(match_status__in=[MatchStatus.MATCHED, MatchStatus.IGNORED])),
            review=Count("id", filter=Q(match_status=MatchStatus.REVIEW)),
            waiting=Count("id", filter=Q(match_status=MatchStatus.NEW)),
        )
    )
    found = {
        row[group_by]: MatchingProgress(
            total=row["total"], decided=row["decided"], review=row["review"], waiting=row["waiting"]
        )
        for row in rows
    }
    return {pk: found.get(pk, MatchingProgress()) for pk in ids}


def statements_matching_progress(statement_ids) -> dict[int, MatchingProgress]:
    """Matching progress per statement id, in one query (for a page of statements)."""
    return _progress("statement_id", statement_ids)


def imports_matching_progress(import_ids) -> dict[int, MatchingProgress]:
    """Matching progress per import id over the lines of the statements the import created, in
    one query (for a page of imports). Lines a later delivery added to such a statement count
    with the statement's import."""
    return _progress("statement__statement_import_id", import_ids)
