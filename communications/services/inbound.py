"""Inbound replies: a customer's e-mail to us, matched to the customer and the thread.

The provider posts each received e-mail to anymail's inbound webhook (``config/urls.py``);
anymail parses it into an ``AnymailInboundMessage`` (an ``email.message.EmailMessage``) and
``communications.receivers`` hands it to :func:`inbound_receive`. This module knows nothing of HTTP.

**Reply address.** Every message we send can carry its own Reply-To, made from the company's
reply mailbox (``CompanyProfile.mail_reply_to``) with plus-addressing (RFC 5233 subaddress)::

    replies+<outbox id>.<signature>@example.com

The signature is 16 lowercase hex characters of an HMAC-SHA256 over the outbox id, keyed with
``SECRET_KEY`` (``django.utils.crypto.salted_hmac``, the primitive of ``django.core.signing``).
Hex, not ``signing``'s base64, because mail systems fold the case of local parts. A guessed or
altered address fails the check and the reply is matched by its headers or sender instead, so
no one can attach a message to another customer's history by choosing an address.

**Matching** (recorded in ``matched_by``), first hit wins:

1. a verified reply address among the recipients (To, Cc, the envelope recipient);
2. ``In-Reply-To`` / ``References`` (RFC 5322 § 3.6.4) naming one of our Message-IDs;
3. the sender's address is a contact of exactly one customer (ambiguous: not matched);

else the message is stored unmatched and the team gets a task.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import document_store
from core.followups import followup_kind_register, followup_open

from ..models import Contact, InboundAttachment, InboundMessage, InboundSubject, OutboxMessage
from ..registry import react, subject_label
from ..selectors import subjects_of

logger = logging.getLogger(__name__)

REPLY_TASK_KIND = followup_kind_register("customer_reply", gettext_lazy("customer replied"))
UNMATCHED_TASK_KIND = followup_kind_register("unmatched_reply", gettext_lazy("reply without a known sender"))
INBOUND_RULE = "inbound e-mail"
REPLY_SALT = "customers.inbound.reply-address"
SIGNATURE_LENGTH = 16  # hex characters: 64 bits, far beyond what guessing over SMTP can try

# Limits: a reply is a letter, not a file transfer. Larger parts are refused, named in the
# stored headers and in the task, so a person can ask for another way.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_ATTACHMENTS = 30
MAX_BODY_CHARACTERS = 1_000_000
REFUSED_HEADER = "X-Debitor-Refused-Attachments"
# Headers kept with the message (the full raw message is not stored).
KEPT_HEADERS = (
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Reply-To",
    "Cc",
    "Delivered-To",
    "X-Original-To",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "Precedence",
    "Content-Language",
    "X-Spam-Status",
    "X-Spam-Score",
)
_REPLY_LOCAL = re.compile(r"^[^@+]+\+(?P<id>\d{1,18})\.(?P<sig>[0-9a-f]+)@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


# --- Reply addresses ------------------------------------------------------------------------------
def _signature(outbox_id: int) -> str:
    return salted_hmac(REPLY_SALT, str(outbox_id), algorithm="sha256").hexdigest()[:SIGNATURE_LENGTH]


def reply_address_for(*, outbox_id: int, mailbox: str) -> str:
    """The Reply-To of one outbox message: ``local+<id>.<signature>@domain`` of ``mailbox``."""
    local, _at, domain = mailbox.rpartition("@")
    if not local or not domain:
        raise ValueError(f"Not an e-mail address: {mailbox!r}")
    local = local.split("+", 1)[0]
    return f"{local}+{outbox_id}.{_signature(outbox_id)}@{domain}"


def reply_address_parse(address: str) -> int | None:
    """The outbox id a reply address names, or ``None`` when it is not one or its signature is wrong."""
    found = _REPLY_LOCAL.match((address or "").strip())
    if not found:
        return None
    outbox_id = int(found["id"])
    if not constant_time_compare(found["sig"].lower(), _signature(outbox_id)):
        logger.warning("reply address with a wrong signature: %s", address)
        return None
    return outbox_id


# --- Reading the message ------------------------------------------------------------------------
def _addresses(message, header: str) -> list[dict]:
    try:
        parsed = message.get_address_header(header)
    except Exception:  # noqa: BLE001 (a malformed header of a stranger's mail must not lose the mail)
        logger.warning("unparseable %s header in inbound mail", header)
        return []
    return [{"name": entry.display_name or "", "email": entry.addr_spec} for entry in parsed if entry.addr_spec]


def _sender(message) -> tuple[str, str]:
    senders = _addresses(message, "From")
    if senders:
        return senders[0]["email"], senders[0]["name"]
    return (getattr(message, "envelope_sender", None) or ""), ""


def _header(message, name: str) -> str:
    value = message.get(name)
    return str(value).strip() if value is not None else ""


def _referenced_ids(message) -> list[str]:
    """Message-IDs this mail answers, nearest first: In-Reply-To, then References from the end."""
    ids = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    ids += list(reversed(_MESSAGE_ID.findall(_header(message, "References"))))
    return list(dict.fromkeys(ids))


def _message_id(*, provider: str, message, provider_message_id: str) -> str:
    found = _MESSAGE_ID.findall(_header(message, "Message-ID"))
    if found:
        return found[0][:255]
    # Without a Message-ID the provider's id, else the content, makes the retry recognisable.
    if provider_message_id:
        return f"<{provider_message_id}@{provider.lower().replace(' ', '-')}.inbound.invalid>"[:255]
    digest = hashlib.sha256(message.as_bytes()).hexdigest()
    return f"<sha256-{digest}@inbound.invalid>"


def _text(value: str | None) -> str:
    value = value or ""
    if len(value) > MAX_BODY_CHARACTERS:
        return value[:MAX_BODY_CHARACTERS] + "\n\n" + _("[shortened: the message was longer]")
    return value


def _headers(message) -> dict:
    kept = {name: _header(message, name)[:2000] for name in KEPT_HEADERS if message.get(name) is not None}
    for attribute in ("envelope_sender", "envelope_recipient", "spam_detected", "spam_score"):
        value = getattr(message, attribute, None)
        if value is not None:
            kept[attribute] = value
    return kept


def _filenames(part, number: int) -> tuple[str, str]:
    """The sender's file name (shown) and a safe one for storage (no path, no odd characters)."""
    shown = os.path.basename((part.get_filename() or "").replace("\\", "/")).strip()
    try:
        safe = get_valid_filename(shown)
    except Exception:  # noqa: BLE001 (nothing usable left of the sender's file name)
        safe = ""
    fallback = f"attachment-{number}"
    return (shown or fallback)[-200:], (safe or fallback)[-120:]


def _store_attachments(message, *, as_of: datetime) -> tuple[list[InboundAttachment], list[dict]]:
    """Store the attachments (content-addressed, so a retried webhook writes nothing new)."""
    stored, refused, total = [], [], 0
    for number, part in enumerate(message.attachments, start=1):
        filename, safe_name = _filenames(part, number)
        try:
            data = part.get_content_bytes() or b""
        except (ValueError, AssertionError):
            refused.append({"filename": filename, "size": None, "reason": _("unreadable")})
            continue
        if len(stored) >= MAX_ATTACHMENTS:
            reason = _("more than %(count)d attachments") % {"count": MAX_ATTACHMENTS}
        elif len(data) > MAX_ATTACHMENT_BYTES:
            reason = _("larger than %(size)s") % {"size": filesizeformat(MAX_ATTACHMENT_BYTES)}
        elif total + len(data) > MAX_TOTAL_ATTACHMENT_BYTES:
            reason = _("all attachments together larger than %(size)s") % {
                "size": filesizeformat(MAX_TOTAL_ATTACHMENT_BYTES)
            }
        else:
            reason = ""
        if reason:
            refused.append({"filename": filename, "size": len(data), "reason": reason})
            continue
        total += len(data)
        file = document_store(folder=f"inbound/{as_of:%Y/%m}", filename=safe_name, data=data)
        stored.append(
            InboundAttachment(
                filename=filename,
                content_type=part.get_content_type()[:100],
                file=file.name,
                sha256=file.sha256,
                size=file.size,
            )
        )
    return stored, refused


# --- Matching ------------------------------------------------------------------------------------
def _match(message, *, sender: str) -> tuple[str, OutboxMessage | None, int | None]:
    """``(matched_by, outbox message or None, customer id or None)``."""
    recipients = [entry["email"] for header in ("To", "Cc") for entry in _addresses(message, header)]
    for name in ("Delivered-To", "X-Original-To"):
        recipients += [entry["email"] for entry in _addresses(message, name)]
    if getattr(message, "envelope_recipient", None):
        recipients.append(message.envelope_recipient)
    for address in recipients:
        outbox_id = reply_address_parse(address)
        if outbox_id is not None:
            outbox = OutboxMessage.objects.select_related("customer").filter(pk=outbox_id).first()
            if outbox is not None:
                return InboundMessage.Match.REPLY_ADDRESS, outbox, outbox.customer_id

    referenced = _referenced_ids(message)
    if referenced:
        candidates = referenced + [ref.strip("<>") for ref in referenced]
        by_id = {row.message_id: row for row in OutboxMessage.objects.filter(message_id__in=candidates)}
        for ref in referenced:
            outbox = by_id.get(ref) or by_id.get(ref.strip("<>"))
            if outbox is not None:
                return InboundMessage.Match.HEADERS, outbox, outbox.customer_id

    if sender:
        customers = set(Contact.objects.filter(email__iexact=sender).values_list("customer_id", flat=True))
        if len(customers) == 1:
            return InboundMessage.Match.SENDER, None, customers.pop()
    return InboundMessage.Match.NONE, None, None


def _is_automatic(headers: dict) -> bool:
    """An out-of-office or other machine answer (RFC 3834 Auto-Submitted, and common vendor headers)."""
    auto = headers.get("Auto-Submitted", "").lower()
    return (auto not in ("", "no")) or "X-Autoreply" in headers or "X-Autorespond" in headers


def _open_task(*, inbound: InboundMessage, subjects: list, refused: list[dict], as_of: datetime) -> None:
    refused_text = ""
    if refused:
        refused_text = "\n\n" + _("Attachments not stored: %(list)s") % {
            "list": "; ".join(f"{item['filename']} ({item['reason']})" for item in refused)
        }
    sender = f"{inbound.from_name} <{inbound.from_email}>" if inbound.from_name else inbound.from_email
    if inbound.customer is None:
        if inbound.headers.get("spam_detected"):
            return  # the reply mailbox gets spam too; it is stored, nobody is asked to read it
        followup_open(
            kind=UNMATCHED_TASK_KIND,
            title=_("E-mail from %(sender)s matches no customer: %(subject)s")
            % {"sender": inbound.from_email, "subject": inbound.subject},
            description=_("Assign it to a customer or discard it. From %(sender)s.") % {"sender": sender}
            + refused_text,
            about=inbound,
            rule=INBOUND_RULE,
            as_of=as_of,
        )
        return
    if subjects:
        # msgid kept from when a reply could only be about an invoice: the subjects' labels fill it.
        title = _("Reply from %(customer)s about %(invoice)s: %(subject)s") % {
            "customer": inbound.customer.legal_name,
            "invoice": ", ".join(subject_label(subject) for subject in subjects),
            "subject": inbound.subject,
        }
    else:
        title = _("E-mail from %(customer)s: %(subject)s") % {
            "customer": inbound.customer.legal_name,
            "subject": inbound.subject,
        }
    automatic = _is_automatic(inbound.headers)
    description = _("From %(sender)s, received %(received)s.") % {
        "sender": sender,
        "received": inbound.received_at.isoformat(timespec="minutes"),
    }
    if automatic:
        description += " " + _("An automatic answer (e.g. out of office).")
    followup_open(
        kind=REPLY_TASK_KIND,
        title=title,
        description=description + refused_text,
        about=inbound,
        customer=inbound.customer,
        assignee=inbound.customer.account_owner,
        priority="low" if automatic else "normal",
        rule=INBOUND_RULE,
        as_of=as_of,
    )


# --- The service ---------------------------------------------------------------------------------
def inbound_receive(*, provider: str, message, as_of: datetime, provider_message_id: str = "") -> InboundMessage:
    """Store a received e-mail with its attachments, match it, and ask a person to read it.

    Idempotent per (provider, Message-ID): a provider that posts the same mail again (it thinks
    the first post failed) gets the stored row back and nothing is written twice. The customer,
    contact, thread (``in_reply_to``) and invoice are linked where the match tells them; a follow-up
    task opens for the customer's account owner (unassigned when there is none), or for the team
    when the mail matches no customer.
    """
    message_id = _message_id(provider=provider, message=message, provider_message_id=provider_message_id)
    existing = InboundMessage.objects.filter(provider=provider, message_id=message_id).first()
    if existing is not None:
        return existing

    sender, sender_name = _sender(message)
    headers = _headers(message)
    attachments, refused = _store_attachments(message, as_of=as_of)
    if refused:
        headers[REFUSED_HEADER] = refused
        logger.warning("inbound %s from %s: attachments refused: %s", message_id, sender, refused)

    with transaction.atomic():
        matched_by, outbox, customer_id = _match(message, sender=sender)
        contact = None
        if customer_id is not None and sender:
            contact = Contact.objects.filter(customer_id=customer_id, email__iexact=sender).order_by("pk").first()
        inbound = InboundMessage(
            customer_id=customer_id,
            contact=contact,
            in_reply_to=outbox,
            matched_by=matched_by,
            provider=provider,
            provider_message_id=(provider_message_id or "")[:255],
            message_id=message_id,
            from_email=sender[:320],
            from_name=sender_name[:200],
            to=_addresses(message, "To"),
            subject=_header(message, "Subject")[:998],
            body_text=_text(message.text),
            body_html=_text(message.html),
            headers=headers,
            received_at=as_of,
        )
        try:
            with transaction.atomic():
                inbound.save()
        except IntegrityError:
            # The same mail posted twice at once: the other request stored it.
            return InboundMessage.objects.get(provider=provider, message_id=message_id)
        for attachment in attachments:
            attachment.message = inbound
        InboundAttachment.objects.bulk_create(attachments)
        if outbox is not None:
            # A reply is about what the message it answers was about.
            InboundSubject.objects.bulk_create(
                InboundSubject(message=inbound, content_type_id=type_id, object_id=object_id)
                for type_id, object_id in outbox.subjects.order_by("id").values_list("content_type_id", "object_id")
            )
        subjects = subjects_of(inbound)
        _open_task(inbound=inbound, subjects=subjects, refused=refused, as_of=as_of)
        react("reply", inbound=inbound, subjects=subjects, as_of=as_of)
    return inbound
