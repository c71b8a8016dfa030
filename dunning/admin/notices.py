"""Admin of dunning: notices. The marks the scheduled jobs write (read only: the jobs' record of
what they did once), and the customer list's action "Send account statement"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from customers.models import Customer

from ..models import DueDateNotice, OverdueMark, StatementDispatch
from ..notices import account_statement_send


class ReadOnlyMarkAdmin(admin.ModelAdmin):
    list_select_related = True
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OverdueMark)
class OverdueMarkAdmin(ReadOnlyMarkAdmin):
    list_display = ("invoice", "due_date", "created_at")
    search_fields = ("invoice__number",)
    raw_id_fields = ("invoice",)


@admin.register(DueDateNotice)
class DueDateNoticeAdmin(ReadOnlyMarkAdmin):
    list_display = ("invoice", "due_date", "message", "created_at")
    search_fields = ("invoice__number",)
    raw_id_fields = ("invoice", "message")


@admin.register(StatementDispatch)
class StatementDispatchAdmin(ReadOnlyMarkAdmin):
    list_display = ("customer", "period_end", "message", "created_at")
    search_fields = ("customer__number", "customer__legal_name")
    raw_id_fields = ("customer", "message")


@admin.action(description=gettext_lazy("Send account statement"), permissions=["change"])
def customer_statement_send(modeladmin, request, queryset):
    """This month's statement so far (1st to today) to each selected customer, through the outbox."""
    now = timezone.now()
    sent, refused = 0, []
    for customer in queryset.order_by("pk"):
        try:
            account_statement_send(customer=customer, as_of=now, by=request.user)
        except ValidationError as exc:
            refused.append(f"{customer.number} {customer.legal_name}: {' '.join(exc.messages)}")
        else:
            sent += 1
    if sent:
        messages.success(
            request,
            ngettext(
                "%(count)s account statement queued for sending.",
                "%(count)s account statements queued for sending.",
                sent,
            )
            % {"count": sent},
        )
    for line in refused:
        messages.warning(request, _("Not sent: %(reason)s") % {"reason": line})


# customers knows nothing of dunning: the action is added to the registered customer admin (dunning
# comes after customers and payments in INSTALLED_APPS, so their admin modules are loaded).
_customer_admin = admin.site._registry[Customer]
if customer_statement_send not in (_customer_admin.actions or []):
    _customer_admin.actions = [*(_customer_admin.actions or []), customer_statement_send]
