"""Debit lines of bank statements (issue 8): returns with their reason codes, reversals, bank
charges and outgoing payments are classified, recorded and shown; a returned payment reopens what
it paid (``payments.services.payment_return``).

- ``codes``: what a line is (``line_kind``) and what an ISO return reason means;
- ``candidates``: which payments a return or reversal may take back (reads only);
- ``returns``: the payment it takes back is returned, automatically or by a person;
- ``booking``: the debit lines of a statement after matching, and "match again".

``statement_book_debits`` runs after ``statement_match`` for every imported statement (the
"match statement" job); ``returns_relink`` runs at its end and after a credit line was decided by
a person (job ``payments.relink_returns``).
"""

from .booking import line_book_debit, lines_rematch, statement_book_debits, statement_classify
from .candidates import return_candidates, return_charges
from .codes import RETURN_REASONS, kind_text, line_kind, return_reason_text
from .jobs import RELINK_JOB, relink_returns_enqueue
from .returns import RETURN_TASK, line_find_return, line_link_return, returns_relink

__all__ = [
    "RELINK_JOB",
    "RETURN_REASONS",
    "RETURN_TASK",
    "kind_text",
    "line_book_debit",
    "line_find_return",
    "line_kind",
    "line_link_return",
    "lines_rematch",
    "relink_returns_enqueue",
    "return_candidates",
    "return_charges",
    "return_reason_text",
    "returns_relink",
    "statement_book_debits",
    "statement_classify",
]
