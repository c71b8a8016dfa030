"""What the e-mail pages share: status badges, the sandboxed HTML preview, stored files, the customer link."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.documents import document_read
from customers.admin.customers import badge

from ..models import MessageStatus
from ..registry import subject_label
from ..selectors import subjects_of

# Status → one of the badge colours the customers admin already has (styles.html).
STATUS_COLOURS = {
    MessageStatus.QUEUED: "pending",
    MessageStatus.SENDING: "pending",
    MessageStatus.SENT: "passed",
    MessageStatus.DELIVERED: "passed",
    MessageStatus.BOUNCED: "failed",
    MessageStatus.FAILED: "failed",
    MessageStatus.CANCELLED: "unverified",
}
RESENDABLE = (
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.BOUNCED,
    MessageStatus.FAILED,
)
# What a message's HTML may do in the preview: show itself with its inline styles. Nothing else —
# no script, no form, no request to anywhere (a tracking pixel must not fire from the admin).
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; sandbox"
)


def status_badge(status: str, label) -> str:
    return badge(STATUS_COLOURS.get(status, "unverified"), label)


def html_preview_response(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_file_response(attachment) -> HttpResponse:
    """A stored attachment, checked against its SHA-256, as a download (never shown inline)."""
    data = document_read(name=attachment.file.name, sha256=attachment.sha256, label=attachment.filename)
    response = HttpResponse(data, content_type="application/octet-stream")
    safe_name = attachment.filename.replace('"', "").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _iframe(url: str) -> str:
    # sandbox="" on top of the CSP: even a browser that ignores the header runs no script.
    return format_html(
        '<iframe sandbox="" referrerpolicy="no-referrer" src="{}" title="{}" '
        'style="width:100%;max-width:760px;height:560px;border:1px solid #ccc;background:#fff"></iframe>',
        url,
        gettext("Preview"),
    )


class CustomerLinkMixin:
    @admin.display(description=_("customer"), ordering="customer__legal_name")
    def customer_link(self, obj):
        if obj.customer_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer)


class SubjectLinksMixin:
    @admin.display(description=pgettext_lazy("what a message is about", "subjects"))
    def subjects_link(self, obj):
        """Each subject linked to its admin page, found by its content type (no import of its app)."""
        parts = []
        for subject in subjects_of(obj):
            meta = subject._meta
            try:
                url = reverse(f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_change", args=[subject.pk])
            except NoReverseMatch:
                url = ""
            parts.append((url, subject_label(subject)))
        if not parts:
            return "—"
        return format_html_join(", ", "{}", ((format_html('<a href="{}">{}</a>', u, t) if u else t,) for u, t in parts))


class CustomerIdFilter(admin.SimpleListFilter):
    """One customer's messages (``?customer=<id>``), e.g. linked from the customer's page; no list of
    thousands of customers in the sidebar — only the chosen one is shown."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        customer = model_admin.model._meta.get_field("customer").related_model.objects.filter(pk=value).first()
        return [(value, str(customer) if customer else value)]

    def queryset(self, request, queryset):
        value = self.value()
        if value:
            if not value.isdigit():
                return queryset.none()
            return queryset.filter(customer_id=int(value))
        return queryset


class StoredMessageViews:
    """The pages a stored message (sent or received) has beside its own: its HTML in the sandboxed
    frame, under the strict CSP, and its attachments checked against their hash."""

    attachment_model = None  # OutboxAttachment or InboundAttachment

    def message_urls(self) -> list:
        view, name = self.admin_site.admin_view, f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/preview/", view(self.preview_view), name=f"{name}_preview"),
            path(
                "<path:object_id>/attachment/<int:attachment_id>/",
                view(self.attachment_view),
                name=f"{name}_attachment",
            ),
        ]

    def _message(self, request, object_id, *, act: bool = False):
        if act and not self.may_act(request):
            raise PermissionDenied
        message = self.get_object(request, unquote(object_id))
        if message is None or not self.has_view_permission(request, message):
            raise Http404(gettext("No such message."))
        return message

    @xframe_options_sameorigin
    def preview_view(self, request, object_id):
        """The message's HTML (a customer's is untrusted) only inside the sandbox, under the strict CSP."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return html_preview_response(self._message(request, object_id).body_html)

    def attachment_view(self, request, object_id, attachment_id):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        message = self._message(request, object_id)
        attachment = self.attachment_model.objects.filter(message=message, pk=attachment_id).first()
        if attachment is None:
            raise Http404(gettext("No such attachment."))
        return stored_file_response(attachment)
