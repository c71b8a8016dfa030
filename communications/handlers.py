"""Background job handlers of the communications app: thin, load by id, call one service."""

from django.conf import settings
from django.utils import timezone, translation

from core.jobs import job_handler

from .models import OutboxMessage
from .services.outbox import SEND_JOB_KIND, message_send


# The kind keeps its historic name: queued job rows of existing databases carry it.
@job_handler(SEND_JOB_KIND)
def handle_send_message(*, message_id: int) -> dict | None:
    """Hand one outbox message to the mail backend; a duplicate delivery finds it no longer queued."""
    with translation.override(settings.LANGUAGE_CODE):  # follow-up task titles use the site language
        try:
            message = message_send(message_id=message_id, as_of=timezone.now())
        except OutboxMessage.DoesNotExist:
            return None  # nothing to send
    return {"status": message.status, "attempts": message.attempts}
