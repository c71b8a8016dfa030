"""Who receives a message, and queueing it: the row, its attachments and the send job in the caller's transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import document_store
from core.followups import followup_kind_register
from core.formatting import date_text
from core.languages import is_language
from core.models import CompanyProfile
from core.privacy import Restrictions, processing_restrictions
from customers.validation import FieldProblem, clean_email

from ...models import (
    Contact,
    MessageEvent,
    MessageRecipient,
    MessageStatus,
    MessageSubject,
    OutboxAttachment,
    OutboxMessage,
)
from ...registry import purpose_named
from ...selectors import subject_links
from ..inbound import reply_address_for

logger = logging.getLogger(__name__)

SEND_JOB_KIND = "customers.send_message"
# Longer than any hand-off can take (EMAIL_TIMEOUT, the task's hard time limit): a row still
# ``sending`` after this lost its worker.
STUCK_AFTER = timedelta(minutes=15)
FAILED_TASK_KIND = followup_kind_register("message_failed", gettext_lazy("e-mail not sent"))
STUCK_TASK_KIND = followup_kind_register("message_outcome_unknown", gettext_lazy("e-mail outcome unknown"))
ATTACHMENT_FOLDER = "outbox"
RESENDABLE = {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED, MessageStatus.FAILED}


class MessageSendDeferred(Exception):
    """The provider refused the message for now; the job retries it with backoff."""


class AttachmentAltered(Exception):
    """A stored attachment no longer matches the SHA-256 recorded when the message was queued."""


@dataclass(frozen=True)
class AttachmentSpec:
    """A file to send with a message.

    ``stored_name``/``stored_sha256`` name the stored original the bytes were read from
    (``core.documents``): when the bytes still match it, the attachment points at it instead of
    storing a second copy.
    """

    filename: str
    content_type: str
    data: bytes
    stored_name: str = ""
    stored_sha256: str = ""


# --- Recipients -------------------------------------------------------------------------------
def message_recipients(*, customer, purpose: str = "invoices") -> list[dict]:
    """The customer's contacts who receive this kind of mail, with an address not marked invalid.

    Contacts flagged *receives invoices* (purpose ``invoices``) or *receives reminders*
    (``reminders``); an address a hard bounce or complaint marked invalid gets no more mail until
    someone corrects it. Ordered by name and id; an address shared by two contacts appears once.
    A contact whose data was erased or whose processing is restricted (a data-protection request,
    ``core.privacy.processing_restrictions``) is skipped: ``message_queue`` names the reason.
    """
    flag = purpose_named(purpose).contact_flag
    restrictions = processing_restrictions(customer.pk)
    if restrictions.customer:
        return []
    contacts = (
        Contact.objects.filter(customer=customer, email_invalid_since__isnull=True, **{flag: True})
        .exclude(email="")
        .order_by("name", "id")
        .values_list("pk", "name", "email")
    )
    recipients, seen = [], set()
    for contact_id, name, email in contacts:
        if email.lower() in seen or restrictions.reason_for(contact_id=contact_id, address=email):
            continue
        seen.add(email.lower())
        recipients.append({"name": name, "email": email, "contact_id": contact_id})
    return recipients


def _one_line(value: str) -> str:
    # A CR or LF in a header value would start a new header (RFC 5322 § 2.2): never let one through.
    return " ".join((value or "").split())


def _clean_addresses(
    field: str, entries, *, invalid: dict[str, Contact], restrictions: Restrictions, errors: dict
) -> list[dict]:
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
                    "date": date_text(contact.email_invalid_since),
                    "reason": contact.email_invalid_reason or _("no reason recorded"),
                }
            )
            continue
        restricted = restrictions.reason_for(contact_id=entry.get("contact_id"), address=email)
        if restricted:
            errors.setdefault(field, []).append(
                _("%(email)s may not be written to: %(reason)s") % {"email": email, "reason": restricted}
            )
            continue
        cleaned.append(
            {
                "name": _one_line(entry.get("name", "")),
                "email": email,
                "contact_id": entry.get("contact_id"),
                "user_id": entry.get("user_id"),
            }
        )
    return cleaned


def _invalid_addresses(customer) -> dict[str, Contact]:
    """The customer's addresses a bounce marked undeliverable (none for a staff message)."""
    if customer is None:
        return {}
    contacts = Contact.objects.filter(customer=customer, email_invalid_since__isnull=False).exclude(email="")
    return {contact.email.lower(): contact for contact in contacts}


def _no_recipient(customer, restrictions: Restrictions) -> str:
    if customer is None:
        return _("No recipient: name at least one address.")
    if restrictions.customer:
        return _("No recipient: %(customer)s may not be written to: %(reason)s") % {
            "customer": customer.legal_name,
            "reason": restrictions.customer,
        }
    return _("No recipient: give %(customer)s a contact with an e-mail address that receives this mail.") % {
        "customer": customer.legal_name
    }


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
    }
    if spec.stored_name and spec.stored_sha256 == digest:
        # The stored original itself (content-addressed, never rewritten): no second copy.
        return {**fields, "file": spec.stored_name}
    stored = document_store(folder=ATTACHMENT_FOLDER, filename=filename, data=spec.data)
    return {**fields, "file": stored.name}


def message_queue(
    *,
    customer=None,
    template: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    to: list[dict],
    cause: str,
    as_of: datetime,
    by=None,
    subjects: Sequence = (),
    attachments: Sequence[AttachmentSpec] = (),
    cc: list[dict] = (),
    resend_of: OutboxMessage | None = None,
) -> OutboxMessage:
    """Freeze a rendered e-mail in the outbox and record the job that sends it.

    ``customer`` is None for a staff message (a task digest): its recipients are users
    (``user_id``) or plain addresses, and no customer's contact is checked or linked.

    Runs in the caller's transaction: the row, its attachments, the ``queued`` event and the job
    commit together with the change that caused the message, or not at all. Refused with a
    ``ValidationError`` naming the field: no recipient, an address that is not RFC 5322/5321
    syntax, an address a bounce marked undeliverable, a contact or address whose data was erased
    or whose processing is restricted (``core.privacy``), an empty subject or text body.
    ``subjects`` are the saved rows the message is about (an invoice, several invoices of a
    reminder, a task): linked generically, read back with ``communications.selectors``.
    """
    from core.services import job_enqueue

    invalid = _invalid_addresses(customer)
    restrictions = processing_restrictions(customer.pk if customer is not None else None)
    errors: dict[str, list[str]] = {}
    to_clean = _clean_addresses("to", to, invalid=invalid, restrictions=restrictions, errors=errors)
    cc_clean = _clean_addresses("cc", cc, invalid=invalid, restrictions=restrictions, errors=errors)
    if not to_clean and "to" not in errors:
        errors["to"] = [_no_recipient(customer, restrictions)]
    subject = _one_line(subject)
    if not subject:
        errors["subject"] = [_("The subject must not be empty.")]
    if not (body_text or "").strip():
        errors["body_text"] = [_("The text body must not be empty.")]
    if not is_language(language):
        errors["language"] = [_("Unknown language %(language)s.") % {"language": language}]
    if not template:
        errors["template"] = [_("Name the template the message was rendered from.")]
    if errors:
        raise ValidationError(errors)
    prepared = [_store_attachment(spec) for spec in attachments]
    return _message_create(
        customer=customer,
        subjects=subject_links(subjects),
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


def message_subjects_add(*, message: OutboxMessage, subjects) -> None:
    """Link the message to what it is about: saved rows, or (content type id, object id) pairs."""
    pairs = [s if isinstance(s, tuple) else None for s in subjects]
    links = [pair for pair in pairs if pair is not None]
    links += subject_links([s for s, pair in zip(subjects, pairs, strict=True) if pair is None])
    MessageSubject.objects.bulk_create(
        (MessageSubject(message=message, content_type_id=type_id, object_id=object_id) for type_id, object_id in links),
        ignore_conflicts=True,
    )


def message_recipients_add(*, message: OutboxMessage, kind: str, entries) -> None:
    """Record addresses of a message in one role (To, Cc, Bcc, Reply-To), in the order given.

    ``entries`` are ``{"name", "email", "contact_id", "user_id"}``. A ``contact_id`` that is not one
    of the message's customer's contacts, or a ``user_id`` of no user, is not linked (the address
    stays): the link says who the address belongs to, and a caller's guess must not claim that.
    """
    entries = list(entries)
    contact_ids = {e["contact_id"] for e in entries if e.get("contact_id")}
    user_ids = {e["user_id"] for e in entries if e.get("user_id")}
    if contact_ids:
        contact_ids = set(
            Contact.objects.filter(pk__in=contact_ids, customer_id=message.customer_id).values_list("pk", flat=True)
        )
    if user_ids:
        user_ids = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    MessageRecipient.objects.bulk_create(
        MessageRecipient(
            message=message,
            kind=kind,
            name=entry.get("name") or "",
            address=entry["email"],
            contact_id=entry.get("contact_id") if entry.get("contact_id") in contact_ids else None,
            user_id=entry.get("user_id") if entry.get("user_id") in user_ids else None,
        )
        for entry in entries
    )
    # The message's ``to``/``cc``/... read the rows: forget a list read before they were added.
    getattr(message, "_prefetched_objects_cache", {}).pop("recipients", None)


def _message_create(
    *,
    attachments: list[dict],
    subjects: list[tuple],
    to: list[dict],
    cc: list[dict],
    as_of: datetime,
    by,
    job_enqueue,
    **fields,
) -> OutboxMessage:
    from_email, reply_to, bcc = _sender()
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            **fields,
            from_email=from_email,
            status=MessageStatus.QUEUED,
            created_by=by,
            created_at=as_of,
            updated_at=as_of,
        )
        message.message_id = message_id_for(pk=message.pk, from_email=from_email)
        if reply_to:
            # A signed sub-address per message: a reply finds its way back to this message and
            # customer (communications.services.inbound), and a guessed address cannot.
            reply_to = [{"name": "", "email": reply_address_for(outbox_id=message.pk, mailbox=reply_to[0]["email"])}]
        message.save(update_fields=["message_id"])
        for kind, entries in (
            (MessageRecipient.Kind.TO, to),
            (MessageRecipient.Kind.CC, cc),
            (MessageRecipient.Kind.BCC, bcc),
            (MessageRecipient.Kind.REPLY_TO, reply_to),
        ):
            message_recipients_add(message=message, kind=kind, entries=entries)
        message_subjects_add(message=message, subjects=subjects)
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
