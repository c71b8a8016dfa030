"""Customer page links in the admin: the list of links (revoke), and on the invoice and customer
lists the actions "create customer page link" (shows the link to copy) and "revoke customer page
links". invoicing and customers know nothing of the portal: the actions are added here to their
registered admins (this module is imported after theirs: portal comes later in INSTALLED_APPS)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import datetime_text
from customers.models import Customer
from invoicing.models import DocumentStatus, Invoice

from .models import PageLink, PageLinkStatus
from .services import page_link_create, page_link_revoke, page_links_revoke_all


def _user(request):
    return request.user if getattr(request.user, "pk", None) else None


def _show_new_links(request, made: list) -> None:
    if not made:
        return
    rows = format_html_join(
        "",
        '<li>{}: <a href="{}">{}</a> ({})</li>',
        (
            (
                label,
                request.build_absolute_uri(new.path),
                request.build_absolute_uri(new.path),
                _("valid until %(date)s") % {"date": datetime_text(new.link.expires_at)},
            )
            for label, new in made
        ),
    )
    messages.success(
        request,
        format_html(
            "{}<ul>{}</ul>",
            _("Copy the link now and send it to the customer: it is shown only this once."),
            rows,
        ),
    )


@admin.action(description=gettext_lazy("Create a customer page link (to copy)"), permissions=["change"])
def invoice_page_link_create(modeladmin, request, queryset):
    now = timezone.now()
    made, skipped = [], []
    for invoice in queryset.select_related("customer").order_by("pk"):
        if invoice.status != DocumentStatus.ISSUED:
            skipped.append(invoice.number or _("draft"))
            continue
        made.append((invoice.number, page_link_create(invoice=invoice, as_of=now, by=_user(request))))
    _show_new_links(request, made)
    if skipped:
        messages.warning(
            request,
            _("No link for documents that are not issued: %(documents)s") % {"documents": ", ".join(skipped)},
        )


@admin.action(description=gettext_lazy("Revoke the customer page links"), permissions=["change"])
def invoice_page_links_revoke(modeladmin, request, queryset):
    now = timezone.now()
    count = sum(page_links_revoke_all(invoice=invoice, as_of=now, by=_user(request)) for invoice in queryset)
    messages.success(request, ngettext("%(count)s link revoked.", "%(count)s links revoked.", count) % {"count": count})


@admin.action(description=gettext_lazy("Create a customer page link to the account (to copy)"), permissions=["change"])
def customer_page_link_create(modeladmin, request, queryset):
    now = timezone.now()
    made = [
        (f"{customer.number} {customer.legal_name}", page_link_create(customer=customer, as_of=now, by=_user(request)))
        for customer in queryset.order_by("pk")
    ]
    _show_new_links(request, made)


@admin.action(description=gettext_lazy("Revoke all customer page links"), permissions=["change"])
def customer_page_links_revoke(modeladmin, request, queryset):
    now = timezone.now()
    count = sum(page_links_revoke_all(customer=customer, as_of=now, by=_user(request)) for customer in queryset)
    messages.success(request, ngettext("%(count)s link revoked.", "%(count)s links revoked.", count) % {"count": count})


def _add_actions(model, *actions) -> None:
    model_admin = admin.site._registry[model]
    model_admin.actions = [*(model_admin.actions or []), *[a for a in actions if a not in (model_admin.actions or [])]]


_add_actions(Invoice, invoice_page_link_create, invoice_page_links_revoke)
_add_actions(Customer, customer_page_link_create, customer_page_links_revoke)


@admin.register(PageLink)
class PageLinkAdmin(admin.ModelAdmin):
    """Links are made from the invoice and customer lists (or the API); here they are read and revoked."""

    list_display = ["link_for", "customer", "status_word", "created", "expires", "first_viewed", "view_count"]
    list_filter = ["status"]
    search_fields = ["customer__number", "customer__legal_name", "invoice__number"]
    list_select_related = ["customer", "invoice"]
    actions = ["revoke"]
    fields = [
        "customer",
        "invoice",
        "status_word",
        "created",
        "created_by",
        "expires",
        "revoked",
        "revoked_by",
        "first_viewed",
        "last_viewed",
        "view_count",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # made by the actions on invoices and customers, which show the link once

    def has_change_permission(self, request, obj=None):
        # The list's "revoke" is the one change (accountants and up); a link itself is never edited.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked link stays as the record of what was sent

    @admin.action(description=gettext_lazy("Revoke the selected links"), permissions=["change"])
    def revoke(self, request, queryset):
        now = timezone.now()
        count = 0
        for link in queryset.filter(status=PageLinkStatus.ACTIVE).order_by("pk"):
            page_link_revoke(link=link, as_of=now, by=_user(request))
            count += 1
        self.message_user(
            request, ngettext("%(count)s link revoked.", "%(count)s links revoked.", count) % {"count": count}
        )

    @admin.display(description=gettext_lazy("link to"))
    def link_for(self, obj):
        if obj.invoice_id:
            return _("invoice %(number)s") % {"number": obj.invoice.number}
        return _("the account")

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_word(self, obj):
        if obj.status == PageLinkStatus.ACTIVE and obj.expires_at <= timezone.now():
            return _("expired")
        return obj.get_status_display()

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=gettext_lazy("expires"), ordering="expires_at")
    def expires(self, obj):
        return datetime_text(obj.expires_at)

    @admin.display(description=gettext_lazy("revoked"))
    def revoked(self, obj):
        return datetime_text(obj.revoked_at)

    @admin.display(description=gettext_lazy("first viewed"), ordering="first_viewed_at")
    def first_viewed(self, obj):
        return datetime_text(obj.first_viewed_at)

    @admin.display(description=gettext_lazy("last viewed"))
    def last_viewed(self, obj):
        return datetime_text(obj.last_viewed_at)
