"""The panels on an invoice page: state and actions, stored documents, e-mails, the draft's breakdown.
Mixed into ``InvoiceAdmin``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communications.selectors import messages_about
from core.event_sentences import event_by_text, typed_event_details, typed_event_sentence
from core.formatting import datetime_text

from ..hooks import invoice_facts, invoice_money
from ..models import (
    DocumentState,
    DocumentStatus,
    DocumentType,
    Invoice,
)
from ..services.draft_cleaning import ALLOWANCE_FIELDS, LINE_FIELDS
from ..totals import TotalsError
from .display import (
    TOTAL_ROWS,
    badge,
    money,
    rate_label,
    totals_of,
)


class InvoicePanels:
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
        totals = [
            (key, label, money(getattr(invoice, key), currency))
            for key, label in TOTAL_ROWS
            # BT-113 (paid before the invoice was issued) is no payment record: shown only when set.
            if key != "prepaid_amount" or invoice.prepaid_amount or invoice.is_draft
        ]
        money_moved = {"rows": [], "totals": []}
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
            money_moved = invoice_money(invoice=invoice)
            if invoice.document_type == DocumentType.INVOICE:
                if invoice.credited_amount:
                    totals.append(("credited_amount", _("Credited"), money(invoice.credited_amount, currency)))
                totals += [(f"moved_{index}", label, text) for index, (label, text) in enumerate(money_moved["totals"])]
                totals.append(("open_amount", _("Open amount"), money(invoice.open_amount, currency)))
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
                "money_rows": money_moved["rows"],
                "events": [
                    {
                        "event": event,
                        "when": datetime_text(event.at),
                        "sentence": typed_event_sentence(event, currency=currency),
                        "by": event_by_text(event),
                        "details": typed_event_details(event),
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
                "facts": invoice_facts(invoice=invoice),
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
        from communications.admin.message_display import status_badge

        if invoice.is_draft:
            return {"messages": [], "send_url": "", "resend_url": ""}
        site = self.admin_site.name
        rows = [
            {
                "message": message,
                "url": reverse(f"{site}:communications_outboxmessage_change", args=[message.pk]),
                "status": status_badge(message.status, message.get_status_display()),
            }
            for message in messages_about(invoice).prefetch_related("recipients").order_by("-created_at", "-id")
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
