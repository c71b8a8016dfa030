"""EN 16931 e-invoices (Factur-X / ZUGFeRD EN 16931 and XRechnung 3.0, CII syntax): build and validate."""

from .cii import NotIssued, cii_build
from .validation import Violation, cii_validate

__all__ = ["NotIssued", "Violation", "cii_build", "cii_validate"]
