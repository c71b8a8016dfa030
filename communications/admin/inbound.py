"""Incoming replies in the admin: read-only, linked to customer, contact, message and subjects."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin_site import ReadOnlyMixin

from ..models import InboundAttachment, InboundMessage
from .message_display import (
    CustomerIdFilter,
    CustomerLinkMixin,
    StoredMessageViews,
    SubjectLinksMixin,
    _iframe,
)


@admin.register(InboundMessage)
class InboundMessageAdmin(StoredMessageViews, ReadOnlyMixin, CustomerLinkMixin, SubjectLinksMixin, admin.ModelAdmin):
    attachment_model = InboundAttachment
    list_display = ["received_at", "from_email", "customer_link", "subject", "matched_by", "subjects_link"]
    list_filter = ["matched_by", CustomerIdFilter, ("received_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "from_email", "from_name", "message_id", "customer__legal_name", "customer__number"]
    list_select_related = ["customer"]
    date_hierarchy = "received_at"
    ordering = ["-received_at", "-id"]
    fields = [
        "received_at",
        "customer_link",
        "contact",
        "from_name",
        "from_email",
        "to_shown",
        "subject",
        "matched_by",
        "in_reply_to",
        "subjects_link",
        "message_id",
        "provider",
        "provider_message_id",
        "text_display",
        "preview",
        "attachments_display",
    ]
    readonly_fields = fields

    @admin.display(description=pgettext_lazy("recipient", "to"))
    def to_shown(self, obj):
        # Stored as [{"name": ..., "email": ...}] (the parsed To header).
        return (
            ", ".join(
                f"{entry.get('name')} <{entry.get('email')}>" if entry.get("name") else str(entry.get("email", ""))
                for entry in obj.to or []
                if isinstance(entry, dict)
            )
            or "—"
        )

    @admin.display(description=_("text body"))
    def text_display(self, obj):
        return format_html('<pre style="white-space:pre-wrap;max-width:760px">{}</pre>', obj.body_text or "—")

    @admin.display(description=_("HTML body"))
    def preview(self, obj):
        if not obj.body_html:
            return "—"
        return _iframe(reverse(f"{self.admin_site.name}:communications_inboundmessage_preview", args=[obj.pk]))

    @admin.display(description=_("attachments"))
    def attachments_display(self, obj):
        rows = [
            (
                reverse(f"{self.admin_site.name}:communications_inboundmessage_attachment", args=[obj.pk, a.pk]),
                a.filename,
                a.content_type,
                a.size,
            )
            for a in obj.attachments.all()
        ]
        if not rows:
            return "—"
        return format_html_join("", '<div><a href="{}">{}</a> · {} · {} B</div>', rows)

    def get_urls(self):
        return [*self.message_urls(), *super().get_urls()]
