"""Invoice documents: PDF render per invoice against bare WeasyPrint, and e-invoice build + validation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_documents.py --rounds 15

Creates a scratch test database and issues two invoices (10 and 100 lines). Measures, in the
same run and interleaved (so CPU noise hits both sides alike):
1. the project's PDF render (``invoice_documents_build``: CII XML, validation, HTML, PDF/A-3b
   with the embedded XML and the Factur-X XMP) per invoice;
2. reference: WeasyPrint rendering the same HTML bare (``HTML(string).write_pdf()``, no PDF/A,
   no attachment) — the goal is project / reference ≤ 1.2 for the PDF part;
3. the PDF part alone (``pdf_render`` with the prepared HTML and XML), so the ratio in 2 is not
   hidden by the XML work;
4. e-invoice build (``cii_build``) and validation (``cii_validate``: XSD + EN 16931 schematron
   with saxonche + for XRechnung the BR-DE checks), per invoice, and the one-time rule compile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def issue(lines: int):
    from invoicing.services import invoice_draft_create, invoice_issue
    from invoicing.tests.factories import make_customer

    now = timezone.now()
    rows = [
        {
            "description": f"Leistungsposition {i} – Beratung und Umsetzung",
            "quantity": "3",
            "unit_code": "HUR",
            "unit_price": "87.50",
            "vat_category": "S",
            "vat_rate": "19" if i % 3 else "7",
        }
        for i in range(lines)
    ]
    draft = invoice_draft_create(customer=make_customer(), as_of=now, data={"service_date": now.date()}, lines=rows)
    return invoice_issue(invoice=draft, as_of=now)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from weasyprint import HTML

    from core.documents import FACTURX_FILENAME, PdfAttachment, facturx_xmp_descriptions, pdf_render
    from invoicing.documents.html import invoice_html
    from invoicing.einvoice import validation
    from invoicing.einvoice.cii import cii_build
    from invoicing.services.documents import _load, invoice_documents_build
    from invoicing.tests.factories import make_company_profile, seed_rates_and_terms

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed_rates_and_terms()
        make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 123456")
        compile_s = timed(validation.default_rules)  # compile once per process
        print(f"rules compile (XSD + EN 16931 XSLT with saxonche): {compile_s * 1000:.0f} ms")
        base_url = (Path(__file__).resolve().parents[1] / "templates").as_uri() + "/"
        for size in (10, 100):
            invoice = _load(issue(size).pk)
            html = invoice_html(invoice)
            xml = cii_build(invoice)
            project, bare, pdf_only, build, check, build_xr, check_xr, html_only = ([] for _ in range(8))
            invoice_documents_build(invoice, xrechnung=False)  # warm caches (fonts, templates)
            HTML(string=html, base_url=base_url).write_pdf()
            pages = 0
            for _ in range(args.rounds):
                project.append(timed(lambda: invoice_documents_build(invoice, xrechnung=False)))  # noqa: B023
                bare.append(timed(lambda: HTML(string=html, base_url=base_url).write_pdf()))  # noqa: B023
                pdf_only.append(
                    timed(
                        lambda: pdf_render(  # noqa: B023
                            html=html,  # noqa: B023
                            base_url=base_url,
                            identifier=invoice.number.encode(),  # noqa: B023
                            created=invoice.issued_at,  # noqa: B023
                            lang="de",
                            title=invoice.number,  # noqa: B023
                            attachments=[PdfAttachment(name=FACTURX_FILENAME, data=xml)],  # noqa: B023
                            xmp_descriptions=facturx_xmp_descriptions(),
                        )
                    )
                )
                html_only.append(timed(lambda: invoice_html(invoice)))  # noqa: B023
                build.append(timed(lambda: cii_build(invoice)))  # noqa: B023
                check.append(timed(lambda: validation.cii_validate(xml)))  # noqa: B023
                xr = cii_build(invoice, xrechnung=True)
                build_xr.append(timed(lambda: cii_build(invoice, xrechnung=True)))  # noqa: B023
                check_xr.append(timed(lambda: validation.cii_validate(xr, xrechnung=True)))  # noqa: B023
            # What Debian's libharfbuzz-subset0 buys: the same bare render with WeasyPrint's
            # fontTools fallback for font subsetting (module switch, this process only).
            from weasyprint.pdf import fonts as weasy_fonts

            subsetter, weasy_fonts.harfbuzz_subset = weasy_fonts.harfbuzz_subset, None
            try:
                fonttools = [timed(lambda: HTML(string=html, base_url=base_url).write_pdf()) for _ in range(5)]  # noqa: B023
            finally:
                weasy_fonts.harfbuzz_subset = subsetter
            print(
                f"{size:>3} lines: bare WeasyPrint with fontTools subsetting {median_ms(fonttools):.0f} ms "
                f"vs HarfBuzz {median_ms(bare):.0f} ms ({median_ms(fonttools) / median_ms(bare):.2f}×)"
            )
            doc = HTML(string=html, base_url=base_url).render()
            pages = len(doc.pages)
            print(
                f"{size:>3} lines ({pages} pages): full pipeline {median_ms(project):.0f} ms, "
                f"HTML {median_ms(html_only):.0f} ms, "
                f"PDF/A-3 render {median_ms(pdf_only):.0f} ms, bare WeasyPrint {median_ms(bare):.0f} ms, "
                f"PDF/A-3 / bare {statistics.median(pdf_only) / statistics.median(bare):.2f}, "
                f"(HTML + PDF/A-3) / bare {(median_ms(html_only) + median_ms(pdf_only)) / median_ms(bare):.2f}, "
                f"full / bare {statistics.median(project) / statistics.median(bare):.2f}; "
                f"CII build {median_ms(build):.1f} ms, validate {median_ms(check):.1f} ms; "
                f"XRechnung build {median_ms(build_xr):.1f} ms, validate {median_ms(check_xr):.1f} ms "
                f"(median of {args.rounds})"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
