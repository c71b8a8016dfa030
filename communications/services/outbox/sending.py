"""The send job: lock and mark ``sending``, hand off outside any transaction, record the outcome; stuck messages."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import StoredFileAltered, document_read
from core.followups import followup_open
from core.formatting import datetime_text

from ...mail import HandOff, backend_name, is_anymail, outbox_pause_point, refused_kind, send_error_kind
from ...models import MessageEvent, MessageStatus, OutboxAttachment, OutboxMessage
from ...registry import react
from ...selectors import subjects_of
from ..transitions import message_transition
from .gates import send_gate_for
from .queueing import (
    FAILED_TASK_KIND,
    STUCK_AFTER,
    STUCK_TASK_KIND,
    AttachmentAltered,
    MessageSendDeferred,
    _event,
    _one_line,
)


# --- Sending ----------------------------------------------------------------------------------
def _address(entry: dict) -> str:
    name = _one_line(entry.get("name", ""))
    return str(Address(display_name=name, addr_spec=entry["email"])) if name else entry["email"]


def _attachment_bytes(attachment: OutboxAttachment) -> bytes:
    try:
        return document_read(name=attachment.file.name, sha256=attachment.sha256, label=attachment.filename)
    except StoredFileAltered:
        raise AttachmentAltered(
            _("%(file)s: the stored file no longer matches its SHA-256; it was not sent.")
            % {"file": attachment.filename}
        ) from None


def _email_build(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=[_address(r) for r in message.to],
        cc=[_address(r) for r in message.cc],
        bcc=[r["email"] for r in message.bcc],
        reply_to=[_address(r) for r in message.reply_to],
        headers={"Message-ID": message.message_id, "Content-Language": message.language},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, _attachment_bytes(attachment), attachment.content_type)
    if is_anymail(connection):
        # Tracking webhooks find the row by this (communications.services.tracking); Postmark wants strings.
        email.metadata = {"outbox_id": str(message.pk)}
        email.tags = [message.template]
    return email


def _provider_message_id(email, message: OutboxMessage) -> str:
    status = getattr(email, "anymail_status", None)
    if status is None:
        return message.message_id  # SMTP and local backends: the Message-ID is what the logs show
    found = status.message_id
    if isinstance(found, set):
        found = ",".join(sorted(str(v) for v in found if v))
    return (found or "")[:255]


def _refused_customer_addresses(email, message: OutboxMessage) -> tuple[dict, HandOff | None]:
    """Customer recipients (To, Cc) the provider refused although the send call succeeded.

    Returns the refused ``{address: reason}`` and, when *every* customer recipient was refused,
    what that means for the message; a BCC archive copy alone is no delivery to the customer.
    """
    customer_addresses = {r["email"].lower() for r in [*message.to, *message.cc]}
    refused: dict[str, str] = {}
    kind = None
    # Django hands smtplib "Name <address>" strings; the refusals come back under the same keys.
    smtp_refused = {parseaddr(k)[1].lower(): v for k, v in (getattr(email, "smtp_refused", None) or {}).items()}
    for address, (code, reply) in smtp_refused.items():
        if address in customer_addresses:
            refused[address] = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    if refused and set(refused) >= customer_addresses:
        kind = refused_kind({a: c for a, c in smtp_refused.items() if a in customer_addresses})
    status = getattr(email, "anymail_status", None)
    if status is not None and status.recipients:
        for address, recipient in status.recipients.items():
            if address.lower() in customer_addresses and recipient.status in {"invalid", "rejected"}:
                refused[address.lower()] = recipient.status
        if refused and set(refused) >= customer_addresses:
            kind = HandOff.PERMANENT
    return refused, kind


def message_send(*, message_id: int, as_of: datetime) -> OutboxMessage:
    """Hand one queued message to the mail backend, at most once (see the module docstring).

    Precondition: not called inside a transaction (step 1 must really commit before the hand-off,
    or a crash would roll ``sending`` back and the message would be sent again).

    A transient refusal puts the row back to ``queued`` and raises ``MessageSendDeferred`` so the
    job retries with backoff — safe, because the provider refused it: there is no copy to
    duplicate. After the last allowed attempt it is ``failed`` instead. A permanent refusal ends in
    ``failed`` with a follow-up task and returns normally: the outcome is recorded on the message
    and a person is asked, so failing the job as well would only open a second task for one cause.
    """
    connection = get_connection(fail_silently=False)
    with transaction.atomic():
        # A send gate re-checks what the message says under its own locks, taken before the
        # message's (lock order: money rows, then outbox messages); see ``gates``.
        template = OutboxMessage.objects.filter(pk=message_id).values_list("template", flat=True).first()
        gate = send_gate_for(template or "")
        outdated = gate.check(message_id=message_id, as_of=as_of) if gate is not None else None
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return message  # a duplicated, late or re-run delivery of the job: never a second hand-off
        if outdated:
            message_transition(message=message, to=MessageStatus.SUPERSEDED, at=as_of)
            _event(message, MessageEvent.Kind.SUPERSEDED, at=as_of, description=outdated)
            gate.supersede(message=message, reason=outdated, as_of=as_of)
            return message
        if gate is not None:
            gate.confirm(message=message, as_of=as_of)
        message.attempts += 1
        message.provider = backend_name(connection)[:30]
        message_transition(message=message, to=MessageStatus.SENDING, at=as_of, update_fields=["attempts", "provider"])
        _event(message, MessageEvent.Kind.SENDING, at=as_of, data={"attempt": message.attempts})

    try:
        email = _email_build(message, connection)
    except AttachmentAltered as exc:
        return _message_failed(message_id=message_id, as_of=as_of, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. storage unreachable: nothing was handed over yet
        error = _("The e-mail could not be put together; it is tried again: %(detail)s") % {"detail": _detail(exc)}
        return _message_requeue(message_id=message_id, as_of=as_of, error=error, cause=exc)
    outbox_pause_point("before_handoff")
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - connect or login failed: nothing was transmitted
        error = _("The mail server could not be reached; it is tried again: %(detail)s") % {"detail": _detail(exc)}
        return _message_requeue(message_id=message_id, as_of=as_of, error=error, cause=exc)
    try:
        sent = connection.send_messages([email])
    except Exception as exc:  # noqa: BLE001 - every outcome is recorded on the row
        kind = send_error_kind(exc)
        error = HANDOFF_ERRORS.get(kind, HANDOFF_ERRORS[None]) % {"detail": _detail(exc)}
        if kind == HandOff.TRANSIENT:
            return _message_requeue(message_id=message_id, as_of=as_of, error=error, cause=exc)
        if kind == HandOff.PERMANENT:
            return _message_failed(message_id=message_id, as_of=as_of, error=error)
        return _message_stuck(message_id=message_id, as_of=as_of, error=error)
    finally:
        with contextlib.suppress(Exception):  # the answer is in; a failing QUIT changes nothing
            connection.close()
    outbox_pause_point("after_handoff")

    refused, kind = _refused_customer_addresses(email, message)
    if not sent:
        kind, refused = HandOff.PERMANENT, refused or {"*": "the backend reported nothing sent"}
    if kind is not None:
        error = _("Refused by the provider: %(refused)s") % {
            "refused": ", ".join(f"{a} ({r})" for a, r in sorted(refused.items()))
        }
        if kind == HandOff.TRANSIENT:
            return _message_requeue(message_id=message_id, as_of=as_of, error=error)
        return _message_failed(message_id=message_id, as_of=as_of, error=error)
    return _message_sent(
        message_id=message_id,
        as_of=as_of,
        provider=backend_name(connection),
        provider_message_id=_provider_message_id(email, message),
        refused=refused,
    )


def _message_sent(*, message_id: int, as_of: datetime, provider: str, provider_message_id: str, refused: dict):
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.provider = provider[:30]
        message.provider_message_id = provider_message_id
        fields = ["provider", "provider_message_id"]
        if message.status == MessageStatus.SENDING:
            message.last_error = ""
            message_transition(message=message, to=MessageStatus.SENT, at=as_of, update_fields=[*fields, "last_error"])
            react("sent", message=message, subjects=subjects_of(message), as_of=as_of)
        else:
            if message.sent_at is None and message.status in (MessageStatus.DELIVERED, MessageStatus.BOUNCED):
                # The provider's webhook overtook this commit: keep its status, record when it left.
                message.sent_at = as_of
                fields.append("sent_at")
            # else: a person resolved the row while the hand-off hung; the event below still tells.
            message.updated_at = as_of
            message.save(update_fields=[*fields, "updated_at"])
        _event(
            message,
            MessageEvent.Kind.SENT,
            at=as_of,
            description=provider_message_id,
            data={"provider": provider, "refused": refused} if refused else {"provider": provider},
        )
    return message


# What a refused hand-off means, worded for the staff who read it on the message; the provider's own
# answer (an SMTP reply, an API error) follows as it came, for support.
HANDOFF_ERRORS = {
    HandOff.TRANSIENT: gettext_lazy("The provider refused the e-mail for now; it is tried again: %(detail)s"),
    HandOff.PERMANENT: gettext_lazy("The provider refused the e-mail: %(detail)s"),
    None: gettext_lazy(
        "The hand-off to the provider broke off; it is not known whether the e-mail went out: %(detail)s"
    ),
}


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _message_requeue(*, message_id: int, as_of: datetime, error: str, cause: BaseException | None = None):
    """Back to ``queued`` after a refusal worth retrying, and raise so the job retries with backoff.

    After the job's last allowed attempt the message is ``failed`` instead (with its task) and this
    returns it: raising then would also fail the job and open a second task for the same cause.
    """
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.SENDING:
            return message
        if message.attempts >= settings.DEBITOR_JOBS["MAX_ATTEMPTS"]:
            _fail_locked(message, as_of=as_of, error=error)
            return message
        message.last_error = error[-4000:]
        message_transition(message=message, to=MessageStatus.QUEUED, at=as_of, update_fields=["last_error"])
        _event(message, MessageEvent.Kind.DEFERRED, at=as_of, description=error[-2000:])
    raise MessageSendDeferred(error) from cause


def _message_failed(*, message_id: int, as_of: datetime, error: str) -> OutboxMessage:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == MessageStatus.SENDING:
            _fail_locked(message, as_of=as_of, error=error)
    return message


def _fail_locked(message: OutboxMessage, *, as_of: datetime, error: str) -> None:
    message.last_error = error[-4000:]
    message_transition(message=message, to=MessageStatus.FAILED, at=as_of, update_fields=["last_error"])
    _event(message, MessageEvent.Kind.FAILED, at=as_of, description=error[-2000:])
    followup_open(
        kind=FAILED_TASK_KIND,
        title=_("E-mail could not be sent: %(subject)s") % {"subject": message.subject},
        description=_("%(recipients)s: %(error)s\nCorrect the address or the cause, then send the message again.")
        % {"recipients": ", ".join(message.to_addresses), "error": error[-1000:]},
        about=message,
        customer=message.customer,
        rule="customers.message_failed",  # the historic rule name: open tasks carry it
        as_of=as_of,
    )


def _message_stuck(*, message_id: int, as_of: datetime, error: str = "") -> OutboxMessage:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == MessageStatus.SENDING:
            _stuck_locked(message, as_of=as_of, error=error)
    return message


def _stuck_locked(message: OutboxMessage, *, as_of: datetime, error: str = "") -> None:
    if error:
        message.last_error = error[-4000:]
        message.updated_at = as_of
        message.save(update_fields=["last_error", "updated_at"])
    if not message.events.filter(kind=MessageEvent.Kind.STUCK).exists():
        _event(
            message,
            MessageEvent.Kind.STUCK,
            at=as_of,
            description=error[-2000:]
            or _("Still being handed to the provider since %(at)s.") % {"at": datetime_text(message.sending_at)},
        )
    followup_open(
        kind=STUCK_TASK_KIND,
        title=_("Check whether this e-mail was sent: %(subject)s") % {"subject": message.subject},
        description=_(
            "Sending to %(recipients)s stopped during the hand-off to %(provider)s at %(at)s, so it is not "
            "known whether it went out. It is not sent again automatically. Look for Message-ID %(message_id)s "
            "in the provider's log, then mark the message as sent or send it again."
        )
        % {
            "recipients": ", ".join(message.to_addresses),
            "provider": message.provider or _("the mail provider"),
            "at": datetime_text(message.sending_at),
            "message_id": message.message_id,
        },
        about=message,
        customer=message.customer,
        rule="customers.message_outcome_unknown",  # the historic rule name
        as_of=as_of,
    )


def messages_check_stuck(*, as_of: datetime, older_than: timedelta = STUCK_AFTER, batch_size: int = 500) -> int:
    """Beat: rows still ``sending`` long after their hand-off started go to a person, once each.

    They are not resent: the worker died between handing the message over and recording the
    answer, so the customer may already have it. Returns how many rows were newly flagged.
    """
    flagged = 0
    with transaction.atomic():
        stuck = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MessageStatus.SENDING, sending_at__lte=as_of - older_than)
            .exclude(events__kind=MessageEvent.Kind.STUCK)
            .select_related("customer")
            .order_by("sending_at", "pk")[:batch_size]
        )
        for message in stuck:
            _stuck_locked(message, as_of=as_of)
            flagged += 1
    return flagged
