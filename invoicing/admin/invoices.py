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
from django.db.models import BooleanField, Case, DateField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_display import amount_cell
from core.admin_exports import ListExportMixin, word
from core.admin_site import ServiceRefusalMixin
from customers.admin.filters import CurrencyFilter, CustomerAutocompleteMedia, CustomerFilter

from .. import services
from ..forms import (
    InvoiceForm,
    InvoiceRowFormSet,
)
from ..models import (
    DocumentState,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceLine,
    SettlementState,
)
from ..querysets import open_condition, overdue_condition
from ..services.documents import (
    invoice_documents_recheck,
)
from ..services.drafts import DocumentNotEditable
from .actions import InvoiceActionViews
from .display import (
    address_block,
    badge,
    money,
)
from .filters import OverdueFilter
from .lines import InvoiceAllowanceChargeInline, InvoiceLineInline, _related_widget_without_edits
from .panels import InvoicePanels

# BT-10, BT-13, BT-12, BT-11 with its name; BG-9 (issue 13).
REFERENCES = [
    ("buyer_reference", "purchase_order_reference"),
    ("contract_reference", "project_reference", "project_name"),
    "deliver_to_country",
    "note",
]
BUYER_CONTACT = ("buyer_contact_name", "buyer_contact_phone", "buyer_contact_email")


@admin.register(Invoice)
class InvoiceAdmin(
    CustomerAutocompleteMedia, ListExportMixin, InvoicePanels, InvoiceActionViews, ServiceRefusalMixin, admin.ModelAdmin
):
    refusal_messages = (DocumentNotEditable,)
    form = InvoiceForm
    inlines = [InvoiceLineInline, InvoiceAllowanceChargeInline]
    # Type under the number and the three badges in one cell: the list fits a 1366 px screen.
    list_display = [
        "display_number",
        "customer_name",
        "issue_date",
        "due",
        "days_overdue_shown",
        "gross",
        "open",
        "state",
        "delivery",
        "documents_badge",
    ]
    list_display_links = ["display_number"]
    list_filter = [
        "status",
        "settlement_state",
        OverdueFilter,
        "document_type",
        CurrencyFilter,
        ("document_state__state", admin.ChoicesFieldListFilter),
        ("invoice_date", admin.DateFieldListFilter),
        CustomerFilter,
    ]
    # No date_hierarchy: its SELECT DISTINCT over every invoice date costs half a second at a
    # million invoices; the date filter offers the usual periods.
    search_fields = ["number", "customer__number", "customer__legal_name"]
    search_help_text = _("Invoice number, customer number or customer name.")
    list_select_related = ["customer", "document_state"]
    actions = ["create_documents"]
    show_full_result_count = False  # one COUNT over a million invoices is enough
    export_fields = [
        ("number", _("number")),
        ("type", _("type")),
        ("customer_number", _("customer number")),
        ("customer_name", _("customer")),
        ("invoice_date", _("invoice date")),
        ("due_date", _("due date")),
        ("days_overdue", _("days overdue")),
        ("currency", _("currency")),
        ("gross", _("total gross")),
        ("open_amount", _("open amount")),
        ("status", _("status")),
        ("settlement", _("settlement")),
        ("received_on", _("received by the customer on")),
        ("documents", _("PDF / e-invoice")),
    ]

    def export_queryset(self, queryset):
        # The issued snapshots (seller, buyer, terms) are large JSON the export does not need.
        return queryset.defer("seller", "buyer", "terms_snapshot", "discount_offers")

    def export_row(self, obj) -> dict:
        state = getattr(obj, "document_state", None) if not obj.is_draft else None
        return {
            "number": obj.number or "",
            "type": word(DocumentType, obj.document_type),
            "customer_number": obj.customer.number,
            "customer_name": obj.customer.legal_name,
            "invoice_date": obj.invoice_date,
            "due_date": obj.due_date,
            "days_overdue": obj.days_overdue.days if obj.days_overdue is not None else None,
            "currency": obj.currency,
            "gross": obj.tax_inclusive_total,
            "open_amount": None if obj.is_draft else obj.open_amount,
            "status": word(DocumentStatus, obj.status),
            "settlement": "" if obj.is_draft else word(SettlementState, obj.settlement_state),
            "received_on": obj.received_on,
            "documents": word(DocumentState, state.state) if state is not None else "",
        }

    autocomplete_fields = ["customer"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return _related_widget_without_edits(super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_queryset(self, request):
        today = timezone.localdate()
        overdue = overdue_condition(as_of=today)  # the row's own columns: no sub-query per row
        # Days overdue as a column the list sorts by (null for what is not overdue).
        days = ExpressionWrapper(Value(today, output_field=DateField()) - F("due_date"), output_field=DurationField())
        return (
            super()
            .get_queryset(request)
            .annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
            .annotate(days_overdue=Case(When(overdue, then=days), default=None, output_field=DurationField()))
        )

    def get_list_totals(self, request):
        """Open amount and overdue of the filtered invoices, from the rows that can have an open
        amount only (the partial index ``invoicing_overdue_open``, read without the table)."""
        today = timezone.localdate()
        scope = open_condition()
        return scope, [
            ("open_amount", _("open (invoices)"), None),
            ("open_amount", _("of which overdue"), Q(due_date__lt=today)),
        ]

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

    @admin.display(description=_("date"), ordering="invoice_date")
    def issue_date(self, obj):
        return date_format(obj.invoice_date, "SHORT_DATE_FORMAT") if obj.invoice_date else "—"

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, obj):
        return date_format(obj.due_date, "SHORT_DATE_FORMAT") if obj.due_date else "—"

    @admin.display(description=_("days overdue"), ordering=F("days_overdue").asc(nulls_first=True))
    def days_overdue_shown(self, obj):
        days = getattr(obj, "days_overdue", None)
        return "" if days is None else format_html('<span class="debitor-amount">{}</span>', days.days)

    @admin.display(description=_("total gross"), ordering="tax_inclusive_total")
    def gross(self, obj):
        return amount_cell(obj.tax_inclusive_total, obj.currency)

    @admin.display(description=_("open amount"), ordering="open_amount")
    def open(self, obj):
        if obj.is_draft:
            return ""
        return amount_cell(obj.open_amount, obj.currency)

    @admin.display(description=_("delivery"), ordering="received_on")
    def delivery(self, obj):
        """§ 286 (3) BGB: received on (confirmed by a delivery report, or assumed) or not yet known."""
        if obj.is_draft:
            return ""
        if obj.received_on is None:
            return format_html('<span class="debitor-quiet">{}</span>', gettext("not yet known"))
        return format_html(
            '<span title="{}">{}</span>',
            obj.get_received_on_basis_display(),
            date_format(obj.received_on, "SHORT_DATE_FORMAT"),
        )

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

    @admin.display(description=_("received by the customer on"))
    def received_display(self, obj):
        """§ 286 (3) BGB: the date of receipt, and whether a delivery report confirmed it."""
        if obj.received_on is None:
            return gettext("not known yet (no delivery report, assumption not due)")
        return format_html(
            "{} <small>{}</small>",
            date_format(obj.received_on, "SHORT_DATE_FORMAT"),
            obj.get_received_on_basis_display(),
        )

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
        return ["customer_link", "document_type", "state", "corrected_invoice_link", "prepaid_shown"]

    @admin.display(description=_("prepaid"))
    def prepaid_shown(self, obj):
        return money(obj.prepaid_amount, obj.currency)

    def get_fieldsets(self, request, obj=None):
        header = [
            (
                _("Dates"),
                {"fields": ["invoice_date", "service_date", ("service_period_start", "service_period_end")]},
            ),
            (_("Currency and terms"), {"fields": [("currency", "language"), "payment_terms", "prepaid_amount"]}),
            (_("References and note"), {"fields": REFERENCES}),
            (_("Buyer's contact"), {"fields": [BUYER_CONTACT]}),
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
        dates += [("service_period_start", "service_period_end"), ("issued_at", "issued_by"), "received_display"]
        if obj.cancelled_at:
            dates.append("cancelled_at")
        fieldsets = [
            (_("Document"), {"fields": ["number", *document]}),
            (_("Dates"), {"fields": dates}),
            (_("Seller and buyer as issued"), {"fields": [("seller_block", "buyer_block")]}),
        ]
        if is_invoice:  # a credit note has no terms of its own
            terms = ["payment_terms_text", "discount_offers_display"]
            if obj.prepaid_amount:  # BT-113, paid before issue; payments received later are in the totals
                terms.append("prepaid_shown")
            fieldsets.append((_("Payment terms as issued"), {"fields": terms}))
        fieldsets += [
            (_("Currency"), {"fields": [("currency", "language"), "exchange_rate_display"]}),
            (_("References and note"), {"fields": REFERENCES}),
        ]
        if any(getattr(obj, field) for field in BUYER_CONTACT):
            fieldsets.append((_("Buyer's contact"), {"fields": [BUYER_CONTACT]}))
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
