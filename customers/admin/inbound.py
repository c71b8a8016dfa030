"""Incoming replies in the admin: read-only, linked to customer, contact, message and invoice."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.admin_site import ReadOnlyMixin

from ..models import InboundAttachment, InboundMessage
from .message_display import CustomerIdFilter, CustomerLinkMixin, _iframe, html_preview_response, stored_file_response


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyMixin, CustomerLinkMixin, admin.ModelAdmin):
    list_display = ["received_at", "from_email", "customer_link", "subject", "matched_by", "invoice"]
    list_filter = ["matched_by", CustomerIdFilter, ("received_at", admin.DateFieldListFilter)]
    search_fields = ["subject", "from_email", "from_name", "message_id", "customer__legal_name", "customer__number"]
    list_select_related = ["customer", "invoice"]
    date_hierarchy = "received_at"
    ordering = ["-received_at", "-id"]
    fields = [
        "received_at",
        "customer_link",
        "contact",
        "from_name",
        "from_email",
        "to",
        "subject",
        "matched_by",
        "in_reply_to",
        "invoice",
        "message_id",
        "provider",
        "provider_message_id",
        "text_display",
        "preview",
        "attachments_display",
    ]
    readonly_fields = fields

    @admin.display(description=_("text body"))
    def text_display(self, obj):
        return format_html('<pre style="white-space:pre-wrap;max-width:760px">{}</pre>', obj.body_text or "—")

    @admin.display(description=_("HTML body"))
    def preview(self, obj):
        if not obj.body_html:
            return "—"
        return _iframe(reverse(f"{self.admin_site.name}:customers_inboundmessage_preview", args=[obj.pk]))

    @admin.display(description=_("attachments"))
    def attachments_display(self, obj):
        rows = [
            (
                reverse(f"{self.admin_site.name}:customers_inboundmessage_attachment", args=[obj.pk, a.pk]),
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
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/preview/", view(self.preview_view), name="customers_inboundmessage_preview"),
            path(
                "<path:object_id>/attachment/<int:attachment_id>/",
                view(self.attachment_view),
                name="customers_inboundmessage_attachment",
            ),
            *super().get_urls(),
        ]

    def _message(self, request, object_id) -> InboundMessage:
        message = self.get_object(request, unquote(object_id))
        if message is None or not self.has_view_permission(request, message):
            raise Http404(gettext("No such message."))
        return message

    @xframe_options_sameorigin
    def preview_view(self, request, object_id):
        """A customer's HTML is untrusted: shown only inside the sandbox, under the strict CSP."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return html_preview_response(self._message(request, object_id).body_html)

    def attachment_view(self, request, object_id, attachment_id):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        message = self._message(request, object_id)
        attachment = InboundAttachment.objects.filter(message=message, pk=attachment_id).first()
        if attachment is None:
            raise Http404(gettext("No such attachment."))
        return stored_file_response(attachment)
