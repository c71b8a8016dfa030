"""SEPA batches in the admin: the list, a batch with its items, and the pages that act on one —
create a collection (with a preview of what it takes), download the file, mark it submitted,
cancel it. Every write goes through the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import MoneyFieldsMixin, amount_cell
from core.formatting import date_text, datetime_text, money_text

from .. import services
from ..calendar import target2_add
from ..models import Batch, BatchItem, BatchStatus, MandateScheme
from ..services.errors import SepaConflict

TEMPLATE = "sepa/admin/action.html"


class BatchItemInline(admin.TabularInline):
    model = BatchItem
    fk_name = "batch"
    extra = 0
    can_delete = False
    fields = [
        "customer",
        "invoice",
        "mandate",
        "sequence_type",
        "amount_shown",
        "status",
        "return_reason",
        "end_to_end_id",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "invoice", "mandate")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return money_text(obj.amount, obj.currency)


class CollectionForm(forms.Form):
    collection_date = forms.DateField(
        label=_("collection date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),  # a date input takes ISO only
        help_text=_("a TARGET2 business day, at least one after today"),
    )
    scheme = forms.ChoiceField(label=_("scheme"), choices=MandateScheme.choices, initial=MandateScheme.CORE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


@admin.register(Batch)
class BatchAdmin(MoneyFieldsMixin, admin.ModelAdmin):
    list_display = [
        "message_id",
        "kind",
        "status",
        "requested_date_shown",
        "total_shown",
        "item_count",
        "created_at_shown",
        "created_by",
    ]
    list_filter = ["status", "kind", "scheme"]
    search_fields = ["message_id", "items__end_to_end_id"]
    list_select_related = ["created_by"]
    inlines = [BatchItemInline]
    fieldsets = [
        (None, {"fields": ["tools", "kind", "status", "schema", "scheme", "message_id"]}),
        (_("Contents"), {"fields": ["requested_date", "total", "item_count", "creditor_id", "checksum"]}),
        (
            _("History"),
            {
                "fields": [
                    ("created_at", "created_by"),
                    ("submitted_at", "submitted_by"),
                    "confirmed_at",
                    ("cancelled_at", "cancelled_by"),
                    "cancel_reason",
                ]
            },
        ),
    ]
    readonly_fields = [
        "tools",
        "kind",
        "status",
        "schema",
        "scheme",
        "message_id",
        "requested_date",
        "total",
        "item_count",
        "creditor_id",
        "checksum",
        "created_at",
        "created_by",
        "submitted_at",
        "submitted_by",
        "confirmed_at",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
    ]

    change_list_template = "sepa/admin/batch_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("xml")

    def changelist_view(self, request, extra_context=None):
        refund_url = reverse("admin:sepa_batch_refund") if self._may_act(request) else ""
        return super().changelist_view(request, {"refund_url": refund_url, **(extra_context or {})})

    def has_delete_permission(self, request, obj=None):
        return False  # a file handed to the bank is a record; it is cancelled, never deleted

    def has_change_permission(self, request, obj=None):
        return False  # read-only page; the actions below change it

    def _may_act(self, request) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("sepa.change_batch")

    # --- columns -----------------------------------------------------------------------------
    @admin.display(description=_("requested date"), ordering="requested_date")
    def requested_date_shown(self, obj):
        return date_text(obj.requested_date)

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, obj):
        return amount_cell(obj.total, obj.currency)

    @admin.display(description=_("created"), ordering="created_at")
    def created_at_shown(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("file"))
    def tools(self, obj):
        links = [(reverse("admin:sepa_batch_download", args=[obj.pk]), gettext("Download the file"))]
        if obj.status == BatchStatus.CREATED:
            links.append((reverse("admin:sepa_batch_submit", args=[obj.pk]), gettext("Mark as submitted")))
        if obj.status == BatchStatus.SUBMITTED:
            links.append((reverse("admin:sepa_batch_book", args=[obj.pk]), gettext("Book items from a statement line")))
        if obj.status in (BatchStatus.CREATED, BatchStatus.SUBMITTED) and obj.kind == "direct_debit":
            links.append((reverse("admin:sepa_batch_cancel", args=[obj.pk]), gettext("Cancel")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    # --- pages -------------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("refund/", view(self.refund_view), name="sepa_batch_refund"),
            path("<path:object_id>/download/", view(self.download_view), name="sepa_batch_download"),
            path("<path:object_id>/book/", view(self.book_view), name="sepa_batch_book"),
            path("<path:object_id>/submit/", view(self.submit_view), name="sepa_batch_submit"),
            path("<path:object_id>/cancel/", view(self.cancel_view), name="sepa_batch_cancel"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return self._may_act(request)

    def _page(self, request, title, form, *, submit, batch=None, preview=None, explanation="") -> TemplateResponse:
        return TemplateResponse(
            request,
            TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "submit_label": submit,
                "batch": batch,
                "preview": preview,
                "explanation": explanation,
                "back_url": reverse("admin:sepa_batch_change", args=[batch.pk])
                if batch
                else reverse("admin:sepa_batch_changelist"),
            },
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Create a collection: first a preview of what it takes, then the file."""
        if not self._may_act(request):
            raise PermissionDenied
        initial = {"collection_date": target2_add(timezone.localdate(), 1)}
        form = CollectionForm(request.POST if request.method == "POST" else None, initial=initial)
        preview = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if "create" in request.POST:
                    batch = services.collection_batch_create(
                        collection_date=data["collection_date"],
                        scheme=data["scheme"],
                        as_of=timezone.now(),
                        by=request.user,
                    )
                    self.message_user(
                        request,
                        gettext("Collection %(id)s created: %(count)s invoices, %(total)s.")
                        % {
                            "id": batch.message_id,
                            "count": batch.item_count,
                            "total": money_text(batch.total, batch.currency),
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:sepa_batch_change", args=[batch.pk]))
                found = services.collection_preview(
                    collection_date=data["collection_date"], scheme=data["scheme"], as_of=timezone.now()
                )
                preview = {
                    "count": len(found),
                    "total": money_text(sum((c.amount for c in found), Decimal("0")), "EUR"),
                    "rows": [
                        {
                            "customer": c.invoice.customer,
                            "invoice": c.invoice.number,
                            "due": date_text(c.invoice.due_date),
                            "amount": money_text(c.amount, "EUR"),
                            "sequence": c.mandate.get_sequence_type_display(),
                        }
                        for c in found[:200]
                    ],
                }
            except ValidationError as exc:
                for field, problems in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    form.add_error(field if field in form.fields else None, problems)
            except SepaConflict as exc:
                form.add_error(None, str(exc))
        return self._page(
            request,
            gettext("Create a direct-debit collection"),
            form,
            submit=gettext("Show what it takes"),
            preview=preview,
            explanation=gettext(
                "Takes every open EUR invoice due by the collection date whose customer has an active mandate "
                "of the scheme and whose invoice date lies at least the pre-notification days before it."
            ),
        )

    def _batch(self, request, object_id) -> Batch:
        batch = Batch.objects.filter(pk=unquote(object_id)).first()
        if batch is None:
            raise Http404(gettext("No such SEPA file."))
        return batch

    def refund_view(self, request):
        from .refunds import refund_view

        return refund_view(self, request)

    def book_view(self, request, object_id):
        from .booking import book_view

        return book_view(self, request, self._batch(request, object_id))

    def download_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = self._batch(request, object_id)
        response = HttpResponse(batch.xml.encode("utf-8"), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
        return response

    def _act(self, request, object_id, *, title, submit, call, explanation="", with_reason=False):
        if not self._may_act(request):
            raise PermissionDenied
        batch = self._batch(request, object_id)
        data = request.POST if request.method == "POST" else None
        form = ReasonForm(data) if with_reason else forms.Form(data)
        if request.method == "POST" and form.is_valid():
            try:
                call(batch, form.cleaned_data.get("reason", ""))
                return HttpResponseRedirect(reverse("admin:sepa_batch_change", args=[batch.pk]))
            except ValidationError as exc:
                for field, problems in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    form.add_error(field if field in form.fields else None, problems)
            except SepaConflict as exc:
                form.add_error(None, str(exc))
        return self._page(request, title, form, submit=submit, batch=batch, explanation=explanation)

    def submit_view(self, request, object_id):
        return self._act(
            request,
            object_id,
            title=gettext("Mark the file as submitted to the bank"),
            submit=gettext("Mark as submitted"),
            call=lambda batch, _reason: services.batch_mark_submitted(
                batch=batch, as_of=timezone.now(), by=request.user
            ),
        )

    def cancel_view(self, request, object_id):
        return self._act(
            request,
            object_id,
            title=gettext("Cancel the file"),
            submit=gettext("Cancel the file"),
            with_reason=True,
            explanation=gettext(
                "Its invoices can be collected again. A file the bank already has needs a reason "
                "(and the bank's agreement)."
            ),
            call=lambda batch, reason: services.batch_cancel(
                batch=batch, as_of=timezone.now(), by=request.user, reason=reason
            ),
        )
