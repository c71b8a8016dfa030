"""Filters for the logging configuration (config/settings/base.py, LOGGING)."""

from __future__ import annotations

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A 403 is a refusal working as designed, not a fault: Django logs it with the
    PermissionDenied traceback, which buries real errors. Keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
