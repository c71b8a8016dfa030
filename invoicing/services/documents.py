"""The documents of an issued invoice or credit note: PDF/A-3 with embedded Factur-X, XRechnung.

Issuing schedules the work (a state row and a durable job in the issuing transaction); the
job builds the EN 16931 XML, validates it and, only when it is valid, renders and stores the
PDF. Fail closed: an e-invoice that breaks a rule is neither stored nor sent; the invoice
shows which rules and a follow-up task opens. A stored original is never replaced (GoBD);
re-rendering gives the same bytes, which ``invoice_document_verify`` proves on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import (
    FACTURX_FILENAME,
    PdfAttachment,
    StoredFileAltered,
    document_read,
    document_store,
    facturx_xmp_descriptions,
    pdf_render,
)
from core.events import event_record
from core.followups import followup_kind_register, followup_open
from core.languages import document_language
from core.services import job_enqueue

from ..models import (
    DocumentState,
    DocumentStatus,
    DocumentType,
    Invoice,
    InvoiceDocument,
    InvoiceDocumentState,
    InvoiceEvent,
)

RENDER_JOB = "invoicing.render_documents"
TASK_KIND = followup_kind_register("e_invoice_invalid", gettext_lazy("e-invoice invalid"))
TITLES = {
    (DocumentType.INVOICE, "de"): "Rechnung",
    (DocumentType.INVOICE, "en"): "Invoice",
    (DocumentType.CREDIT_NOTE, "de"): "Rechnungskorrektur",
    (DocumentType.CREDIT_NOTE, "en"): "Credit note",
}


class DocumentsNotReady(Exception):
    """The requested document does not exist (yet): still being created, or refused."""

    def __init__(self, invoice: Invoice, state: InvoiceDocumentState | None, kind: str):
        self.invoice, self.state, self.kind = invoice, state, kind
        if invoice.status == DocumentStatus.DRAFT:
            message = _("A draft has no documents; issue it first.")
        elif state is not None and state.state == DocumentState.INVALID:
            message = _("e-invoice invalid: %(summary)s") % {"summary": state.summary}
        elif state is not None and state.state == DocumentState.READY:
            message = _("%(document)s has no %(kind)s document.") % {"document": invoice.number, "kind": kind}
        else:
            message = _("The documents of %(document)s are being created.") % {"document": invoice.number}
        super().__init__(message)


def wants_xrechnung(buyer: dict) -> bool:
    """Public-sector buyers (Leitweg-ID) and customers who chose XRechnung get the standalone XML
    (E-Rechnungsverordnung; the Leitweg-ID is XRechnung's buyer reference BT-10)."""
    return (
        buyer.get("e_invoice_format") == "xrechnung" or buyer.get("kind") == "public" or bool(buyer.get("leitweg_id"))
    )


def invoice_documents_schedule(*, invoice: Invoice, as_of: datetime) -> InvoiceDocumentState:
    """Record, in the issuing transaction, that the documents are due; a job creates them after commit."""
    state, _created = InvoiceDocumentState.objects.get_or_create(
        invoice=invoice, defaults={"xrechnung": wants_xrechnung(invoice.buyer), "updated_at": as_of}
    )
    job_enqueue(
        kind=RENDER_JOB, as_of=as_of, payload={"invoice_id": invoice.pk}, dedupe_key=f"invoice-documents:{invoice.pk}"
    )
    return state


@dataclass(frozen=True)
class RenderedDocuments:
    """What the render pipeline produced for one document, before anything is stored."""

    facturx_xml: bytes
    xrechnung_xml: bytes | None
    pdf: bytes | None
    problems: list[dict]


# What made a stored original's bytes, recorded with it (InvoiceDocument.render_version). Raise it
# whenever fonts, the template, the texts or the XML mapping change what an issued document looks
# like; only the current version can be rendered again byte for byte, older originals are proved
# by their stored SHA-256 alone and never replaced (GoBD).
#   1  until issue 13: Liberation Sans / DejaVu Sans, one exemption reason per VAT breakdown row.
#   2  issue 13: Noto fonts (CJK and other scripts), every exemption reason of the row and each
#      exempt line's own reason printed, VATEX code texts; contract and project references, the
#      buyer's contact, line notes, periods, charges and allowance/charge reasons (e-invoice and PDF).
#   Issue 17 added payment means (direct debit, card paid at issue) without raising it: they exist
#   only on documents issued since, and a document without them renders byte for byte as in 2.
RENDER_VERSION = 2


def _renderer() -> str:
    return f"Debitor {version('debitor')} · WeasyPrint {version('weasyprint')} · drafthorse {version('drafthorse')}"


def _load(invoice_id: int) -> Invoice:
    return (
        Invoice.objects.select_related("corrected_invoice", "customer")
        .prefetch_related("lines", "allowances_charges", "vat_breakdown")
        .get(pk=invoice_id)
    )


def _problems(violations, document: str) -> list[dict]:
    return [
        {"rule": v.rule, "message": v.message, "location": v.location, "document": document}
        for v in violations
        if v.flag == "fatal"
    ]


def invoice_documents_build(invoice: Invoice, *, xrechnung: bool, with_pdf: bool = True) -> RenderedDocuments:
    """Build and validate the XML, then render the PDF around it — only if the XML is valid.

    Raises ``ValidationSetupError`` when the rules themselves cannot run (never a pass).
    """
    from ..documents.html import invoice_html
    from ..einvoice.cii import cii_build
    from ..einvoice.validation import cii_validate

    facturx_xml = cii_build(invoice)
    problems = _problems(cii_validate(facturx_xml), "factur-x")
    xrechnung_xml = None
    if xrechnung:
        xrechnung_xml = cii_build(invoice, xrechnung=True)
        problems += _problems(cii_validate(xrechnung_xml, xrechnung=True), "xrechnung")
    if problems or not with_pdf:
        return RenderedDocuments(facturx_xml, xrechnung_xml, None, problems)
    language = document_language(invoice.language)
    title = f"{TITLES[(invoice.document_type, language)]} {invoice.number}"
    pdf = pdf_render(
        html=invoice_html(invoice),
        base_url=(settings.BASE_DIR / "templates").as_uri() + "/",
        identifier=f"{invoice.number}/{invoice.pk}".encode(),
        created=invoice.issued_at,
        lang=language,
        title=title,
        author=invoice.seller.get("name", ""),
        attachments=[PdfAttachment(name=FACTURX_FILENAME, data=facturx_xml, description="Factur-X XML (EN 16931)")],
        xmp_descriptions=facturx_xmp_descriptions(),
    )
    return RenderedDocuments(facturx_xml, xrechnung_xml, pdf, problems)


def _summary(problems: list[dict]) -> str:
    seen: list[str] = []
    for problem in problems:
        text = f"{problem['rule']} {problem['message']}".strip()
        if text not in seen:
            seen.append(text)
    summary = "; ".join(seen)
    return summary if len(summary) <= 500 else summary[:497] + "…"


def _files(invoice: Invoice, rendered: RenderedDocuments) -> list[tuple[str, str, bytes]]:
    base = invoice.number
    files = [
        (InvoiceDocument.Kind.PDF, f"{base}.pdf", rendered.pdf),
        (InvoiceDocument.Kind.FACTURX, f"{base}_factur-x.xml", rendered.facturx_xml),
    ]
    if rendered.xrechnung_xml is not None:
        files.append((InvoiceDocument.Kind.XRECHNUNG, f"{base}_xrechnung.xml", rendered.xrechnung_xml))
    return files


def invoice_documents_render(*, invoice_id: int, as_of: datetime) -> InvoiceDocumentState:
    """Create and store the documents of an issued invoice; idempotent (a rerun changes nothing).

    The state row is locked for the whole run, so a duplicated job waits and then finds the
    work done. Files are written before the rows that point to them: a crash in between leaves
    an unreferenced file (content-addressed, harmless), never a row without its file.
    """

    with transaction.atomic():
        state = InvoiceDocumentState.objects.select_for_update().filter(invoice_id=invoice_id).first()
        if state is None:
            invoice = Invoice.objects.get(pk=invoice_id)
            if invoice.status == DocumentStatus.DRAFT:
                raise DocumentsNotReady(invoice, None, "pdf")
            # Issued before documents existed (or by the data generator): create the state now.
            InvoiceDocumentState.objects.get_or_create(
                invoice=invoice, defaults={"xrechnung": wants_xrechnung(invoice.buyer), "updated_at": as_of}
            )
            state = InvoiceDocumentState.objects.select_for_update().get(invoice_id=invoice_id)
        if state.state == DocumentState.READY:
            return state
        invoice = _load(invoice_id)
        rendered = invoice_documents_build(invoice, xrechnung=state.xrechnung)
        state.attempts += 1
        state.updated_at = as_of
        if rendered.problems:
            state.state = DocumentState.INVALID
            state.problems = rendered.problems
            state.summary = _summary(rendered.problems)
            state.save()
            InvoiceEvent.objects.create(
                invoice=invoice,
                kind=InvoiceEvent.Kind.E_INVOICE_INVALID,
                at=as_of,
                reason=state.summary,
                data={"rules": sorted({p["rule"] for p in rendered.problems})},
            )
            followup_open(
                kind=TASK_KIND,
                title=_("e-invoice of %(document)s is invalid: not sent") % {"document": invoice.number},
                description=_(
                    "The EN 16931 / XRechnung validation refused the e-invoice, so no PDF was stored or sent. "
                    "Broken rules: %(summary)s"
                )
                % {"summary": state.summary},
                about=invoice,
                rule="e-invoice validation",
                as_of=as_of,
            )
            return state
        existing = set(invoice.documents.values_list("kind", flat=True))
        renderer = _renderer()
        folder = f"invoices/{invoice.invoice_date:%Y}/{invoice.number}"
        created = []
        for kind, filename, data in _files(invoice, rendered):
            if kind in existing:
                continue  # the first stored original stays (GoBD)
            stored = document_store(folder=folder, filename=filename, data=data)
            created.append(
                InvoiceDocument(
                    invoice=invoice,
                    kind=kind,
                    file=stored.name,
                    filename=filename,
                    sha256=stored.sha256,
                    size=stored.size,
                    renderer=renderer,
                    render_version=RENDER_VERSION,
                    created_at=as_of,
                )
            )
        try:
            with transaction.atomic():
                InvoiceDocument.objects.bulk_create(created)
        except IntegrityError:
            pass  # stored by a run that did not hold the state lock (cannot happen through the job)
        state.state = DocumentState.READY
        state.problems = []
        state.summary = ""
        state.save()
        InvoiceEvent.objects.create(
            invoice=invoice,
            kind=InvoiceEvent.Kind.DOCUMENTS_CREATED,
            at=as_of,
            data={doc.kind: doc.sha256 for doc in created},
        )
        # Automatic e-mail on the transition to READY, in this transaction: it happens once (a
        # rerun returned above), and never for an invalid e-invoice (that branch returned too).
        from .sending import invoice_send_on_ready

        invoice_send_on_ready(invoice=invoice, as_of=as_of)
    return state


def invoice_documents_recheck(*, invoice: Invoice, as_of: datetime, by=None) -> InvoiceDocumentState:
    """Run an invalid (or missing) document through validation again, e.g. after the rule files or
    the mapping were fixed. The invoice data cannot change; only how it is turned into XML can."""
    with transaction.atomic():
        if invoice.status == DocumentStatus.DRAFT:
            raise DocumentsNotReady(invoice, None, "pdf")
        state = InvoiceDocumentState.objects.select_for_update().filter(invoice=invoice).first()
        if state is not None and state.state == DocumentState.READY:
            return state
        event_record(
            type="invoice.documents_rechecked",
            obj=invoice,
            customer_id=invoice.customer_id,
            data={"from_state": state.state if state is not None else ""},
            at=as_of,
        )
        if state is None:
            return invoice_documents_schedule(invoice=invoice, as_of=as_of)
        state.state = DocumentState.PENDING
        state.updated_at = as_of
        state.save(update_fields=["state", "updated_at"])
        job_enqueue(
            kind=RENDER_JOB,
            as_of=as_of,
            payload={"invoice_id": invoice.pk},
            dedupe_key=f"invoice-documents:{invoice.pk}",
            created_by=by if getattr(by, "pk", None) else None,
        )
    return state


def invoice_document_get(*, invoice: Invoice, kind: str) -> InvoiceDocument:
    """The stored original of a kind, or ``DocumentsNotReady`` saying why there is none."""
    document = next((d for d in invoice.documents.all() if d.kind == kind), None)
    if document is None:
        state = InvoiceDocumentState.objects.filter(invoice=invoice).first()
        raise DocumentsNotReady(invoice, state, kind)
    return document


def invoice_document_read(document: InvoiceDocument) -> bytes:
    """The stored bytes, checked against the recorded hash: a tampered archive is an error, not a download."""
    return document_read(name=document.file.name, sha256=document.sha256, label=document.filename)


def invoice_document_verify(*, document: InvoiceDocument) -> bool:
    """Whether a stored original is intact: True when its stored bytes match the SHA-256 recorded
    when it was written and — for an original of the current ``RENDER_VERSION`` — rendering it
    again from the issued data gives those very bytes.

    An original of an older version was made by fonts, texts or a mapping that no longer exist:
    it is proved by its hash alone, never re-rendered against today's renderer (which would differ
    for no fault of the archive) and never replaced.
    """
    try:
        stored = invoice_document_read(document)
    except (StoredFileAltered, OSError):
        return False  # altered or gone: the archive no longer holds what was issued
    if document.render_version != RENDER_VERSION:
        return True
    invoice = _load(document.invoice_id)
    state = InvoiceDocumentState.objects.get(invoice=invoice)
    rendered = invoice_documents_build(invoice, xrechnung=state.xrechnung)
    data = dict((kind, data) for kind, _name, data in _files(invoice, rendered)).get(document.kind)
    return data is not None and data == stored
