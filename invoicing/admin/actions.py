"""The invoice pages that act through the services: issue, credit note, due-date change, send, the
stored documents and their recheck, and the draft preview. Mixed into ``InvoiceAdmin``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from core.roles import Role, role_of

from .. import services
from ..forms import (
    CreditNoteForm,
    DueDateForm,
    InvoiceRowFormSet,
    IssueForm,
)
from ..models import (
    DocumentStatus,
    DocumentType,
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
from ..services.drafts import DocumentNotEditable, DocumentStateConflict
from ..services.sending import invoice_send
from ..totals import TotalsError
from .display import (
    TOTAL_ROWS,
    decimal_text,
    money,
    rate_label,
    totals_of,
)


class InvoiceActionViews:
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
                % {"document": invoice.number, "recipients": ", ".join(message.to_addresses)},
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
