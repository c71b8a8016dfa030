"""Business documents as archival PDFs: PDF/A-3b rendered by WeasyPrint, byte-for-byte reproducible.

Every document kind (invoices, credit notes, later reminders and account statements) goes
through ``pdf_render``: HTML in, PDF/A-3b out, fonts embedded, nothing fetched from the
network. The same input gives the same bytes: the creation date, the document ID and the
attachment dates come from the document (not the clock), so re-rendering an archived
invoice proves it unchanged (GoBD). ``document_store`` writes the bytes to Django's
storage under a content-derived name together with their SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from lxml import etree

FACTURX_FILENAME = "factur-x.xml"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class DocumentRenderError(Exception):
    """The document could not be rendered (a resource was refused or missing)."""


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF/A-3 (ISO 19005-3 allows any format with an AFRelationship)."""

    name: str
    data: bytes
    description: str = ""
    relationship: str = "Data"  # Factur-X: the XML is the data the visual invoice shows.


def _local_fetcher():
    """Only data: and file: URLs: a document never reaches out to the network (and a template
    with an http URL fails loudly instead of producing a PDF without its logo or font)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)


def facturx_xmp_descriptions(*, level: str = "EN 16931") -> list[etree._Element]:
    """The XMP the Factur-X/ZUGFeRD 2 standard requires next to PDF/A's own: the ``fx:``
    properties (document type, file name, version, conformance level) and the PDF/A extension
    schema that declares them. Built by the factur-x package; only those two descriptions are
    taken, since the date and producer entries are WeasyPrint's (and must not carry the clock).
    """
    from facturx.facturx import generate_xmp_object

    urn = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
    root = generate_xmp_object(
        {
            "pdfa3_flavor": "B",
            "title": "",
            "author": "",
            "subject": "",
            "producer": "",
            "creator_tool": "",
            "timestamp": "",
            "version": "1.0",
            "documenttype": "INVOICE",
            "xml_filename": FACTURX_FILENAME,
            "xmp_level": level,
            "urn": urn,
        }
    )
    wanted = []
    for description in root.iter(f"{{{RDF_NS}}}Description"):
        namespaces = {etree.QName(child).namespace for child in description.iterchildren()}
        if urn in namespaces or "http://www.aiim.org/pdfa/ns/extension/" in namespaces:
            description.set(f"{{{RDF_NS}}}about", "")
            wanted.append(description)
    if len(wanted) != 2:
        raise DocumentRenderError("factur-x did not produce the Factur-X XMP extension schema")
    return wanted


def _rdf_with(original, extra: list[etree._Element], *args, **kwargs) -> bytes:
    rdf = etree.fromstring(original(*args, **kwargs))
    for description in extra:
        rdf.append(etree.fromstring(etree.tostring(description)))
    return etree.tostring(rdf, encoding="utf-8")


def pdf_render(
    *,
    html: str,
    identifier: bytes,
    created: datetime,
    lang: str,
    title: str,
    author: str = "",
    base_url: str | None = None,
    attachments: tuple[PdfAttachment, ...] | list[PdfAttachment] = (),
    xmp_descriptions: list[etree._Element] | None = None,
) -> bytes:
    """Render HTML to a PDF/A-3b (``pdf_variant``) with an sRGB output intent and embedded fonts.

    ``identifier`` becomes the PDF file ID and ``created`` the creation and modification date
    (document info, XMP and embedded files), so the output depends on the input alone.
    ``xmp_descriptions`` are added to the document's XMP packet (e.g. the Factur-X schema).
    """
    from weasyprint import HTML, Attachment
    from weasyprint.urls import FatalURLFetchingError

    moment = created.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    w3c = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=_local_fetcher()).render()
    except FatalURLFetchingError as exc:  # the fetcher's refusal (fail_on_errors); a BaseException
        raise DocumentRenderError(f"{exc}: {exc.__cause__ or exc.__context__}") from exc
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author] if author else []
    metadata.created = metadata.modified = w3c
    metadata.lang = lang
    metadata.generator = "Debitor"
    if xmp_descriptions:
        # WeasyPrint writes extra XMP as siblings of its rdf:RDF; the Factur-X properties belong
        # inside the one rdf:RDF (XMP spec, part 1, 7.3), so they are merged there.
        metadata.generate_rdf_metadata = partial(_rdf_with, metadata.generate_rdf_metadata, xmp_descriptions)
    pdf_attachments = [
        Attachment(
            string=attachment.data,
            name=attachment.name,
            description=attachment.description,
            created=moment,
            modified=moment,
            relationship=attachment.relationship,
        )
        for attachment in attachments
    ]
    return document.write_pdf(
        pdf_variant="pdf/a-3b",
        pdf_identifier=hashlib.md5(identifier, usedforsecurity=False).hexdigest().encode(),
        attachments=pdf_attachments,
        uncompressed_pdf=False,
    )


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


def document_store(*, folder: str, filename: str, data: bytes) -> StoredFile:
    """Write ``data`` to the default storage (``MEDIA_ROOT`` locally, any backend in production).

    The path carries the content hash, so a stored original is never overwritten: a
    different rendering of the same document lands beside it, not on top of it.
    """
    digest = hashlib.sha256(data).hexdigest()
    path = f"{folder.strip('/')}/{digest[:16]}/{filename}"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as existing:
            if hashlib.sha256(existing.read()).hexdigest() == digest:
                return StoredFile(name=path, sha256=digest, size=len(data))
    name = default_storage.save(path, ContentFile(data))
    return StoredFile(name=name, sha256=digest, size=len(data))


class StoredFileAltered(RuntimeError):
    """A stored file no longer matches the SHA-256 recorded when it was written."""


def document_read(*, name: str, sha256: str, label: str = "") -> bytes:
    """The bytes of a stored file, checked against its recorded SHA-256: an altered archive is an
    error, never a download or an attachment."""
    with default_storage.open(name, "rb") as stored:
        data = stored.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoredFileAltered(f"{label or name}: stored file does not match its SHA-256; the archive was altered.")
    return data
