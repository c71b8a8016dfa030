"""The outbox: every customer e-mail is a row first, and leaves exactly once.

``message_queue`` freezes a rendered message (recipients, subject, bodies, attachments, sender
identity, a stable RFC 5322 ``Message-ID``) in the caller's transaction together with the durable
job that sends it (kind ``customers.send_message``, its historic name). ``message_send`` is that job's service:

1. lock the row, go on only if it is ``queued``, mark it ``sending`` and COMMIT;
2. hand the message to the backend (anymail provider or SMTP) outside any transaction;
3. mark it ``sent`` with the provider's message id.

A send gate (``gates``) registered for the template re-checks the message under lock in step 1:
an outdated message becomes ``superseded`` and is never handed off.

The commit in step 1 is what makes the hand-off at-most-once: a job delivered twice, retried, or
re-run by the sweeper after its worker died finds ``sending`` (or ``sent``) and does nothing. A
row left in ``sending`` means the process died during the hand-off, and whether the provider got
the message is unknown; it is **never resent automatically** (that is how customers get the same
reminder twice). ``messages_check_stuck`` (beat) records that and opens a follow-up task asking a
person to check the provider's log, then ``message_mark_sent`` or ``message_resend``.

What a failed hand-off means is decided in ``communications.mail`` (``send_error_kind``): refused and
worth asking again → back to ``queued`` and the job retries with backoff; refused for good →
``failed`` with a follow-up task; maybe accepted → treated like a crash (stuck, a person checks).
"""

from .gates import SendGate, send_gate_for, send_gate_register
from .queueing import (
    ATTACHMENT_FOLDER,
    FAILED_TASK_KIND,
    RESENDABLE,
    SEND_JOB_KIND,
    STUCK_AFTER,
    STUCK_TASK_KIND,
    AttachmentAltered,
    AttachmentSpec,
    MessageSendDeferred,
    message_id_for,
    message_queue,
    message_recipients,
    message_recipients_add,
    message_subjects_add,
)
from .resolving import message_cancel, message_mark_sent, message_resend
from .sending import message_send, messages_check_stuck

__all__ = [
    "ATTACHMENT_FOLDER",
    "AttachmentAltered",
    "AttachmentSpec",
    "FAILED_TASK_KIND",
    "MessageSendDeferred",
    "RESENDABLE",
    "SendGate",
    "SEND_JOB_KIND",
    "STUCK_AFTER",
    "STUCK_TASK_KIND",
    "message_cancel",
    "message_id_for",
    "message_mark_sent",
    "message_queue",
    "message_recipients",
    "message_recipients_add",
    "message_resend",
    "message_subjects_add",
    "message_send",
    "messages_check_stuck",
    "send_gate_for",
    "send_gate_register",
]
