"""Every write to invoices and credit notes (STYLE: services; views, admin, API and jobs call these)."""

from .credit_notes import credit_note_create
from .drafts import invoice_draft_create, invoice_draft_delete, invoice_draft_update
from .due_dates import invoice_change_due_date
from .issue import InvoiceIssueError, invoice_issue

__all__ = [
    "InvoiceIssueError",
    "credit_note_create",
    "invoice_change_due_date",
    "invoice_draft_create",
    "invoice_draft_delete",
    "invoice_draft_update",
    "invoice_issue",
]
