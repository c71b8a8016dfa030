"""The access export (Art. 15 DSGVO): everything every registered source holds about the request's
person, as JSON, and as a ZIP with that JSON, one CSV per source and a summary page to read.

Only the request's customer is looked at by every source: nothing of another customer is in it.
Each export is logged (``privacy.exported``: the request and the sources, no content)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.events import Actor, event_record
from core.formatting import date_text, datetime_text
from core.privacy import privacy_sources

from .models import DataSubjectRequest, RequestKind, RequestStatus
from .services import data_subject_of

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def privacy_export_data(*, request: DataSubjectRequest, as_of: datetime) -> dict:
    """What is stored about the request's person, per source (a read; nothing is logged)."""
    subject = data_subject_of(request)
    data = {
        "request": {
            "id": request.pk,
            "kind": request.kind,
            "received_at": request.received_at,
            "customer": {"id": request.customer_id, "number": request.customer.number},
            "contacts": list(subject.contact_ids),
            "customer_itself": subject.customer_itself,
        },
        "generated_at": as_of,
        "sources": [
            {
                "source": source.name,
                "label": str(source.label),
                "holds": str(source.holds),
                "rows": source.export(subject),
            }
            for source in privacy_sources()
        ],
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def privacy_export(*, request: DataSubjectRequest, as_of: datetime, by=None, file_format: str = "json") -> dict:
    """The export, logged as ``privacy.exported``; an open access request is answered by it (done)."""
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
        data = privacy_export_data(request=request, as_of=as_of)
        if request.kind == RequestKind.ACCESS and request.status == RequestStatus.RECEIVED:
            request.status, request.decided_at, request.decided_by = RequestStatus.DONE, as_of, by
            request.save(update_fields=["status", "decided_at", "decided_by"])
        event_record(
            type="privacy.exported",
            obj=request,
            customer_id=request.customer_id,
            data={
                "request": request.pk,
                "format": file_format,
                "sources": {s["source"]: len(s["rows"]) for s in data["sources"]},
            },
            actor=Actor.for_user(by) if by is not None else None,
            at=as_of,
        )
    return data


def _cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _csv(rows: list[dict]) -> str:
    columns = _columns(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in columns})
    return out.getvalue()


def export_zip(data: dict, *, request: DataSubjectRequest) -> bytes:
    """``export.json`` (everything), ``<source>.csv`` per source with rows, ``summary.html`` to read."""
    buffer = io.BytesIO()
    summary = render_to_string(
        "privacy/export_summary.html",
        {
            "request": request,
            "received": datetime_text(request.received_at),
            "generated": _readable(data["generated_at"]),
            "sources": [_readable_source(source) for source in data["sources"]],
        },
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(data, ensure_ascii=False, indent=2))
        for source in data["sources"]:
            if source["rows"]:
                archive.writestr(f"{source['source']}.csv", _csv(source["rows"]))
        archive.writestr("summary.html", summary)
    return buffer.getvalue()


def _readable(value) -> str:
    """A cell of the summary in the reader's format: dates and times as the locale writes them."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return date_text(date.fromisoformat(value))
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            return datetime_text(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return _cell(value)


def _readable_source(source: dict) -> dict:
    columns = _columns(source["rows"])
    return {
        "label": source["label"],
        "holds": source["holds"],
        "count": len(source["rows"]),
        "columns": columns,
        "rows": [[_readable(row.get(column)) for column in columns] for row in source["rows"]],
    }


def _columns(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def export_filename(request: DataSubjectRequest) -> str:
    return _("data-export-%(customer)s-request-%(id)s.zip") % {"customer": request.customer.number, "id": request.pk}
