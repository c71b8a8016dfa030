"""Customer e-mail in the admin: the outbox, incoming replies, and the wording of the templates.

The outbox is the proof of what was sent: its rows are never edited here. Accountants (and
finance managers) act on a message through the outbox services — "Send again" writes a new row,
"Mark as sent" resolves a row stuck in ``sending`` after checking the provider's log, "Cancel"
stops a queued one. The HTML of a message is shown in a sandboxed frame served with a strict
Content-Security-Policy: no script, no network, nothing from the message can reach the admin.
Finance managers edit the subject and opening text of each template (``MessageWording``),
checked by ``message_wording_save``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_site import ReadOnlyMixin
from core.event_sentences import typed_event_details, typed_event_sentence

from ..models import MessageEvent, MessageStatus, OutboxAttachment, OutboxMessage
from ..services.outbox import STUCK_AFTER
from ..services.wording import template_label
from .message_display import (
    RESENDABLE,
    CustomerIdFilter,
    CustomerLinkMixin,
    StoredMessageViews,
    SubjectLinksMixin,
    _iframe,
    status_badge,
)
from .wording import TemplateFilter

# --- Outbox -------------------------------------------------------------------------------------


class MessageEventInline(ReadOnlyMixin, admin.TabularInline):
    """The message's history as sentences (core.event_sentences); the provider's ids and answer
    folded into a details toggle."""

    model = MessageEvent
    fields = ["at", "sentence", "details"]
    readonly_fields = fields
    extra = 0
    ordering = ["at", "id"]

    @admin.display(description=_("What happened"))
    def sentence(self, event):
        return typed_event_sentence(event)

    @admin.display(description=_("Details"))
    def details(self, event):
        rows = [(gettext("description"), event.description), (gettext("provider event"), event.provider_event_id)]
        rows += typed_event_details(event)
        shown = [(key, value) for key, value in rows if value]
        if not shown:
            return ""
        return format_html(
            '<details class="debitor-event-details"><summary>{}</summary><dl>{}</dl></details>',
            gettext("Details"),
            format_html_join("", '<dt>{}</dt><dd class="debitor-hash">{}</dd>', shown),
        )


class AttentionFilter(admin.SimpleListFilter):
    """What a person has to look at: failed, or stuck in ``sending`` past ``STUCK_AFTER`` (the
    finance home links here)."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("failed", _("failed")), ("stuck", _("stuck (outcome unknown)")), ("any", _("failed or stuck"))]

    def queryset(self, request, queryset):
        failed = Q(status=MessageStatus.FAILED)
        stuck = Q(status=MessageStatus.SENDING, sending_at__lte=timezone.now() - STUCK_AFTER)
        condition = {"failed": failed, "stuck": stuck, "any": failed | stuck}.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(StoredMessageViews, CustomerLinkMixin, SubjectLinksMixin, admin.ModelAdmin):
    attachment_model = OutboxAttachment
    list_display = [
        "created_at",
        "customer_link",
        "template_shown",
        "subject",
        "recipients_display",
        "status_display",
        "attempts",
        "provider_message_id",
    ]
    list_filter = [
        AttentionFilter,
        "status",
        TemplateFilter,
        CustomerIdFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "subject",
        "recipients__address",
        "message_id",
        "provider_message_id",
        "customer__legal_name",
        "customer__number",
    ]
    search_help_text = _("Subject, recipient, Message-ID or provider message id, customer name or number.")
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["send_again"]
    inlines = [MessageEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status_display",
                    "customer_link",
                    "subjects_link",
                    "template_shown",
                    "language",
                    "cause",
                    "created_by",
                    "resend_of_link",
                    "act",
                ]
            },
        ),
        (
            _("Envelope"),
            {
                "fields": [
                    "from_email",
                    "recipients_display",
                    "cc_display",
                    "bcc_display",
                    "reply_to_display",
                    "subject",
                    "message_id",
                ]
            },
        ),
        (_("Content"), {"fields": ["preview", "text_display", "attachments_display"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "provider",
                    "provider_message_id",
                    "attempts",
                    "last_error",
                    "created_at",
                    "sending_at",
                    "sent_at",
                    "delivered_at",
                    "opened_at",
                    "bounced_at",
                    "failed_at",
                ]
            },
        ),
    ]

    # --- Permissions: rows are records; acting on them needs change permission --------------------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_act(self, request) -> bool:
        """Send again, mark as sent, cancel: day-to-day work, accountants and finance managers."""
        return super().has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        # The list (its actions) needs it; a single message is only ever viewed, never edited.
        return obj is None and self.may_act(request)

    def get_readonly_fields(self, request, obj=None):
        return [field for _title, options in self.fieldsets for field in options["fields"]]

    # --- Columns ------------------------------------------------------------------------------

    @admin.display(description=_("template"), ordering="template")
    def template_shown(self, obj):
        return template_label(obj.template)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description=pgettext_lazy("recipient", "to"))
    def recipients_display(self, obj):
        return ", ".join(self._address(r) for r in obj.to)

    @admin.display(description=_("cc"))
    def cc_display(self, obj):
        return ", ".join(self._address(r) for r in obj.cc) or "—"

    @admin.display(description=_("bcc"))
    def bcc_display(self, obj):
        return ", ".join(self._address(r) for r in obj.bcc) or "—"

    @admin.display(description=_("reply to"))
    def reply_to_display(self, obj):
        return ", ".join(self._address(r) for r in obj.reply_to) or "—"

    @staticmethod
    def _address(recipient) -> str:
        if isinstance(recipient, str):
            return recipient
        name, email = recipient.get("name", ""), recipient.get("email", "")
        return f"{name} <{email}>" if name else email

    @admin.display(description=_("resend of"))
    def resend_of_link(self, obj):
        if obj.resend_of_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:communications_outboxmessage_change", args=[obj.resend_of_id])
        return format_html('<a href="{}">{}</a>', url, obj.resend_of_id)

    @admin.display(description=_("HTML body"))
    def preview(self, obj):
        if not obj.body_html:
            return "—"
        return _iframe(reverse(f"{self.admin_site.name}:communications_outboxmessage_preview", args=[obj.pk]))

    @admin.display(description=_("text body"))
    def text_display(self, obj):
        return format_html('<pre style="white-space:pre-wrap;max-width:760px">{}</pre>', obj.body_text)

    @admin.display(description=_("attachments"))
    def attachments_display(self, obj):
        rows = [
            (
                reverse(f"{self.admin_site.name}:communications_outboxmessage_attachment", args=[obj.pk, a.pk]),
                a.filename,
                a.content_type,
                a.size,
                a.sha256,
            )
            for a in obj.attachments.all()
        ]
        if not rows:
            return "—"
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> · {} · {} B · <code>{}</code></div>',
            rows,
        )

    @admin.display(description=_("actions"))
    def act(self, obj):
        """Buttons that post the admin's own form (with its CSRF token) to the action URLs; shown
        only to whoever may act (``get_fieldsets``), and each view checks again."""
        info = self.admin_site.name
        parts = []
        if obj.status in RESENDABLE:
            parts.append(
                format_html(
                    '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
                    reverse(f"{info}:communications_outboxmessage_resend", args=[obj.pk]),
                    gettext("Send again"),
                )
            )
        if obj.status == MessageStatus.SENDING:
            parts.append(
                format_html(
                    '<input type="text" name="note" maxlength="500" placeholder="{}" size="40"> '
                    '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
                    gettext("What the provider's log shows"),
                    reverse(f"{info}:communications_outboxmessage_mark_sent", args=[obj.pk]),
                    gettext("Mark as sent (checked in provider log)"),
                )
            )
        if obj.status == MessageStatus.QUEUED:
            parts.append(
                format_html(
                    '<input type="text" name="reason" maxlength="500" placeholder="{}" size="40"> '
                    '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
                    gettext("Why it must not go out"),
                    reverse(f"{info}:communications_outboxmessage_cancel", args=[obj.pk]),
                    gettext("Cancel sending"),
                )
            )
        return format_html_join(" ", "{}", ((p,) for p in parts)) if parts else "—"

    def get_fieldsets(self, request, obj=None):
        if self.may_act(request):
            return self.fieldsets
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "act"]})
            for title, options in self.fieldsets
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "created_by").prefetch_related("recipients")

    # --- Actions ------------------------------------------------------------------------------

    @admin.action(description=_("Send selected messages again"), permissions=["change"])
    def send_again(self, request, queryset):
        from ..services.outbox import message_resend

        done, refused = 0, []
        for message in queryset.order_by("pk"):
            try:
                message_resend(message=message, as_of=timezone.now(), by=request.user)
            except ValidationError as exc:
                refused.append(f"#{message.pk}: {' '.join(exc.messages)}")
            else:
                done += 1
        if done:
            self.message_user(
                request, gettext("%(count)d message(s) queued again.") % {"count": done}, messages.SUCCESS
            )
        for text in refused:
            self.message_user(request, text, messages.ERROR)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            *self.message_urls(),
            path("<path:object_id>/resend/", view(self.resend_view), name="communications_outboxmessage_resend"),
            path(
                "<path:object_id>/mark-sent/",
                view(self.mark_sent_view),
                name="communications_outboxmessage_mark_sent",
            ),
            path("<path:object_id>/cancel/", view(self.cancel_view), name="communications_outboxmessage_cancel"),
            *super().get_urls(),
        ]

    def _change_page(self, message_id: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:communications_outboxmessage_change", args=[message_id])
        )

    def _act(self, request, object_id, run, done_text):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message(request, object_id, act=True)
        try:
            result = run(message)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return self._change_page(message.pk)
        self.message_user(request, done_text, messages.SUCCESS)
        return self._change_page(result.pk if isinstance(result, OutboxMessage) else message.pk)

    def resend_view(self, request, object_id):
        from ..services.outbox import message_resend

        return self._act(
            request,
            object_id,
            lambda m: message_resend(message=m, as_of=timezone.now(), by=request.user),
            gettext("The message is queued again as a new message."),
        )

    def mark_sent_view(self, request, object_id):
        from ..services.outbox import message_mark_sent

        note = request.POST.get("note", "").strip()
        return self._act(
            request,
            object_id,
            lambda m: message_mark_sent(message=m, as_of=timezone.now(), by=request.user, note=note),
            gettext("The message is recorded as sent."),
        )

    def cancel_view(self, request, object_id):
        from ..services.outbox import message_cancel

        reason = request.POST.get("reason", "").strip()
        return self._act(
            request,
            object_id,
            lambda m: message_cancel(message=m, as_of=timezone.now(), by=request.user, reason=reason),
            gettext("The message is cancelled; it will not be sent."),
        )
