"""The bank statements admin: uploaded files and their imports (``imports``: with an upload page),
the imported statements with their balance warnings, their lines (read-only, ``lines``), and the
review queue of the lines matching and booking left to people (``review``).

Viewers look; accountants (``payments.add_bankstatementimport``) upload, and decide on lines in the
review queue (``payments.change_payment``: a decision records or returns a payment). Nothing here
is edited: statements are what the bank sent, and the import, matching and booking services are
the only writers.
"""

from . import imports, lines  # noqa: F401  (register the ModelAdmins)
from .review import review_queue

__all__ = ["review_queue"]
