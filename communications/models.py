"""Every message exchanged with a customer: the outbox (what we sent, to whom, and whether it
arrived), provider tracking events, inbound replies, and the editable wording of templates.

An outgoing e-mail is an ``OutboxMessage`` row written in the transaction of the change that
caused it and sent by a durable job. Its status moves ``queued → sending → sent →
delivered / bounced`` (or ``failed``) under a row lock in ``communications.services.outbox``; a row
still ``sending`` after a crash is never resent automatically (a follow-up task asks a person to
check the provider's log), so no customer gets the same reminder twice.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.formatting import datetime_text
from core.languages import language_choices
from customers.models import Contact, Customer


class MessageStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message status", "queued")
    SENDING = "sending", pgettext_lazy("message status", "sending")
    SENT = "sent", pgettext_lazy("message status", "sent")
    DELIVERED = "delivered", pgettext_lazy("message status", "delivered")
    BOUNCED = "bounced", pgettext_lazy("message status", "bounced")
    FAILED = "failed", pgettext_lazy("message status", "failed")
    CANCELLED = "cancelled", pgettext_lazy("message status", "cancelled")
    # Not sent: what it said changed before hand-off (a send gate, e.g. dunning's re-check).
    SUPERSEDED = "superseded", pgettext_lazy("message status", "superseded (not sent, outdated)")


# The allowed status changes of an outbox message (STYLE 6); ``message_transition`` checks it.
# Sending: a transient refusal requeues, a permanent one fails; a stuck row is marked sent or
# cancelled by a person. Tracking only moves forward (sent → delivered → bounced): a late or
# repeated provider event is no entry here and is ignored. Failed, bounced and cancelled are
# final (sending again makes a new row, ``resend_of``).
MESSAGE_TRANSITIONS: dict[str, set[str]] = {
    MessageStatus.QUEUED: {MessageStatus.SENDING, MessageStatus.CANCELLED, MessageStatus.SUPERSEDED},
    MessageStatus.SENDING: {
        MessageStatus.SENT,
        MessageStatus.QUEUED,
        MessageStatus.FAILED,
        MessageStatus.CANCELLED,
        MessageStatus.DELIVERED,
        MessageStatus.BOUNCED,
    },
    MessageStatus.SENT: {MessageStatus.DELIVERED, MessageStatus.BOUNCED},
    MessageStatus.DELIVERED: {MessageStatus.BOUNCED},
    MessageStatus.BOUNCED: set(),
    MessageStatus.FAILED: set(),
    MessageStatus.CANCELLED: set(),
    MessageStatus.SUPERSEDED: set(),
}


class OutboxMessage(models.Model):
    """One e-mail, rendered and frozen when queued: exactly what was (or will be) sent.

    ``customer`` is the customer it was written to; None for a staff message (a task digest),
    whose recipients are users."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbox_messages",
    )
    template = models.CharField(
        _("template"), max_length=50, help_text=_("e.g. invoice, credit_note, due_date_changed")
    )
    language = models.CharField(_("language"), max_length=5, choices=language_choices)
    from_email = models.CharField(_("from"), max_length=320)
    # To, Cc, Bcc and Reply-To are MessageRecipient rows (``recipients``); ``to`` etc. read them.
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    # RFC 5322 Message-ID, derived from the row (stable across retries): <outbox-42.…@domain>.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    provider = models.CharField(_("provider"), max_length=30, blank=True, default="")
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    cause = models.CharField(_("cause"), max_length=200, help_text=_("what made us write, e.g. 'invoice issued'"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resend_of = models.ForeignKey(
        "self",
        verbose_name=_("resend of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resends",
    )
    created_at = models.DateTimeField(_("created"))
    sending_at = models.DateTimeField(_("handed to the provider at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "sending_at"], name="customers_outbox_status"),
            models.Index(fields=["customer", "created_at"], name="customers_outbox_customer"),
            models.Index(fields=["provider_message_id"], name="customers_outbox_provider_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MessageStatus]), name="customers_outbox_status_valid"
            ),
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="customers_outbox_message_id_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "cancelled", "superseded"]) | Q(sending_at__isnull=False),
                name="customers_outbox_handed_over_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"

    def _addresses(self, kind: str) -> list[dict]:
        # One query for all four lists (none when the caller prefetched ``recipients``).
        prefetch_related_objects([self], "recipients")
        return [r.as_entry() for r in self.recipients.all() if r.kind == kind]

    # ``[{"name", "email", "contact_id", "user_id"}, ...]`` per role: the shape the JSON columns had.
    to = property(lambda self: self._addresses("to"))
    cc = property(lambda self: self._addresses("cc"))
    bcc = property(lambda self: self._addresses("bcc"))
    reply_to = property(lambda self: self._addresses("reply_to"))

    @property
    def to_addresses(self) -> list[str]:
        return [r["email"] for r in self.to]


class MessageRecipient(models.Model):
    """One address of a message, in the role it has (To, Cc, Bcc, Reply-To), with who it is: a
    customer's contact, a staff user (task digests), or neither (an address typed in, our archive)."""

    class Kind(models.TextChoices):
        TO = "to", pgettext_lazy("recipient", "to")
        CC = "cc", pgettext_lazy("recipient", "cc")
        BCC = "bcc", pgettext_lazy("recipient", "bcc")
        REPLY_TO = "reply_to", pgettext_lazy("recipient", "reply to")

    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="recipients"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    address = models.CharField(_("e-mail"), max_length=320)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        # The order the addresses were given in: the order they stand in the header.
        ordering = ["message_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["to", "cc", "bcc", "reply_to"]), name="comms_recipient_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=True) | Q(user__isnull=True), name="comms_recipient_contact_or_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address}"

    def as_entry(self) -> dict:
        return {"name": self.name, "email": self.address, "contact_id": self.contact_id, "user_id": self.user_id}


class OutboxAttachment(models.Model):
    """A file sent with a message, by reference into ``core.documents``' storage: ``file`` is the
    stored name and ``sha256`` the digest checked before every send. A stored original (an issued
    invoice's PDF) is referenced as it is, not copied; which document it was is the owning app's
    business (the message's subjects say what it is about)."""

    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    file = models.FileField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return self.filename


class MessageEvent(models.Model):
    """What happened to a message: our own hand-off and the provider's tracking events."""

    class Kind(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("message event", "queued")
        SENDING = "sending", pgettext_lazy("message event", "handed to the provider")
        SENT = "sent", pgettext_lazy("message event", "accepted by the provider")
        DEFERRED = "deferred", pgettext_lazy("message event", "delayed")
        DELIVERED = "delivered", pgettext_lazy("message event", "delivered")
        BOUNCED = "bounced", pgettext_lazy("message event", "bounced")
        REJECTED = "rejected", pgettext_lazy("message event", "rejected")
        COMPLAINED = "complained", pgettext_lazy("message event", "marked as spam")
        OPENED = "opened", pgettext_lazy("message event", "opened")
        CLICKED = "clicked", pgettext_lazy("message event", "link clicked")
        FAILED = "failed", pgettext_lazy("message event", "failed")
        STUCK = "stuck", pgettext_lazy("message event", "outcome unknown (crash during hand-off)")
        CANCELLED = "cancelled", pgettext_lazy("message event", "cancelled")
        SUPERSEDED = "superseded", pgettext_lazy("message event", "superseded (not sent, outdated)")
        UNKNOWN = "unknown", pgettext_lazy("message event", "other")

    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    provider_event_id = models.CharField(_("provider event id"), max_length=255, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["message_id", "at", "id"]
        constraints = [
            # A webhook delivered twice records its event once.
            models.UniqueConstraint(
                fields=["message", "kind", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="customers_message_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.at)}"


class InboundMessage(models.Model):
    """A customer's e-mail to us (a reply), matched to the customer and, where it shows, the thread."""

    class Match(models.TextChoices):
        REPLY_ADDRESS = "reply_address", _("reply address of our message")
        HEADERS = "headers", _("In-Reply-To / References of our message")
        SENDER = "sender", _("sender is a known contact")
        NONE = "none", _("not matched")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_messages",
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_reply_to = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )
    matched_by = models.CharField(_("matched by"), max_length=13, choices=Match.choices)
    provider = models.CharField(_("provider"), max_length=30, blank=True, default="")
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True, default="")
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    from_email = models.CharField(_("from"), max_length=320)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True, default="")
    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=998, blank=True, default="")
    body_text = models.TextField(_("text body"), blank=True, default="")
    body_html = models.TextField(_("HTML body"), blank=True, default="")
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"], name="customers_inbound_customer")]
        constraints = [
            # The provider retries a webhook it thinks failed: one row per message.
            models.UniqueConstraint(
                fields=["provider", "message_id"], condition=~Q(message_id=""), name="customers_inbound_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject}"


class InboundAttachment(models.Model):
    message = models.ForeignKey(
        InboundMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    file = models.FileField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return self.filename


class SubjectLink(models.Model):
    """What a message is about: any row of any app (an invoice, a reminder, a task...) by content
    type and id. Generic on purpose: ``communications`` keeps no foreign key into a domain app, and
    one message can be about several invoices (dunning). The subject's own app reads it back with
    ``communications.selectors.messages_about``; no database-level integrity reaches the subject, so
    the owning app keeps its rows (issued invoices are never deleted)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))

    class Meta:
        abstract = True
        verbose_name = pgettext_lazy("what a message is about", "subject")
        verbose_name_plural = pgettext_lazy("what a message is about", "subjects")
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"


class MessageSubject(SubjectLink):
    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="subjects"
    )

    class Meta(SubjectLink.Meta):
        indexes = [models.Index(fields=["content_type", "object_id"], name="comms_subject_object")]
        constraints = [
            models.UniqueConstraint(fields=["message", "content_type", "object_id"], name="comms_subject_once")
        ]


class InboundSubject(SubjectLink):
    message = models.ForeignKey(
        InboundMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="subjects"
    )

    class Meta(SubjectLink.Meta):
        indexes = [models.Index(fields=["content_type", "object_id"], name="comms_inbound_subject_object")]
        constraints = [
            models.UniqueConstraint(fields=["message", "content_type", "object_id"], name="comms_inbound_subject_once")
        ]


class MessageWording(models.Model):
    """The subject and opening text of a template in one language, as finance managers word them.

    Empty fields fall back to the wording shipped in ``templates/mail/``. Placeholders such as
    ``{number}`` or ``{due_date}`` are filled from the message's context (formatted per locale).
    """

    template = models.CharField(_("template"), max_length=50)
    language = models.CharField(_("language"), max_length=5, choices=language_choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    intro = models.TextField(_("opening text"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message wording")
        verbose_name_plural = _("message wording")
        ordering = ["template", "language", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "language"], name="customers_message_wording_once")]

    def __str__(self) -> str:
        from .services.wording import template_label

        return f"{template_label(self.template)} ({self.get_language_display()})"


class CustomerNote(models.Model):
    """What staff noted about a customer, or a phone call they had with one: who, when, a summary
    and, for a call, its direction and outcome.

    A record of what was said: written once through ``communications.services.notes`` (which logs
    ``note.added`` or ``call.logged``), never changed — a correction is a new note. The summary is
    free text a person wrote; the data-protection work blanks it with the event's ``note``."""

    class Kind(models.TextChoices):
        NOTE = "note", pgettext_lazy("customer note kind", "note")
        CALL = "call", pgettext_lazy("customer note kind", "phone call")

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", pgettext_lazy("call direction", "outgoing")
        INCOMING = "incoming", pgettext_lazy("call direction", "incoming")

    class Outcome(models.TextChoices):
        REACHED = "reached", pgettext_lazy("call outcome", "reached")
        NO_ANSWER = "no_answer", pgettext_lazy("call outcome", "no answer")
        LEFT_MESSAGE = "left_message", pgettext_lazy("call outcome", "left a message")
        PROMISED_TO_PAY = "promised_to_pay", pgettext_lazy("call outcome", "promised to pay")
        DISPUTED = "call_disputed", pgettext_lazy("call outcome", "disputed")
        CALL_BACK = "call_back", pgettext_lazy("call outcome", "call back requested")
        OTHER = "call_other", pgettext_lazy("call outcome", "other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="customer_notes"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("note or call")
        verbose_name_plural = _("notes and calls")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "occurred_at", "id"], name="comms_note_customer")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["note", "call"]), name="comms_note_kind_valid"),
            # A call has a direction and an outcome; a note has neither.
            models.CheckConstraint(
                condition=(Q(kind="note", direction="", outcome=""))
                | (
                    Q(kind="call", direction__in=["outgoing", "incoming"])
                    & Q(
                        outcome__in=[
                            "reached",
                            "no_answer",
                            "left_message",
                            "promised_to_pay",
                            "call_disputed",
                            "call_back",
                            "call_other",
                        ]
                    )
                ),
                name="comms_note_call_fields",
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="comms_note_summary_present"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {datetime_text(self.occurred_at)}"
