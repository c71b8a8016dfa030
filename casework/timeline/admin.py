"""Casework in the admin: notes and calls (read-only records) and, hung on them, the customer's
timeline page with "Add note", "Log a call" and "Write to customer".

The pages live under the notes' admin (``/admin/communications/customernote/customer/<id>/…``)
because casework has no model of its own for them; every finance role may read the timeline,
accountants and up add notes and calls and write letters."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communications.models import CustomerNote
from core.formatting import datetime_text

from ..letters.views import letter_view
from .views import call_log_view, note_add_view, timeline_view


@admin.register(CustomerNote)
class CustomerNoteAdmin(admin.ModelAdmin):
    list_display = ["when", "customer", "kind", "outcome", "author"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["customer", "author"]
    search_fields = ["customer__legal_name", "customer__number"]
    search_help_text = _("Legal name or customer number.")
    fields = ["customer", "contact", "kind", "occurred_at", "direction", "outcome", "summary", "author", "created_at"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]

    @admin.display(description=_("when"), ordering="occurred_at")
    def when(self, obj):
        return datetime_text(obj.occurred_at)

    # Notes are records: written through the timeline's forms (and the API), never edited.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        self.message_user(request, gettext("Add notes and calls on the customer's timeline."))
        return HttpResponseRedirect(reverse("admin:customers_customer_changelist"))

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(lambda request, customer_pk: function(self, request, customer_pk))

        return [
            path(
                "customer/<int:customer_pk>/timeline/", view(timeline_view), name="communications_customernote_timeline"
            ),
            path("customer/<int:customer_pk>/note/", view(note_add_view), name="communications_customernote_note"),
            path("customer/<int:customer_pk>/call/", view(call_log_view), name="communications_customernote_call"),
            path("customer/<int:customer_pk>/write/", view(letter_view), name="communications_customernote_letter"),
            *super().get_urls(),
        ]
