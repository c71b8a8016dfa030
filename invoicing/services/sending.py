"""Sending invoices and credit notes by e-mail, and telling customers about a changed due date.

Every message goes through the customer outbox (``communications.services.outbox``): the row and its
durable send job are written in the caller's transaction, so what we promise to send cannot be
lost, and the outbox proves what was sent, to whom, when, and whether it arrived. The
attachments are the stored originals (GoBD), byte for byte: the PDF/A-3 with the embedded
ZUGFeRD/Factur-X XML and, for customers who need it, the XRechnung XML.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications.models import MessageStatus, OutboxMessage
from communications.selectors import messages_about
from communications.services.wording import company_footer, mail_render
from core.followups import followup_kind_register, followup_open
from core.languages import document_language

from ..hooks import invoice_mail_context
from ..models import (
    CustomerNotice,
    DocumentState,
    DocumentStatus,
    DocumentType,
    Invoice,
    InvoiceDocument,
    InvoiceDocumentState,
)
from .documents import DocumentsNotReady, invoice_document_get, invoice_document_read
from .drafts import DocumentStateConflict
from .locks import invoices_lock

NOT_SENT_TASK = followup_kind_register("invoice_not_sent", gettext_lazy("invoice not sent"))
NOTICE_NOT_SENT_TASK = followup_kind_register("due_date_notice_not_sent", gettext_lazy("due date notice not sent"))
# Documents of an invoice issued longer ago than this (generated history, backfilled archives)
# are stored but never e-mailed on their own: a customer must not get a years-old invoice
# because someone created its missing PDF. A person sends those with "Send invoice".
AUTO_SEND_WITHIN = timedelta(days=7)
# A message that did not reach the customer does not count as "already sent".
UNSENT = (MessageStatus.FAILED, MessageStatus.CANCELLED)


class NoRecipients(ValidationError):
    """The customer has no contact to send this to: a person must add one first."""


def _language(invoice: Invoice) -> str:
    return document_language(invoice.language)


def _company_footer():
    from core.models import CompanyProfile

    return company_footer(CompanyProfile.objects.filter(pk=1).first())


def _context(invoice: Invoice, *, to: list[dict], xrechnung: bool) -> dict:
    """Raw values for the templates; ``mail_render`` formats them for the invoice's language."""
    seller = invoice.seller or {}
    buyer = invoice.buyer or {}
    is_invoice = invoice.document_type == DocumentType.INVOICE
    return {
        # One addressee is greeted by name; several share the neutral greeting.
        "contact_name": to[0].get("name", "") if len(to) == 1 else "",
        "company_name": seller.get("name", ""),
        "customer_name": buyer.get("name") or invoice.customer.legal_name,
        "customer_number": invoice.customer.number or "",
        "number": invoice.number,
        "corrected_number": invoice.corrected_invoice.number if invoice.corrected_invoice_id else "",
        "amount": invoice.amount_due if invoice.document_type == DocumentType.INVOICE else invoice.tax_inclusive_total,
        "currency": invoice.currency,
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date if invoice.document_type == DocumentType.INVOICE else None,
        "discount_offers": invoice.discount_offers if invoice.document_type == DocumentType.INVOICE else [],
        # Direct debit (the pre-notification) or a card payment at issue: the sentence the PDF prints
        # as the terms (invoicing.payment_means), instead of asking for a transfer.
        "payment_means_text": invoice.payment_terms_text if is_invoice and invoice.payment_means else "",
        "xrechnung": xrechnung,
        "company_footer": _company_footer(),
    }


def _recipients(invoice: Invoice, to: list[dict] | None) -> list[dict]:
    from communications.services.outbox import message_recipients

    recipients = list(to) if to else message_recipients(customer=invoice.customer, purpose="invoices")
    if not recipients:
        customer = invoice.customer
        raise NoRecipients(
            {
                "to": [
                    _(
                        "Customer %(number)s %(name)s has no contact who receives invoices with a valid e-mail "
                        "address. Add an e-mail address to a contact and tick “receives invoices”, or send the "
                        "document by hand."
                    )
                    % {"number": customer.number, "name": customer.legal_name}
                ]
            }
        )
    return recipients


def _previous(invoice: Invoice, templates: tuple[str, ...]) -> OutboxMessage | None:
    return (
        messages_about(invoice)
        .filter(template__in=templates)
        .exclude(status__in=UNSENT)
        .order_by("-created_at", "-id")
        .first()
    )


def invoice_send(
    *,
    invoice: Invoice,
    as_of: datetime,
    by=None,
    to: list[dict] | None = None,
    cause: str = "",
    resend: bool = False,
) -> OutboxMessage:
    """Queue the e-mail of an issued invoice or credit note with its stored documents.

    Preconditions: the document is issued (not a draft, not cancelled) and its documents are
    ``ready`` — a document still being created or whose e-invoice failed validation is never
    sent (``DocumentsNotReady``, 409). Recipients are ``to`` or the customer's contacts who
    receive invoices (``NoRecipients`` when there are none). Sending the same document a second
    time needs ``resend=True`` ("send again"); the new row points to the earlier one.
    The attachments are the stored bytes, checked against their SHA-256 (GoBD: the original).
    """
    from communications.services.outbox import AttachmentSpec, message_queue

    with transaction.atomic():
        # The invoice row serialises two "send" clicks: the second sees the first's message.
        invoice = invoices_lock(invoice.pk)[invoice.pk]
        if invoice.status != DocumentStatus.ISSUED:
            raise DocumentStateConflict(
                _("Only issued documents are sent; %(document)s is %(status)s.")
                % {"document": invoice.number or _("this draft"), "status": invoice.get_status_display()}
            )
        state = InvoiceDocumentState.objects.filter(invoice=invoice).first()
        if state is None or state.state != DocumentState.READY:
            raise DocumentsNotReady(invoice, state, InvoiceDocument.Kind.PDF)
        template = "invoice" if invoice.document_type == DocumentType.INVOICE else "credit_note"
        previous = _previous(invoice, (template,))
        if previous is not None and not resend:
            raise DocumentStateConflict(
                _("%(document)s was already e-mailed on %(date)s (%(status)s); use “send again” to send it once more.")
                % {
                    "document": invoice.number,
                    "date": f"{previous.created_at:%d.%m.%Y %H:%M}",
                    "status": previous.get_status_display(),
                }
            )
        recipients = _recipients(invoice, to)
        documents = [invoice_document_get(invoice=invoice, kind=InvoiceDocument.Kind.PDF)]
        if state.xrechnung:
            documents.append(invoice_document_get(invoice=invoice, kind=InvoiceDocument.Kind.XRECHNUNG))
        attachments = [
            AttachmentSpec(
                filename=document.filename,
                content_type=document.content_type,
                data=invoice_document_read(document),
                stored_name=document.file.name,
                stored_sha256=document.sha256,
            )
            for document in documents
        ]
        language = _language(invoice)
        subject, body_text, body_html = mail_render(
            template=template,
            language=language,
            context={
                **_context(invoice, to=recipients, xrechnung=state.xrechnung),
                # Apps above invoicing add to the message (portal: the customer page link).
                **invoice_mail_context(invoice=invoice, as_of=as_of),
            },
        )
        actor = by if getattr(by, "pk", None) else None
        if not cause:
            cause = f"sent by {actor.get_username()}" if actor else "sent"
        return message_queue(
            customer=invoice.customer,
            template=template,
            language=language,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            to=recipients,
            cause=cause[:200],
            as_of=as_of,
            by=actor,
            subjects=[invoice],
            attachments=attachments,
            resend_of=previous if resend else None,
        )


def invoice_send_on_ready(*, invoice: Invoice, as_of: datetime) -> OutboxMessage | None:
    """Automatic sending when an invoice's documents became ready, inside the render transaction.

    Only for customers who chose e-mail delivery (``Customer.invoice_delivery``), only for
    documents issued within ``AUTO_SEND_WITHIN`` and never sent before — the render job reaches
    this once per transition to ``ready``, and a rerun finds the state ready and returns before
    it. A customer without a recipient (or an address the outbox refuses) does not fail the
    render: the documents are stored, and a follow-up task asks a person to send them.
    """

    customer = invoice.customer
    if customer.invoice_delivery != "email" or invoice.status != DocumentStatus.ISSUED:
        return None
    if invoice.issued_at is None or as_of - invoice.issued_at > AUTO_SEND_WITHIN:
        return None
    if messages_about(invoice).filter(template__in=("invoice", "credit_note")).exists():
        return None
    try:
        # A savepoint: a refusal leaves no half-written message, and the render still commits.
        with transaction.atomic():
            return invoice_send(invoice=invoice, as_of=as_of, cause="issued: sent automatically")
    except ValidationError as exc:
        followup_open(
            kind=NOT_SENT_TASK,
            title=_("%(document)s was not e-mailed: send it by hand") % {"document": invoice.number},
            description=_("The customer wants invoices by e-mail, but the message could not be queued: %(problems)s")
            % {"problems": " ".join(exc.messages)},
            about=invoice,
            rule="automatic invoice sending",
            as_of=as_of,
            customer=customer,
        )
        return None


def due_date_notice_send(*, notice: CustomerNotice, as_of: datetime, by=None) -> OutboxMessage | None:
    """Queue the e-mail telling the customer about a changed due date, in the caller's transaction.

    The ``CustomerNotice`` stays the record of the obligation ("the customer must be told"); the
    outbox row is its delivery. When the message is queued, the notice stores its id
    (``data["outbox_message_id"]``) and becomes ``sent`` — from then on the outbox owns delivery
    (retries, failures and bounces open their own follow-up tasks, and the invoice shows the
    message's status). Without a recipient the notice stays ``pending`` and a task opens.

    The internal reason for the change is *not* in the e-mail: it is written for colleagues
    ("payment plan after dunning call", "dispute") and may not be fit for the customer. The e-mail
    states the old and new due date and the open amount; whoever wants to explain sends a reply.
    """
    from communications.services.outbox import message_queue

    invoice = notice.invoice
    data = notice.data or {}
    old = date.fromisoformat(data["old_due_date"]) if data.get("old_due_date") else None
    new = date.fromisoformat(data["new_due_date"]) if data.get("new_due_date") else invoice.due_date
    try:
        # A savepoint: the due date changes even when the e-mail cannot be queued; a person follows up.
        with transaction.atomic():
            recipients = _recipients(invoice, None)
            language = _language(invoice)
            subject, body_text, body_html = mail_render(
                template="due_date_changed",
                language=language,
                context={
                    **_context(invoice, to=recipients, xrechnung=False),
                    "amount": invoice.open_amount,
                    "old_due_date": old,
                    "new_due_date": new,
                    "due_date": new,
                },
            )
            message = message_queue(
                customer=invoice.customer,
                template="due_date_changed",
                language=language,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                to=recipients,
                cause="due date changed",
                as_of=as_of,
                by=by if getattr(by, "pk", None) else None,
                subjects=[invoice],
            )
            notice.data = {**data, "outbox_message_id": message.pk}
            notice.status = CustomerNotice.Status.SENT
            notice.save(update_fields=["data", "status"])
            return message
    except ValidationError as exc:
        followup_open(
            kind=NOTICE_NOT_SENT_TASK,
            title=_("Tell the customer about the new due date of %(document)s") % {"document": invoice.number},
            description=_("The notice could not be e-mailed: %(problems)s") % {"problems": " ".join(exc.messages)},
            about=invoice,
            rule="due date change notice",
            as_of=as_of,
            customer=invoice.customer,
        )
        return None
