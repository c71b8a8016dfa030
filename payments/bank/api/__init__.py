"""The bank statement API: upload a statement file (the import runs in the background), follow
its import, and read the statements and their lines with their ranked matches.

Lines matching left to people (``?match_status=review``) are decided with
``POST /api/v1/bank-statement-lines/{id}/accept/`` (a suggestion, optionally split by hand),
``…/assign/`` (a customer; the payment stays unapplied) or ``…/ignore/`` (with a reason). A return
or reversal debit line is linked to the payment it takes back with ``…/link-return/`` (the
payment is returned: what it paid reopens), and ``…/rematch/`` matches a line again (e.g. after a
customer's IBAN was added). Bad input answers 400 naming the field; a line already decided, 409.

``POST /api/v1/bank-imports/`` (multipart, field ``file``; ``csv_mapping`` names a CSV preset)
answers 202 with the queued import; the same file again answers with the first import. Whether
the file is a statement at all is found out by the import, which then shows ``failed`` with the
parser's message and where in the file.
"""

from .views import BankImportViewSet, BankStatementLineViewSet, BankStatementViewSet, bank_line_queryset

__all__ = ["BankImportViewSet", "BankStatementLineViewSet", "BankStatementViewSet", "bank_line_queryset"]
