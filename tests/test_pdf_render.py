"""core.documents: the PDF/A-3b renderer every document kind uses."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from core.documents import DocumentRenderError, PdfAttachment, document_store, facturx_xmp_descriptions, pdf_render

ROOT = Path(__file__).resolve().parents[1]
HTML = "<html><body style='font-family: Liberation Sans'><h1>Rechnung RE-1</h1><p>Größe € <b>fett</b></p></body></html>"
RENDER = """
import hashlib
from datetime import UTC, datetime
from core.documents import PdfAttachment, facturx_xmp_descriptions, pdf_render
pdf = pdf_render(html={html!r}, identifier=b"RE-1", created=datetime(2026, 11, 27, 9, tzinfo=UTC), lang="de",
                 title="Rechnung RE-1", attachments=[PdfAttachment(name="factur-x.xml", data=b"<x/>")],
                 xmp_descriptions=facturx_xmp_descriptions())
print(hashlib.sha256(pdf).hexdigest())
"""


def render(**overrides) -> bytes:
    arguments = {
        "html": HTML,
        "identifier": b"RE-1",
        "created": datetime(2026, 11, 27, 9, tzinfo=UTC),
        "lang": "de",
        "title": "Rechnung RE-1",
        "attachments": [PdfAttachment(name="factur-x.xml", data=b"<x/>")],
        "xmp_descriptions": facturx_xmp_descriptions(),
    }
    return pdf_render(**(arguments | overrides))


def test_the_same_input_gives_the_same_bytes_in_other_processes_too():
    here = hashlib.sha256(render()).hexdigest()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    script = "import django; django.setup()\n" + RENDER.format(html=HTML)
    elsewhere = {
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script],
            env={**env, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert elsewhere == {here}


def test_the_creation_date_and_id_come_from_the_arguments_not_the_clock():
    first = render()
    later = render(created=datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))

    assert first != later
    with pikepdf.open(io.BytesIO(later)) as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20270102030405")
        assert pdf.open_metadata()["xmp:CreateDate"].startswith("2027-01-02T03:04:05")
        spec = pdf.attachments["factur-x.xml"].obj
        assert str(spec.EF.F.Params.ModDate).startswith("D:20270102030405")
    assert render(identifier=b"RE-2") != first


def test_a_template_that_refers_to_the_network_fails_instead_of_rendering_without_it():
    html = HTML.replace("<h1>", '<img src="https://example.com/logo.png"><h1>')

    with pytest.raises(DocumentRenderError, match="disallowed protocol"):
        render(html=html)


def test_stored_originals_are_content_addressed_and_never_overwritten(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    first = document_store(folder="invoices/2026/RE-1", filename="RE-1.pdf", data=b"%PDF one")
    again = document_store(folder="invoices/2026/RE-1", filename="RE-1.pdf", data=b"%PDF one")
    other = document_store(folder="invoices/2026/RE-1", filename="RE-1.pdf", data=b"%PDF two")

    assert first == again
    assert other.name != first.name
    assert (tmp_path / first.name).read_bytes() == b"%PDF one"
    assert first.sha256 == hashlib.sha256(b"%PDF one").hexdigest()
