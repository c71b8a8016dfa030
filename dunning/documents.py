"""Rendering a reminder: its PDF (PDF/A-3b, deterministic, stored with its hash) and its e-mail.

CONTRACT (issue 19): the run calls ``reminder_pdf`` and ``reminder_mail`` with a saved
``Reminder`` whose ``lines`` are set; both render from that snapshot only (never from live data),
in ``reminder.language``. This first version is the minimal placeholder of the skeleton; the
documents part replaces the bodies, keeping the signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.html import escape

from core.documents import StoredFile, document_store, pdf_render

from .models import Reminder
from .snapshot import lines_from_json, reminder_total

REMINDER_FOLDER = "reminders"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str
    template: str  # the wording template's key (communications' message wording)


def _text(reminder: Reminder) -> str:
    lines = lines_from_json(reminder.lines)
    rows = [f"{line.number}: {line.open} {line.currency}" for line in lines]
    return "\n".join([*rows, f"= {reminder_total(lines)} {reminder.currency}"])


def reminder_pdf(reminder: Reminder, *, as_of: datetime) -> StoredFile:
    """Render and store the reminder's PDF; the same reminder and ``as_of`` give the same bytes."""
    with translation.override(reminder.language):
        html = f"<html><body><h1>{escape(reminder.level.name)}</h1><pre>{escape(_text(reminder))}</pre></body></html>"
        data = pdf_render(
            html=html,
            identifier=f"reminder/{reminder.pk}".encode(),
            created=as_of,
            lang=reminder.language,
            title=reminder.level.name,
        )
    return document_store(folder=REMINDER_FOLDER, filename=f"reminder-{reminder.pk}.pdf", data=data)


def reminder_mail(reminder: Reminder) -> RenderedMail:
    """Subject, text and HTML of the reminder's e-mail in ``reminder.language``."""
    with translation.override(reminder.language):
        text = _text(reminder)
        return RenderedMail(
            subject=reminder.level.name,
            body_text=text,
            body_html=f"<pre>{escape(text)}</pre>",
            template=reminder.level.template,
        )
