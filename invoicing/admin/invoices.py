"""Invoices in the admin: finance staff edit drafts, read issued documents and act on them.

Every write goes through invoicing.services. The draft form and its line and allowance rows
validate with the services' own checks (invoicing/forms.py); saving hands the header and the
rows, replaced as a whole, to ``invoice_draft_create``/``invoice_draft_update`` inside the
admin's one transaction per request, so an invalid row leaves everything unsaved. Issued and
cancelled documents are read-only (GoBD): no save button, no deletion, the inline rows as
text, with the seller and buyer as issued, the VAT breakdown, the terms and every event.
"Issue", "Create credit note" and "Change due date" are pages of their own that post to the
services; "Send invoice" / "Send again" is a button on the invoice (``invoice_send``), which also
lists the document's e-mails with their status. They need change permission, so finance viewers
neither see nor reach them.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import ServiceRefusalMixin
from core.roles import Role, role_of

from .. import services
from ..forms import (
    CreditNoteForm,
    DueDateForm,
    InvoiceAllowanceChargeForm,
    InvoiceForm,
    InvoiceLineForm,
    InvoiceLineFormSet,
    InvoiceRowFormSet,
    IssueForm,
)
from ..models import (
    DocumentState,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceDocument,
    InvoiceLine,
)
from ..services.documents import (
    DocumentsNotReady,
    invoice_document_get,
    invoice_document_read,
    invoice_documents_recheck,
)
from ..services.drafts import ALLOWANCE_FIELDS, LINE_FIELDS, DocumentNotEditable, DocumentStateConflict
from ..services.sending import invoice_send
from ..totals import TotalsError
from .display import (
    TOTAL_ROWS,
    _event_details,
    _state_label,
    address_block,
    badge,
    decimal_text,
    money,
    rate_label,
    totals_of,
)
from .filters import CustomerFilter, OverdueFilter

# --- Invoices -----------------------------------------------------------------------------------


class DraftRowInline(admin.TabularInline):
    """Rows of a draft are edited with it; once issued they are text.

    Each fieldset line is one table cell with its fields stacked (``columns`` names them), so an
    invoice line's twelve fields fit the page without scrolling sideways.
    """

    formset = InvoiceRowFormSet
    template = "admin/invoicing/invoice/rows_tabular.html"
    extra = 0
    columns: list[tuple] = []

    def _editable(self, request, obj) -> bool:
        return (obj is None or obj.is_draft) and request.user.has_perm("invoicing.change_invoice")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("invoicing.view_invoice")


def _related_widget_without_edits(formfield):
    """Choose a customer or terms on an invoice; editing or deleting them happens on their own pages."""
    widget = getattr(formfield, "widget", None)
    for flag in ("can_change_related", "can_delete_related", "can_add_related"):
        if hasattr(widget, flag):
            setattr(widget, flag, False)
    return formfield


class InvoiceLineInline(DraftRowInline):
    model = InvoiceLine
    form = InvoiceLineForm
    formset = InvoiceLineFormSet
    fields = [
        ("description", "item_number"),
        ("quantity", "unit_code"),
        ("unit_price", "price_base_quantity"),
        ("allowance_percent", "allowance_amount"),
        ("vat_category", "vat_rate"),
        ("exemption_reason", "exemption_code"),
        "line_net",
    ]
    readonly_fields = ["line_net"]
    columns = [
        (_("description"), _("item number")),
        (_("quantity"), _("unit (UN/ECE Rec. 20)")),
        (_("unit net price"), _("per quantity")),
        (_("line allowance %"), _("or amount")),
        (_("VAT category"), _("VAT rate (%)")),
        (_("exemption reason"), _("exemption code")),
        (_("net amount"), ""),
    ]

    # Issued rows are text: 6 hours at 95.00, not 6.0000 at 95.0000.
    readonly_columns = [
        ("description", "item_number"),
        ("quantity_text", "unit_code"),
        ("price_text", "base_quantity_text"),
        ("allowance_percent", "allowance_amount"),
        ("vat_category", "vat_rate"),
        ("exemption_reason", "exemption_code"),
        "line_net",
    ]

    def get_fields(self, request, obj=None):
        return self.fields if self._editable(request, obj) else self.readonly_columns

    def get_readonly_fields(self, request, obj=None):
        return (
            self.readonly_fields
            if self._editable(request, obj)
            else flatten_fieldsets([(None, {"fields": self.readonly_columns})])
        )

    @admin.display(description=_("quantity"))
    def quantity_text(self, line):
        return decimal_text(line.quantity)

    @admin.display(description=_("unit net price"))
    def price_text(self, line):
        return decimal_text(line.unit_price, 2)

    @admin.display(description=_("per quantity"))
    def base_quantity_text(self, line):
        return decimal_text(line.price_base_quantity)

    @admin.display(description=_("net amount"))
    def line_net(self, line):
        # Computed by the services when saved; a row not saved yet has none.
        return decimal_text(line.net_amount, 2) if line.pk else "—"

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None:
            return 3
        return 1 if obj.is_draft else 0


class InvoiceAllowanceChargeInline(DraftRowInline):
    model = InvoiceAllowanceCharge
    form = InvoiceAllowanceChargeForm
    fields = [
        "is_charge",
        ("reason", "reason_code"),
        "amount",
        ("percent", "base_amount"),
        ("vat_category", "vat_rate"),
        "computed",
    ]
    readonly_fields = ["computed"]
    columns = [
        (_("charge"), _("(else allowance)")),
        (_("reason"), _("reason code")),
        (_("amount"), ""),
        (_("or percent"), _("of base amount")),
        (_("VAT category"), _("VAT rate (%)")),
        (_("computed amount"), ""),
    ]

    @admin.display(description=_("computed amount"))
    def computed(self, row):
        return decimal_text(row.computed_amount, 2) if row.pk else "—"


@admin.register(Invoice)
class InvoiceAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    refusal_messages = (DocumentNotEditable,)
    form = InvoiceForm
    inlines = [InvoiceLineInline, InvoiceAllowanceChargeInline]
    # Type under the number and the three badges in one cell: the list fits a laptop screen.
    list_display = [
        "display_number",
        "customer_name",
        "issue_date",
        "due",
        "gross",
        "open",
        "currency",
        "state",
        "documents_badge",
    ]
    list_display_links = ["display_number"]
    list_filter = [
        "status",
        "settlement_state",
        OverdueFilter,
        "document_type",
        "currency",
        ("document_state__state", admin.ChoicesFieldListFilter),
        CustomerFilter,
    ]
    date_hierarchy = "invoice_date"
    search_fields = ["number", "customer__number", "customer__legal_name"]
    search_help_text = _("Invoice number, customer number or customer name.")
    list_select_related = ["customer", "document_state"]
    actions = ["create_documents"]
    autocomplete_fields = ["customer"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return _related_widget_without_edits(super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_queryset(self, request):
        overdue = Invoice.objects.overdue(as_of=timezone.localdate()).filter(pk=OuterRef("pk"))
        return super().get_queryset(request).annotate(is_overdue=Exists(overdue))

    # --- Permissions: issued documents are immutable ------------------------------------------

    def may_act(self, request) -> bool:
        """Issue, credit, move due dates: whoever may change invoices (accountants and up)."""
        return super().has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    # --- Change list columns ----------------------------------------------------------------

    @admin.display(description=_("number and type"), ordering="number")
    def display_number(self, obj):
        kind = obj.get_document_type_display()
        if obj.number:
            return format_html("{}<small>{}</small>", obj.number, kind)
        label = gettext("draft %(id)s") % {"id": obj.pk}
        return format_html('<span class="debitor-quiet">{}</span><small>{}</small>', label, kind)

    @admin.display(description=_("customer"), ordering="customer__legal_name")
    def customer_name(self, obj):
        return format_html("{}<small>{}</small>", obj.customer.legal_name, obj.customer.number)

    @admin.display(description=_("invoice date"), ordering="invoice_date")
    def issue_date(self, obj):
        return date_format(obj.invoice_date, "SHORT_DATE_FORMAT") if obj.invoice_date else "—"

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        return date_format(obj.due_date, "SHORT_DATE_FORMAT") if obj.due_date else "—"

    @admin.display(description=_("total gross"), ordering="tax_inclusive_total")
    def gross(self, obj):
        return format_html(
            '<span class="debitor-amount">{}</span>', money(obj.tax_inclusive_total, obj.currency, code=False)
        )

    @admin.display(description=_("open amount"), ordering="open_amount")
    def open(self, obj):
        if obj.is_draft:
            return ""
        return format_html('<span class="debitor-amount">{}</span>', money(obj.open_amount, obj.currency, code=False))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return badge(f"doc-{obj.status}", obj.get_status_display())

    @admin.display(description=_("settlement"), ordering="settlement_state")
    def settlement_badge(self, obj):
        # A credit note is "settled" by being applied; only a balance left for the customer is news.
        if obj.is_draft or (obj.document_type == DocumentType.CREDIT_NOTE and not obj.open_amount):
            return ""
        return badge(f"settle-{obj.settlement_state}", obj.get_settlement_state_display())

    @admin.display(description=_("overdue"))
    def overdue_badge(self, obj):
        overdue = getattr(obj, "is_overdue", None)
        if overdue is None:
            overdue = Invoice.objects.overdue(as_of=timezone.localdate()).filter(pk=obj.pk).exists()
        if not overdue:
            return ""
        days = (timezone.localdate() - obj.due_date).days
        return format_html(
            '<span class="debitor-badge debitor-badge-overdue" title="{}">{}</span>',
            gettext("due %(date)s, %(days)d days ago")
            % {"date": date_format(obj.due_date, "SHORT_DATE_FORMAT"), "days": days},
            gettext("overdue"),
        )

    @admin.display(description=_("PDF / e-invoice"), ordering="document_state__state")
    def documents_badge(self, obj):
        state = getattr(obj, "document_state", None) if not obj.is_draft else None
        if state is None:
            return ""
        return format_html(
            '<span class="debitor-badge debitor-badge-documents-{}" title="{}">{}</span>',
            state.state,
            state.summary,
            state.get_state_display(),
        )

    @admin.action(description=_("Create missing or invalid PDFs and e-invoices"), permissions=["change"])
    def create_documents(self, request, queryset):
        """For documents issued before automatic documents (e.g. generated history), or after a fix."""
        scheduled = skipped = 0
        for invoice in queryset.exclude(status=DocumentStatus.DRAFT).select_related("document_state").order_by("pk"):
            state = getattr(invoice, "document_state", None)
            if state is not None and state.state != DocumentState.INVALID:
                skipped += 1
                continue
            invoice_documents_recheck(invoice=invoice, as_of=timezone.now(), by=request.user)
            scheduled += 1
        self.message_user(
            request,
            gettext("Documents scheduled for %(scheduled)d document(s); %(skipped)d already have theirs or are drafts.")
            % {"scheduled": scheduled, "skipped": skipped + queryset.filter(status=DocumentStatus.DRAFT).count()},
            messages.INFO,
        )

    # --- Read-only fields of the change page --------------------------------------------------

    @admin.display(description=_("customer"))
    def customer_link(self, obj):
        url = reverse(f"{self.admin_site.name}:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer)

    @admin.display(description=_("corrected invoice"))
    def corrected_invoice_link(self, obj):
        if obj.corrected_invoice_id is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[obj.corrected_invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.corrected_invoice.number)

    @admin.display(description=_("seller as issued"))
    def seller_block(self, obj):
        return address_block(
            obj.seller,
            extra=[
                (gettext("VAT ID"), obj.seller.get("vat_id")),
                (gettext("tax number"), obj.seller.get("tax_number")),
                (
                    gettext("register"),
                    " ".join(filter(None, [obj.seller.get("register_court"), obj.seller.get("register_number")])),
                ),
                (gettext("managing directors"), obj.seller.get("managing_directors")),
                (gettext("IBAN"), obj.seller.get("iban")),
                (gettext("BIC"), obj.seller.get("bic")),
                (gettext("bank"), obj.seller.get("bank_name")),
                (gettext("e-mail"), obj.seller.get("email")),
                (gettext("phone"), obj.seller.get("phone")),
            ],
        )

    @admin.display(description=_("buyer as issued"))
    def buyer_block(self, obj):
        shipping = obj.buyer.get("shipping") or {}
        return address_block(
            obj.buyer,
            extra=[
                (gettext("customer number"), obj.buyer.get("number")),
                (gettext("VAT ID"), obj.buyer.get("vat_id")),
                (gettext("tax number"), obj.buyer.get("tax_number")),
                (gettext("Leitweg-ID"), obj.buyer.get("leitweg_id")),
                (gettext("electronic address"), obj.buyer.get("e_invoice_address")),
                (
                    gettext("shipping address"),
                    ", ".join(
                        filter(
                            None,
                            [
                                shipping.get("name"),
                                shipping.get("street"),
                                " ".join(filter(None, [shipping.get("postal_code"), shipping.get("city")])),
                                shipping.get("country"),
                            ],
                        )
                    ),
                ),
            ],
        )

    @admin.display(description=_("early payment discounts"))
    def discount_offers_display(self, obj):
        if not obj.discount_offers:
            return "—"
        return format_html(
            "<ul class='debitor-plain'>{}</ul>",
            format_html_join(
                "",
                "<li>{}</li>",
                (
                    (
                        gettext("%(percent)s %% until %(deadline)s: pay %(pay)s (discount %(discount)s)")
                        % {
                            "percent": number_format(Decimal(offer["percent"]), use_l10n=True),
                            "deadline": date_format(parse_date(offer["deadline"]), "SHORT_DATE_FORMAT"),
                            "pay": money(Decimal(offer["amount_to_pay"]), obj.currency),
                            "discount": money(Decimal(offer["discount_amount"]), obj.currency),
                        },
                    )
                    for offer in obj.discount_offers
                ),
            ),
        )

    @admin.display(description=_("exchange rate"))
    def exchange_rate_display(self, obj):
        if obj.exchange_rate is None:
            return "—"
        return gettext("1 EUR = %(rate)s %(currency)s (%(kind)s, %(date)s); VAT in EUR: %(vat)s") % {
            "rate": number_format(obj.exchange_rate, use_l10n=True),
            "currency": obj.currency,
            "kind": dict(ExchangeRate.Kind.choices).get(obj.exchange_rate_kind, obj.exchange_rate_kind),
            "date": date_format(obj.exchange_rate_date, "SHORT_DATE_FORMAT") if obj.exchange_rate_date else "",
            "vat": money(obj.tax_total_eur, "EUR"),
        }

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        """Document status, settlement and, computed for today, overdue."""
        parts = [self.status_badge(obj), self.settlement_badge(obj), self.overdue_badge(obj)]
        return format_html_join(" ", "{}", ((part,) for part in parts if part))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["customer_link", "document_type", "state", "corrected_invoice_link"]

    def get_fieldsets(self, request, obj=None):
        header = [
            (
                _("Dates"),
                {"fields": ["invoice_date", "service_date", ("service_period_start", "service_period_end")]},
            ),
            (_("Currency and terms"), {"fields": [("currency", "language"), "payment_terms", "prepaid_amount"]}),
            (
                _("References and note"),
                {"fields": [("buyer_reference", "purchase_order_reference"), "deliver_to_country", "note"]},
            ),
        ]
        if obj is None:
            return [(None, {"fields": ["customer"]}), *header]
        document = ["customer_link", ("document_type", "state")]
        if obj.corrected_invoice_id:
            document.append("corrected_invoice_link")
        if obj.is_draft:
            return [(_("Document"), {"fields": document}), *header]
        is_invoice = obj.document_type == DocumentType.INVOICE
        dates = [("invoice_date", "due_date") if is_invoice else "invoice_date", "service_date"]
        dates += [("service_period_start", "service_period_end"), ("issued_at", "issued_by")]
        if obj.cancelled_at:
            dates.append("cancelled_at")
        fieldsets = [
            (_("Document"), {"fields": ["number", *document]}),
            (_("Dates"), {"fields": dates}),
            (_("Seller and buyer as issued"), {"fields": [("seller_block", "buyer_block")]}),
        ]
        if is_invoice:  # a credit note has no terms of its own
            fieldsets.append(
                (
                    _("Payment terms as issued"),
                    {"fields": ["payment_terms_text", "discount_offers_display", "prepaid_amount"]},
                )
            )
        fieldsets += [
            (_("Currency"), {"fields": [("currency", "language"), "exchange_rate_display"]}),
            (
                _("References and note"),
                {"fields": [("buyer_reference", "purchase_order_reference"), "deliver_to_country", "note"]},
            ),
        ]
        approvals = [f for f in ("review_override_reason", "credit_limit_confirmation") if getattr(obj, f)]
        if approvals:
            fieldsets.append((_("Approvals"), {"fields": approvals}))
        return fieldsets

    # --- Writes: through the services only ------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Written together with its rows in save_related(): the services take the draft whole."""

    def save_related(self, request, form, formsets, change):
        rows = {formset.model: formset for formset in formsets if isinstance(formset, InvoiceRowFormSet)}
        lines, allowances = rows[InvoiceLine], rows[InvoiceAllowanceCharge]
        as_of = timezone.now()
        if change:
            invoice = services.invoice_draft_update(
                invoice=form.instance,
                as_of=as_of,
                data=form.service_data(),
                lines=lines.service_rows(),
                allowances_charges=allowances.service_rows(),
                by=request.user,
            )
        else:
            invoice = services.invoice_draft_create(
                customer=form.cleaned_data["customer"],
                as_of=as_of,
                data=form.service_data(),
                lines=lines.service_rows(),
                allowances_charges=allowances.service_rows(),
                by=request.user,
            )
        obj = form.instance
        obj.pk, obj._state.adding = invoice.pk, False
        obj.refresh_from_db()
        for formset in rows.values():  # what the admin's change message reports
            stored = list(formset.model._default_manager.filter(invoice=invoice).order_by("position"))
            initial = set(formset.initial_forms)
            formset.new_objects, formset.changed_objects = [], []
            for row, saved in zip(formset.rows(), stored, strict=False):
                if row not in initial:
                    formset.new_objects.append(saved)
                elif row.has_changed():
                    formset.changed_objects.append((saved, row.changed_data))
            formset.deleted_objects = [f.instance for f in formset.deleted_forms if f.instance.pk]

    def delete_model(self, request, obj):
        services.invoice_draft_delete(invoice=obj, as_of=timezone.now(), by=request.user)

    def delete_queryset(self, request, queryset):
        as_of = timezone.now()
        for invoice in queryset.order_by("pk"):
            services.invoice_draft_delete(invoice=invoice, as_of=as_of, by=request.user)

    # --- The change page: totals, VAT breakdown, events, buttons ---------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["invoice_panel"] = self.invoice_panel(request, obj if obj is not None and obj.pk else None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def invoice_panel(self, request, invoice: Invoice | None) -> dict:
        may_act = self.may_act(request)
        panel = {
            "preview_url": reverse(f"{self.admin_site.name}:invoicing_invoice_preview") if may_act else "",
            "may_recalculate": may_act and (invoice is None or invoice.is_draft),
        }
        if invoice is None:
            panel["totals"] = [(key, label, "—") for key, label in TOTAL_ROWS]
            return panel
        currency = invoice.currency
        totals = [(key, label, money(getattr(invoice, key), currency)) for key, label in TOTAL_ROWS]
        if invoice.is_draft:
            breakdown, problem = self.draft_breakdown(invoice)
        else:
            problem = ""
            breakdown = [
                (
                    rate_label(row.vat_category, row.vat_rate),
                    money(row.taxable_amount, currency),
                    money(row.tax_amount, currency),
                    row.exemption_reason,
                )
                for row in invoice.vat_breakdown.order_by("vat_category", "vat_rate", "id")
            ]
            if invoice.document_type == DocumentType.INVOICE:
                totals += [
                    ("credited_amount", _("Credited"), money(invoice.credited_amount, currency)),
                    ("open_amount", _("Open amount"), money(invoice.open_amount, currency)),
                ]
            elif invoice.open_amount:
                totals.append(
                    ("open_amount", _("Customer balance from this credit note"), money(invoice.open_amount, currency))
                )
        is_invoice = invoice.document_type == DocumentType.INVOICE
        issued_invoice = is_invoice and invoice.status == DocumentStatus.ISSUED
        info = self.opts.app_label, self.opts.model_name
        panel.update(
            {
                "totals": totals,
                "breakdown": breakdown,
                "breakdown_problem": problem,
                "events": [
                    {
                        "event": event,
                        "from": _state_label(event.from_state),
                        "to": _state_label(event.to_state),
                        "details": _event_details(event.data),
                    }
                    for event in invoice.events.select_related("by").order_by("at", "id")
                ],
                "credit_notes": [
                    (
                        note,
                        reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[note.pk]),
                        money(note.tax_inclusive_total, note.currency),
                        badge(f"doc-{note.status}", note.get_status_display()),
                    )
                    for note in invoice.credit_notes.order_by("id")
                ]
                if is_invoice
                else [],
                "notices": [
                    (notice, badge(f"notice-{notice.status}", notice.get_status_display()))
                    for notice in invoice.notices.order_by("-created_at", "-id")
                ],
                "documents": self.documents_panel(request, invoice, may_act=may_act),
                **self.messages_panel(request, invoice, may_act=may_act),
                "issue_url": reverse("{}:{}_{}_issue".format(self.admin_site.name, *info), args=[invoice.pk])
                if may_act and invoice.is_draft
                else "",
                "credit_url": reverse("{}:{}_{}_credit_note".format(self.admin_site.name, *info), args=[invoice.pk])
                if may_act and issued_invoice
                else "",
                "due_date_url": reverse(
                    "{}:{}_{}_change_due_date".format(self.admin_site.name, *info), args=[invoice.pk]
                )
                if may_act and issued_invoice
                else "",
            }
        )
        return panel

    def documents_panel(self, request, invoice: Invoice, *, may_act: bool) -> dict | None:
        """The stored PDF and XML files with their hashes, or why there are none (fail closed)."""
        if invoice.is_draft:
            return None
        state = getattr(invoice, "document_state", None)
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name
        files = [
            {
                "document": document,
                "url": reverse("{}:{}_{}_document".format(*info), args=[invoice.pk, document.kind]),
            }
            for document in invoice.documents.order_by("kind", "id")
        ]
        may_recheck = may_act and (state is None or state.state == DocumentState.INVALID)
        return {
            "state": state,
            "badge": badge(f"documents-{state.state}", state.get_state_display()) if state else "",
            "files": files,
            "recheck_url": reverse("{}:{}_{}_documents_recheck".format(*info), args=[invoice.pk])
            if may_recheck
            else "",
        }

    def messages_panel(self, request, invoice: Invoice, *, may_act: bool) -> dict:
        """The document's e-mails with their status (sent, delivered — the date of receipt matters
        for default under § 286 (3) BGB), and "Send invoice" / "Send again" once documents are ready."""
        from customers.admin.messages import status_badge

        if invoice.is_draft:
            return {"messages": [], "send_url": "", "resend_url": ""}
        site = self.admin_site.name
        rows = [
            {
                "message": message,
                "url": reverse(f"{site}:customers_outboxmessage_change", args=[message.pk]),
                "status": status_badge(message.status, message.get_status_display()),
            }
            for message in invoice.messages.order_by("-created_at", "-id")
        ]
        state = getattr(invoice, "document_state", None)
        can_send = (
            may_act
            and invoice.status == DocumentStatus.ISSUED
            and state is not None
            and state.state == DocumentState.READY
        )
        url = reverse(f"{site}:{self.opts.app_label}_{self.opts.model_name}_send", args=[invoice.pk])
        sent_before = any(row["message"].status not in ("failed", "cancelled") for row in rows)
        return {
            "messages": rows,
            "send_url": url if can_send and not sent_before else "",
            "resend_url": url if can_send and sent_before else "",
        }

    def draft_breakdown(self, invoice: Invoice):
        lines = [{f: getattr(r, f) for f in LINE_FIELDS} for r in invoice.lines.order_by("position", "id")]
        allowances = [
            {f: getattr(r, f) for f in ALLOWANCE_FIELDS} for r in invoice.allowances_charges.order_by("position", "id")
        ]
        try:
            totals = totals_of(lines, allowances, prepaid=invoice.prepaid_amount, currency=invoice.currency)
        except TotalsError as exc:
            return [], " ".join(exc.errors.values())
        return [
            (
                rate_label(row.vat_category, row.vat_rate),
                money(row.taxable_amount, invoice.currency),
                money(row.tax_amount, invoice.currency),
                "",
            )
            for row in totals.breakdown
        ], ""

    # --- Issue, credit note, due date, live totals -----------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="{}_{}_preview".format(*info)),
            path("<path:object_id>/issue/", view(self.issue_view), name="{}_{}_issue".format(*info)),
            path("<path:object_id>/credit-note/", view(self.credit_note_view), name="{}_{}_credit_note".format(*info)),
            path(
                "<path:object_id>/change-due-date/",
                view(self.change_due_date_view),
                name="{}_{}_change_due_date".format(*info),
            ),
            path(
                "<path:object_id>/document/<str:kind>/",
                view(self.document_view),
                name="{}_{}_document".format(*info),
            ),
            path("<path:object_id>/send/", view(self.send_view), name="{}_{}_send".format(*info)),
            path(
                "<path:object_id>/documents/recheck/",
                view(self.documents_recheck_view),
                name="{}_{}_documents_recheck".format(*info),
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, object_id, kind):
        """Download a stored original; whoever may view the invoice may download its documents."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None or not self.has_view_permission(request, invoice):
            raise Http404(gettext("No such invoice."))
        if kind not in InvoiceDocument.Kind.values:
            raise Http404(gettext("No such document."))
        try:
            document = invoice_document_get(invoice=invoice, kind=kind)
        except DocumentsNotReady as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return self._change_page(invoice)
        response = HttpResponse(invoice_document_read(document), content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response

    def documents_recheck_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        invoice = self._invoice_to_act_on(request, object_id)
        try:
            invoice_documents_recheck(invoice=invoice, as_of=timezone.now(), by=request.user)
        except DocumentsNotReady as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request, gettext("The e-invoice is validated again; the documents follow shortly."), messages.INFO
            )
        return self._change_page(invoice)

    def send_view(self, request, object_id):
        """E-mail the document to the customer's invoice recipients ("send" or, with ``resend``, "send again")."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        invoice = self._invoice_to_act_on(request, object_id)
        try:
            with self._atomic():
                message = invoice_send(
                    invoice=invoice,
                    as_of=timezone.now(),
                    by=request.user,
                    cause=f"sent by {request.user.get_username()}",
                    resend=bool(request.POST.get("resend")),
                )
        except (DocumentsNotReady, DocumentStateConflict) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(document)s is queued for sending to %(recipients)s.")
                % {"document": invoice.number, "recipients": ", ".join(message.recipients)},
                messages.SUCCESS,
            )
        return self._change_page(invoice)

    def _invoice_to_act_on(self, request, object_id) -> Invoice:
        if not self.may_act(request):
            raise PermissionDenied
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None:
            raise Http404(gettext("No such invoice."))
        return invoice

    def _change_page(self, invoice: Invoice) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[invoice.pk]))

    def _action_page(self, request, invoice: Invoice, template: str, title, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/invoicing/invoice/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "subtitle": str(invoice),
                "original": invoice,
                "invoice": invoice,
                "gross": money(invoice.tax_inclusive_total, invoice.currency),
                "open_amount": money(invoice.open_amount, invoice.currency),
                "change_url": reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[invoice.pk]),
                **context,
            },
        )

    def _atomic(self):
        return transaction.atomic(using=router.db_for_write(self.model))

    def issue_view(self, request, object_id):
        invoice = self._invoice_to_act_on(request, object_id)
        if not invoice.is_draft:
            self.message_user(request, gettext("%(invoice)s is already issued.") % {"invoice": invoice}, messages.INFO)
            return self._change_page(invoice)
        form = IssueForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                with self._atomic():
                    issued = services.invoice_issue(
                        invoice=invoice,
                        as_of=timezone.now(),
                        by=request.user,
                        review_override_reason=form.cleaned_data["review_override_reason"],
                        credit_limit_confirmation=form.cleaned_data["credit_limit_confirmation"],
                    )
            except DocumentNotEditable as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return self._change_page(invoice)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                self.message_user(
                    request,
                    gettext("%(type)s %(number)s issued.")
                    % {"type": issued.get_document_type_display().capitalize(), "number": issued.number},
                    messages.SUCCESS,
                )
                return self._change_page(issued)
        customer = invoice.customer
        needs_review = customer.verification_status == "needs_review" and (
            invoice.document_type == DocumentType.INVOICE
        )
        role = role_of(request.user)
        return self._action_page(
            request,
            invoice,
            "issue.html",
            gettext("Issue %(invoice)s") % {"invoice": invoice},
            form=form,
            customer=customer,
            needs_review=needs_review or bool(form.errors.get("review_override_reason")),
            is_manager=role is not None and role >= Role.FINANCE_MANAGER,
            has_credit_limit=(customer.credit_limit is not None and invoice.document_type == DocumentType.INVOICE)
            or bool(form.errors.get("credit_limit_confirmation")),
            credit_limit=money(customer.credit_limit, customer.currency) if customer.credit_limit is not None else "",
            seller_problem="seller" in getattr(form, "service_error_paths", ()),
            company_profile_url=reverse(f"{self.admin_site.name}:core_companyprofile_changelist"),
        )

    def credit_note_view(self, request, object_id):
        invoice = self._invoice_to_act_on(request, object_id)
        if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
            self.message_user(
                request,
                gettext("Only issued invoices can be credited; %(invoice)s is not one.") % {"invoice": invoice},
                messages.ERROR,
            )
            return self._change_page(invoice)
        form = CreditNoteForm(request.POST if request.method == "POST" else None, invoice=invoice)
        if request.method == "POST" and form.is_valid():
            try:
                with self._atomic():
                    credit_note = services.credit_note_create(
                        invoice=invoice,
                        as_of=timezone.now(),
                        by=request.user,
                        lines=form.credit_lines(),
                        reason=form.cleaned_data["reason"],
                        issue=form.cleaned_data["issue"],
                    )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                if credit_note.is_draft:
                    text = gettext("Draft credit note for %(invoice)s created; check it and issue it.")
                else:
                    text = gettext("Credit note %(number)s for %(invoice)s issued.")
                self.message_user(
                    request, text % {"number": credit_note.number, "invoice": invoice.number}, messages.SUCCESS
                )
                return self._change_page(credit_note)
        return self._action_page(
            request,
            invoice,
            "credit_note.html",
            gettext("Credit note for %(invoice)s") % {"invoice": invoice.number},
            form=form,
            rows=[
                {
                    **row,
                    "net": money(row["line"].net_amount, invoice.currency),
                    "price": decimal_text(row["line"].unit_price, 2),
                    "invoiced_quantity": decimal_text(row["line"].quantity),
                    "rate": rate_label(row["line"].vat_category, row["line"].vat_rate),
                }
                for row in form.line_rows()
            ],
            credited=money(invoice.credited_amount, invoice.currency),
        )

    def change_due_date_view(self, request, object_id):
        invoice = self._invoice_to_act_on(request, object_id)
        if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
            self.message_user(
                request,
                gettext("Only issued invoices have a due date to change; %(invoice)s is not one.")
                % {"invoice": invoice},
                messages.ERROR,
            )
            return self._change_page(invoice)
        form = DueDateForm(
            request.POST if request.method == "POST" else None, initial={"new_due_date": invoice.due_date}
        )
        if request.method == "POST" and form.is_valid():
            try:
                with self._atomic():
                    changed = services.invoice_change_due_date(
                        invoice=invoice,
                        new_due_date=form.cleaned_data["new_due_date"],
                        reason=form.cleaned_data["reason"],
                        as_of=timezone.now(),
                        by=request.user,
                    )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                latest = changed.notices.order_by("-created_at", "-id").first()
                notice_queued = latest is not None and latest.status == latest.Status.SENT
                self.message_user(
                    request,
                    (
                        gettext("%(invoice)s is now due on %(date)s; the notice to the customer is queued for sending.")
                        if notice_queued
                        else gettext(
                            "%(invoice)s is now due on %(date)s; the notice could not be e-mailed: "
                            "a follow-up task is open."
                        )
                    )
                    % {"invoice": changed.number, "date": date_format(changed.due_date, "SHORT_DATE_FORMAT")},
                    messages.SUCCESS,
                )
                return self._change_page(changed)
        return self._action_page(
            request,
            invoice,
            "change_due_date.html",
            gettext("Change the due date of %(invoice)s") % {"invoice": invoice.number},
            form=form,
            media=self.media + form.media,
        )

    def preview_view(self, request):
        """Live totals: the change form's POST, checked like a save, computed, nothing stored."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.may_act(request):
            raise PermissionDenied
        key = request.POST.get("_invoice", "")
        obj = self.get_object(request, key) if key else None
        if key and (obj is None or not obj.is_draft):
            raise Http404(gettext("No such draft."))
        add = obj is None
        fieldsets = self.get_fieldsets(request, obj)
        model_form = self.get_form(request, obj, change=not add, fields=flatten_fieldsets(fieldsets))
        form = model_form(request.POST, instance=obj)
        formsets, _inlines = self._create_formsets(request, form.instance, change=not add)
        form.is_valid()
        rows = {formset.model: formset for formset in formsets if isinstance(formset, InvoiceRowFormSet)}
        complete = form.is_valid() and all(formset.is_valid() for formset in rows.values())
        valid_rows = {
            model: [row.service_data() for row in formset.rows() if row.is_valid()] for model, formset in rows.items()
        }
        customer = form.cleaned_data.get("customer") or (obj.customer if obj else None)
        currency = form.cleaned_data.get("currency") or (obj.currency if obj else None)
        currency = currency or (customer.currency if customer else "EUR")
        try:
            totals = totals_of(
                valid_rows[InvoiceLine],
                valid_rows[InvoiceAllowanceCharge],
                prepaid=form.cleaned_data.get("prepaid_amount") or Decimal("0"),
                currency=currency,
            )
        except TotalsError as exc:
            return JsonResponse({"complete": False, "problems": list(exc.errors.values())})
        return JsonResponse(
            {
                "complete": complete,
                "currency": currency,
                "totals": {key: money(getattr(totals, key), currency) for key, _label in TOTAL_ROWS},
                "breakdown": [
                    [
                        rate_label(row.vat_category, row.vat_rate),
                        money(row.taxable_amount, currency),
                        money(row.tax_amount, currency),
                    ]
                    for row in totals.breakdown
                ],
                "problems": [] if complete else [gettext("Some fields need attention; totals leave those rows out.")],
            }
        )
