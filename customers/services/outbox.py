"""The outbox: every customer e-mail is a row first, and leaves exactly once.

``message_queue`` freezes a rendered message (recipients, subject, bodies, attachments, sender
identity, a stable RFC 5322 ``Message-ID``) in the caller's transaction together with the durable
job that sends it (``customers.send_message``). ``message_send`` is that job's service:

1. lock the row, go on only if it is ``queued``, mark it ``sending`` and COMMIT;
2. hand the message to the backend (anymail provider or SMTP) outside any transaction;
3. mark it ``sent`` with the provider's message id.

The commit in step 1 is what makes the hand-off at-most-once: a job delivered twice, retried, or
re-run by the sweeper after its worker died finds ``sending`` (or ``sent``) and does nothing. A
row left in ``sending`` means the process died during the hand-off, and whether the provider got
the message is unknown; it is **never resent automatically** (that is how customers get the same
reminder twice). ``messages_check_stuck`` (beat) records that and opens a follow-up task asking a
person to check the provider's log, then ``message_mark_sent`` or ``message_resend``.

What a failed hand-off means is decided in ``customers.mail`` (``send_error_kind``): refused and
worth asking again → back to ``queued`` and the job retries with backoff; refused for good →
``failed`` with a follow-up task; maybe accepted → treated like a crash (stuck, a person checks).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core.documents import StoredFileAltered, document_read, document_store
from core.models import CompanyProfile

from ..mail import HandOff, backend_name, is_anymail, outbox_pause_point, refused_kind, send_error_kind
from ..models import Contact, MessageEvent, MessageStatus, OutboxAttachment, OutboxMessage
from ..models.master_data import LANGUAGES
from ..validation import FieldProblem, clean_email
from .inbound import reply_address_for

logger = logging.getLogger(__name__)

SEND_JOB_KIND = "customers.send_message"
# Longer than any hand-off can take (EMAIL_TIMEOUT, the task's hard time limit): a row still
# ``sending`` after this lost its worker.
STUCK_AFTER = timedelta(minutes=15)
FAILED_TASK_KIND = "message_failed"
STUCK_TASK_KIND = "message_outcome_unknown"
ATTACHMENT_FOLDER = "outbox"
RESENDABLE = {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED, MessageStatus.FAILED}
PURPOSE_FLAGS = {"invoices": "receives_invoices", "reminders": "receives_reminders"}


class MessageSendDeferred(Exception):
    """The provider refused the message for now; the job retries it with backoff."""


class AttachmentAltered(Exception):
    """A stored attachment no longer matches the SHA-256 recorded when the message was queued."""


@dataclass(frozen=True)
class AttachmentSpec:
    """A file to send with a message; ``document_id`` links a stored invoice document."""

    filename: str
    content_type: str
    data: bytes
    document_id: int | None = None


# --- Recipients -------------------------------------------------------------------------------
def message_recipients(*, customer, purpose: str = "invoices") -> list[dict]:
    """The customer's contacts who receive this kind of mail, with an address not marked invalid.

    Contacts flagged *receives invoices* (purpose ``invoices``) or *receives reminders*
    (``reminders``); an address a hard bounce or complaint marked invalid gets no more mail until
    someone corrects it. Ordered by name and id; an address shared by two contacts appears once.
    """
    try:
        flag = PURPOSE_FLAGS[purpose]
    except KeyError:
        raise ValueError(f"Unknown purpose {purpose!r}; use one of {sorted(PURPOSE_FLAGS)}.") from None
    contacts = (
        Contact.objects.filter(customer=customer, email_invalid_since__isnull=True, **{flag: True})
        .exclude(email="")
        .order_by("name", "id")
        .values_list("pk", "name", "email")
    )
    recipients, seen = [], set()
    for contact_id, name, email in contacts:
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        recipients.append({"name": name, "email": email, "contact_id": contact_id})
    return recipients


def _purpose_of(template: str) -> str:
    return "reminders" if template.startswith(("reminder", "dunning")) else "invoices"


def _one_line(value: str) -> str:
    # A CR or LF in a header value would start a new header (RFC 5322 § 2.2): never let one through.
    return " ".join((value or "").split())


def _clean_addresses(field: str, entries, *, invalid: dict[str, Contact], errors: dict) -> list[dict]:
    cleaned = []
    for entry in entries or ():
        raw = (entry.get("email") or "").strip() if isinstance(entry, dict) else ""
        try:
            email = clean_email(raw)
        except FieldProblem as problem:
            errors.setdefault(field, []).append(str(problem))
            continue
        if not email:
            errors.setdefault(field, []).append(_("Every recipient needs an e-mail address."))
            continue
        contact = invalid.get(email.lower())
        if contact is not None:
            errors.setdefault(field, []).append(
                _("%(email)s is marked undeliverable since %(date)s (%(reason)s); correct the contact first.")
                % {
                    "email": email,
                    "date": contact.email_invalid_since.date().isoformat(),
                    "reason": contact.email_invalid_reason or _("no reason recorded"),
                }
            )
            continue
        cleaned.append(
            {"name": _one_line(entry.get("name", "")), "email": email, "contact_id": entry.get("contact_id")}
        )
    return cleaned


# --- Queueing ---------------------------------------------------------------------------------
def _sender() -> tuple[str, list[dict], list[dict]]:
    """From, Reply-To and BCC archive as the company profile names them (else DEFAULT_FROM_EMAIL)."""
    profile = CompanyProfile.objects.filter(pk=1).first()
    default_name, default_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = _one_line(profile.mail_from_name if profile else "") or default_name
    email = (profile.mail_from_email if profile else "") or default_email
    from_email = str(Address(display_name=name, addr_spec=email)) if name else email
    reply_to = [{"name": "", "email": profile.mail_reply_to}] if profile and profile.mail_reply_to else []
    bcc = [{"name": "", "email": profile.mail_bcc_archive}] if profile and profile.mail_bcc_archive else []
    return from_email, reply_to, bcc


def message_id_for(*, pk: int, from_email: str) -> str:
    """The RFC 5322 Message-ID of an outbox row: derived from its id, so every attempt carries the
    same one (receiving systems can de-duplicate, replies' In-Reply-To lead back to the row), and
    signed with SECRET_KEY so ids are not guessable across installations."""
    signature = salted_hmac("debitor.outbox.message-id", str(pk)).hexdigest()[:12]
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{pk}.{signature}@{domain}>"


def _event(message: OutboxMessage, kind: str, *, at: datetime, description: str = "", data=None) -> MessageEvent:
    return MessageEvent.objects.create(message=message, kind=kind, at=at, description=description, data=data or {})


def _by(by) -> dict:
    return {"by": by.pk, "by_name": by.get_username()} if by is not None else {}


def _store_attachment(spec: AttachmentSpec) -> dict:
    filename = _one_line(spec.filename).replace("/", "_").replace("\\", "_")
    digest = hashlib.sha256(spec.data).hexdigest()
    fields = {
        "filename": filename,
        "content_type": spec.content_type,
        "sha256": digest,
        "size": len(spec.data),
        "document_id": spec.document_id,
    }
    if spec.document_id is not None:
        from invoicing.models import InvoiceDocument

        document = InvoiceDocument.objects.filter(pk=spec.document_id).only("file", "sha256").first()
        if document is not None and document.sha256 == digest:
            # The stored original itself (content-addressed, never rewritten): no second copy.
            return {**fields, "file": document.file.name}
    stored = document_store(folder=ATTACHMENT_FOLDER, filename=filename, data=spec.data)
    return {**fields, "file": stored.name}


def message_queue(
    *,
    customer,
    template: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    to: list[dict],
    cause: str,
    as_of: datetime,
    by=None,
    invoice=None,
    attachments: Sequence[AttachmentSpec] = (),
    cc: list[dict] = (),
    resend_of: OutboxMessage | None = None,
) -> OutboxMessage:
    """Freeze a rendered customer e-mail in the outbox and record the job that sends it.

    Runs in the caller's transaction: the row, its attachments, the ``queued`` event and the job
    commit together with the change that caused the message, or not at all. Refused with a
    ``ValidationError`` naming the field: no recipient, an address that is not RFC 5322/5321
    syntax, an address a bounce marked undeliverable, an empty subject or text body.
    """
    from core.services import job_enqueue

    invalid = {
        contact.email.lower(): contact
        for contact in Contact.objects.filter(customer=customer, email_invalid_since__isnull=False).exclude(email="")
    }
    errors: dict[str, list[str]] = {}
    to_clean = _clean_addresses("to", to, invalid=invalid, errors=errors)
    cc_clean = _clean_addresses("cc", cc, invalid=invalid, errors=errors)
    if not to_clean and "to" not in errors:
        errors["to"] = [
            _("No recipient: give %(customer)s a contact with an e-mail address that receives this mail.")
            % {"customer": customer.legal_name}
        ]
    subject = _one_line(subject)
    if not subject:
        errors["subject"] = [_("The subject must not be empty.")]
    if not (body_text or "").strip():
        errors["body_text"] = [_("The text body must not be empty.")]
    if language not in dict(LANGUAGES):
        errors["language"] = [_("Unknown language %(language)s.") % {"language": language}]
    if not template:
        errors["template"] = [_("Name the template the message was rendered from.")]
    if errors:
        raise ValidationError(errors)
    prepared = [_store_attachment(spec) for spec in attachments]
    return _message_create(
        customer=customer,
        invoice=invoice,
        template=template,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html or "",
        to=to_clean,
        cc=cc_clean,
        cause=_one_line(cause)[:200],
        as_of=as_of,
        by=by,
        attachments=prepared,
        resend_of=resend_of,
        job_enqueue=job_enqueue,
    )


def _message_create(*, attachments: list[dict], as_of: datetime, by, job_enqueue, **fields) -> OutboxMessage:
    from_email, reply_to, bcc = _sender()
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            **fields,
            from_email=from_email,
            reply_to=reply_to,
            bcc=bcc,
            status=MessageStatus.QUEUED,
            created_by=by,
            created_at=as_of,
            updated_at=as_of,
        )
        message.message_id = message_id_for(pk=message.pk, from_email=from_email)
        if reply_to:
            # A signed sub-address per message: a reply finds its way back to this message and
            # customer (customers.services.inbound), and a guessed address cannot.
            message.reply_to = [
                {"name": "", "email": reply_address_for(outbox_id=message.pk, mailbox=reply_to[0]["email"])}
            ]
        message.save(update_fields=["message_id", "reply_to"])
        OutboxAttachment.objects.bulk_create(OutboxAttachment(message=message, **a) for a in attachments)
        _event(message, MessageEvent.Kind.QUEUED, at=as_of, description=message.cause, data=_by(by))
        job_enqueue(
            kind=SEND_JOB_KIND,
            as_of=as_of,
            payload={"message_id": message.pk},
            dedupe_key=f"outbox:{message.pk}",
            created_by=by,
        )
    return message


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
        # Tracking webhooks find the row by this (customers.services.tracking); Postmark wants strings.
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
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return message  # a duplicated, late or re-run delivery of the job: never a second hand-off
        message.status = MessageStatus.SENDING
        message.sending_at = as_of
        message.attempts += 1
        message.provider = backend_name(connection)[:30]
        message.updated_at = as_of
        message.save(update_fields=["status", "sending_at", "attempts", "provider", "updated_at"])
        _event(message, MessageEvent.Kind.SENDING, at=as_of, data={"attempt": message.attempts})

    try:
        email = _email_build(message, connection)
    except AttachmentAltered as exc:
        return _message_failed(message_id=message_id, as_of=as_of, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. storage unreachable: nothing was handed over yet
        return _message_requeue(message_id=message_id, as_of=as_of, error=f"{type(exc).__name__}: {exc}", cause=exc)
    outbox_pause_point("before_handoff")
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - connect or login failed: nothing was transmitted
        return _message_requeue(message_id=message_id, as_of=as_of, error=f"{type(exc).__name__}: {exc}", cause=exc)
    try:
        sent = connection.send_messages([email])
    except Exception as exc:  # noqa: BLE001 - every outcome is recorded on the row
        kind, error = send_error_kind(exc), f"{type(exc).__name__}: {exc}"
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


def _invoice_sent_event(message: OutboxMessage, *, as_of: datetime) -> None:
    """The invoice's own history says when it left (its receipt comes from tracking)."""
    if message.invoice_id is None or message.template not in ("invoice", "credit_note"):
        return
    from invoicing.models import InvoiceEvent

    InvoiceEvent.objects.create(
        invoice_id=message.invoice_id,
        kind=InvoiceEvent.Kind.SENT,
        at=as_of,
        reason=", ".join(message.recipients),
        data={"outbox_id": message.pk, "message_id": message.message_id},
    )


def _message_sent(*, message_id: int, as_of: datetime, provider: str, provider_message_id: str, refused: dict):
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.provider = provider[:30]
        message.provider_message_id = provider_message_id
        fields = ["provider", "provider_message_id", "updated_at"]
        if message.status == MessageStatus.SENDING:
            message.status = MessageStatus.SENT
            message.sent_at = as_of
            message.last_error = ""
            fields += ["status", "sent_at", "last_error"]
            _invoice_sent_event(message, as_of=as_of)
        elif message.sent_at is None and message.status in (MessageStatus.DELIVERED, MessageStatus.BOUNCED):
            # The provider's webhook overtook this commit: keep its status, record when it left.
            message.sent_at = as_of
            fields.append("sent_at")
        # else: a person resolved the row while the hand-off hung; the event below still tells.
        message.updated_at = as_of
        message.save(update_fields=fields)
        _event(
            message,
            MessageEvent.Kind.SENT,
            at=as_of,
            description=provider_message_id,
            data={"provider": provider, "refused": refused} if refused else {"provider": provider},
        )
    return message


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
        message.status = MessageStatus.QUEUED
        message.last_error = error[-4000:]
        message.updated_at = as_of
        message.save(update_fields=["status", "last_error", "updated_at"])
        _event(message, MessageEvent.Kind.DEFERRED, at=as_of, description=error[-2000:])
    raise MessageSendDeferred(error) from cause


def _message_failed(*, message_id: int, as_of: datetime, error: str) -> OutboxMessage:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == MessageStatus.SENDING:
            _fail_locked(message, as_of=as_of, error=error)
    return message


def _fail_locked(message: OutboxMessage, *, as_of: datetime, error: str) -> None:
    from tasks.services import task_open_for_cause

    message.status = MessageStatus.FAILED
    message.failed_at = as_of
    message.last_error = error[-4000:]
    message.updated_at = as_of
    message.save(update_fields=["status", "failed_at", "last_error", "updated_at"])
    _event(message, MessageEvent.Kind.FAILED, at=as_of, description=error[-2000:])
    task_open_for_cause(
        kind=FAILED_TASK_KIND,
        title=_("E-mail could not be sent: %(subject)s") % {"subject": message.subject},
        description=_("%(recipients)s: %(error)s\nCorrect the address or the cause, then send the message again.")
        % {"recipients": ", ".join(message.recipients), "error": error[-1000:]},
        about=message,
        customer=message.customer,
        rule="customers.message_failed",
        as_of=as_of,
    )


def _message_stuck(*, message_id: int, as_of: datetime, error: str = "") -> OutboxMessage:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == MessageStatus.SENDING:
            _stuck_locked(message, as_of=as_of, error=error)
    return message


def _stuck_locked(message: OutboxMessage, *, as_of: datetime, error: str = "") -> None:
    from tasks.services import task_open_for_cause

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
            or _("Still being handed to the provider since %(at)s.") % {"at": message.sending_at.isoformat()},
        )
    task_open_for_cause(
        kind=STUCK_TASK_KIND,
        title=_("Check whether this e-mail was sent: %(subject)s") % {"subject": message.subject},
        description=_(
            "Sending to %(recipients)s stopped during the hand-off to %(provider)s at %(at)s, so it is not "
            "known whether it went out. It is not sent again automatically. Look for Message-ID %(message_id)s "
            "in the provider's log, then mark the message as sent or send it again."
        )
        % {
            "recipients": ", ".join(message.recipients),
            "provider": message.provider or _("the mail provider"),
            "at": message.sending_at.isoformat(),
            "message_id": message.message_id,
        },
        about=message,
        customer=message.customer,
        rule="customers.message_outcome_unknown",
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


# --- A person resolves ------------------------------------------------------------------------
def _lock(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.select_for_update().get(pk=message.pk)


def _is_stuck(message: OutboxMessage, *, as_of: datetime) -> bool:
    if message.status != MessageStatus.SENDING:
        return False
    return message.sending_at <= as_of - STUCK_AFTER or message.events.filter(kind=MessageEvent.Kind.STUCK).exists()


def _close_stuck_task(message: OutboxMessage, *, as_of: datetime, by, resolution: str) -> None:
    from django.contrib.contenttypes.models import ContentType

    from tasks.models import FollowUpTask
    from tasks.services import task_transition

    open_tasks = FollowUpTask.objects.filter(
        kind=STUCK_TASK_KIND,
        content_type=ContentType.objects.get_for_model(OutboxMessage),
        object_id=str(message.pk),
        status__in=FollowUpTask.OPEN_STATUSES,
    )
    for task in open_tasks:
        task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=as_of, by=by, resolution=resolution)


def message_mark_sent(*, message: OutboxMessage, as_of: datetime, by, note: str) -> OutboxMessage:
    """A person found a stuck message in the provider's log: record it as sent, with their note.

    ``sent_at`` is when it was handed over (``sending_at``): that is when it left, not when it was
    checked. Only for rows stuck in ``sending``; the open "check" task is closed.
    """
    note = (note or "").strip()
    with transaction.atomic():
        message = _lock(message)
        if not _is_stuck(message, as_of=as_of):
            raise ValidationError(
                {
                    "status": _(
                        "Only a message whose hand-off stopped (sending for more than %(minutes)s minutes) "
                        "can be marked as sent; this one is %(status)s."
                    )
                    % {"minutes": int(STUCK_AFTER.total_seconds() // 60), "status": message.get_status_display()}
                }
            )
        if not note:
            raise ValidationError({"note": _("Say what the provider's log shows.")})
        message.status = MessageStatus.SENT
        message.sent_at = message.sending_at
        message.updated_at = as_of
        message.save(update_fields=["status", "sent_at", "updated_at"])
        _event(message, MessageEvent.Kind.SENT, at=as_of, description=note, data={**_by(by), "manual": True})
        _close_stuck_task(message, as_of=as_of, by=by, resolution=note)
    return message


def message_cancel(*, message: OutboxMessage, as_of: datetime, by, reason: str) -> OutboxMessage:
    """Stop a queued message, or close a stuck one a person found was not sent (then resend it)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        message = _lock(message)
        if message.status != MessageStatus.QUEUED and not _is_stuck(message, as_of=as_of):
            raise ValidationError(
                {
                    "status": _(
                        "Only a queued message or one whose hand-off stopped can be cancelled; this one is %(status)s."
                    )
                    % {"status": message.get_status_display()}
                }
            )
        if not reason:
            raise ValidationError({"reason": _("Give a reason.")})
        message.status = MessageStatus.CANCELLED
        message.updated_at = as_of
        message.save(update_fields=["status", "updated_at"])
        _event(message, MessageEvent.Kind.CANCELLED, at=as_of, description=reason, data=_by(by))
        _close_stuck_task(message, as_of=as_of, by=by, resolution=reason)
    return message


def message_resend(*, message: OutboxMessage, as_of: datetime, by, to: list[dict] | None = None) -> OutboxMessage:
    """ "Send again": a new queued row with the same content and attachments, ``resend_of`` the original.

    The original stays as it was (it is the record of what happened then). Recipients are the
    ones given, else the customer's current valid ones for this kind of mail — after a bounce and
    a corrected address the new one gets it. Allowed for sent, delivered, bounced, failed and
    cancelled messages and for stuck ones; a queued message is still going to be sent.
    """
    from core.services import job_enqueue

    original = OutboxMessage.objects.select_related("customer").get(pk=message.pk)
    if original.status not in RESENDABLE | {MessageStatus.CANCELLED} and not _is_stuck(original, as_of=as_of):
        raise ValidationError(
            {"status": _("A %(status)s message cannot be sent again yet.") % {"status": original.get_status_display()}}
        )
    customer = original.customer
    recipients = to if to is not None else message_recipients(customer=customer, purpose=_purpose_of(original.template))
    invalid = {
        contact.email.lower(): contact
        for contact in Contact.objects.filter(customer=customer, email_invalid_since__isnull=False).exclude(email="")
    }
    errors: dict[str, list[str]] = {}
    recipients = _clean_addresses("to", recipients, invalid=invalid, errors=errors)
    if not recipients and "to" not in errors:
        errors["to"] = [
            _("No recipient: give %(customer)s a contact with an e-mail address that receives this mail.")
            % {"customer": customer.legal_name}
        ]
    if errors:
        raise ValidationError(errors)
    attachments = [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "file": a.file.name,
            "sha256": a.sha256,
            "size": a.size,
            "document_id": a.document_id,
        }
        for a in original.attachments.all()
    ]
    who = by.get_username() if by is not None else ""
    return _message_create(
        customer=customer,
        invoice_id=original.invoice_id,
        template=original.template,
        language=original.language,
        subject=original.subject,
        body_text=original.body_text,
        body_html=original.body_html,
        to=recipients,
        cc=[r for r in original.cc if r["email"].lower() not in invalid],
        cause=(_("sent again (#%(id)s) by %(user)s") % {"id": original.pk, "user": who or "-"})[:200],
        as_of=as_of,
        by=by,
        attachments=attachments,
        resend_of=original,
        job_enqueue=job_enqueue,
    )
