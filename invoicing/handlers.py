"""Background job handlers of the invoicing app: thin, load by id, call one service."""

from django.conf import settings
from django.utils import timezone, translation

from core.jobs import job_handler

from .services.documents import RENDER_JOB, invoice_documents_render


@job_handler(RENDER_JOB)
def handle_render_documents(*, invoice_id: int) -> dict:
    # Task and event texts are written in the site language; the document itself is rendered
    # in the invoice's language by the template code.
    with translation.override(settings.LANGUAGE_CODE):
        state = invoice_documents_render(invoice_id=invoice_id, as_of=timezone.now())
    return {"state": state.state, "rules": sorted({p["rule"] for p in state.problems})}
