"""Limitation (§§ 195, 199, 212 BGB): which claims become time-barred, the daily task job, the
export for a Mahnbescheid or a collection agency, and the API."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.documents import document_store
from customers.tests.factories import make_customer
from dunning.limitation import barred_on, claims_expiring, claims_export_zip, limitation_tasks_open
from dunning.models import (
    DunningLevel,
    DunningPolicy,
    DunningRun,
    LimitationWarning,
    Reminder,
    ReminderRecord,
    ReminderStatus,
)
from invoicing.models import InvoiceDocument
from invoicing.tests.factories import at, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, make_open_item, make_payment, net_terms
from tasks.models import FollowUpTask
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal
AS_OF = date(2025, 9, 1)


def invoice_due(customer, day: date, gross: str = "119.00"):
    return make_invoice(customer=customer, gross=gross, terms=net_terms(0), as_of=at(day))


@pytest.mark.parametrize(
    ("arose", "acknowledged", "expected"),
    [
        (date(2023, 3, 15), None, date(2027, 1, 1)),  # three years after the end of 2023
        (date(2023, 12, 31), None, date(2027, 1, 1)),
        (date(2022, 1, 1), None, date(2026, 1, 1)),
        (date(2022, 5, 1), date(2025, 6, 10), date(2028, 6, 11)),  # § 212: anew from the payment
        (date(2023, 5, 1), date(2023, 6, 10), date(2027, 1, 1)),  # a payment before the year's end changes nothing
        (date(2021, 5, 1), date(2024, 2, 29), date(2027, 3, 1)),  # § 188 (3): 28 Feb 2027 is the last day
    ],
)
def test_a_claim_is_barred_three_years_after_the_year_it_fell_due_or_after_the_last_payment(
    arose, acknowledged, expected
):
    assert barred_on(arose=arose, acknowledged=acknowledged) == expected


def test_the_claims_expiring_are_read_in_one_query(django_assert_num_queries):
    customer = make_customer()
    # Issued in date order (invoice numbers follow the dates).
    invoice_due(customer, date(2021, 6, 1))  # barred since 2025-01-01: already barred
    paid_in_part = invoice_due(customer, date(2022, 3, 1))
    paid = invoice_due(customer, date(2022, 6, 1))
    expiring = invoice_due(customer, date(2022, 12, 31))  # barred 2026-01-01
    invoice_due(customer, date(2023, 1, 15))  # barred 2027-01-01: not within six months
    make_open_item(customer=customer, kind="default_interest", amount="12.34", invoice=expiring)
    make_open_item(customer=customer, kind="dunning_fee", amount="5.00", invoice=expiring)
    make_open_item(customer=customer, kind="flat_fee", amount="40.00", invoice=expiring)
    make_payment(customer=customer, amount="119.00", remittance=paid.number, allocate=True)
    make_payment(
        customer=customer, amount="19.00", remittance=paid_in_part.number, value_date=date(2024, 5, 2), allocate=True
    )  # barred 2027-05-03 (§ 212 BGB)
    with django_assert_num_queries(1):
        claims = claims_expiring(within_months=6, as_of=AS_OF)
    assert [c.number for c in claims] == [expiring.number]
    claim = claims[0]
    assert (claim.principal, claim.interest, claim.costs) == (D("119.00"), D("12.34"), D("45.00"))
    assert (claim.barred_on, claim.last_day) == (date(2026, 1, 1), date(2025, 12, 31))
    later = claims_expiring(within_months=24, as_of=AS_OF)
    assert [c.number for c in later][-1] == paid_in_part.number
    assert later[-1].acknowledged == date(2024, 5, 2)


def test_the_daily_job_opens_one_task_per_claim_and_never_twice():
    customer = make_customer()
    first = invoice_due(customer, date(2022, 11, 30))
    invoice_due(customer, date(2022, 12, 15))
    now = at(AS_OF)
    assert limitation_tasks_open(as_of=now) == 2
    assert limitation_tasks_open(as_of=now) == 0
    tasks = FollowUpTask.objects.filter(kind="limitation")
    assert tasks.count() == 2
    assert {t.created_by_rule for t in tasks} == {"limitation-warning"}
    # Closed by a person, it is not opened again the next day.
    FollowUpTask.objects.filter(kind="limitation").update(status="done", closed_at=now)
    assert limitation_tasks_open(as_of=at(date(2025, 9, 2))) == 0
    assert LimitationWarning.objects.filter(invoice=first, barred_on=date(2026, 1, 1)).count() == 1


def _sent_reminder(customer, invoice, *, as_of):
    policy = DunningPolicy.objects.create(name="Limitation test", created_at=as_of, updated_at=as_of)
    level = DunningLevel.objects.create(policy=policy, position=1, name="Zahlungserinnerung", days=14, template="r1")
    run = DunningRun.objects.create(as_of=as_of.date(), started_at=as_of)
    stored = document_store(folder="reminders", filename="mahnung.pdf", data=b"%PDF-1.7 reminder")
    reminder = Reminder.objects.create(
        run=run,
        customer=customer,
        policy=policy,
        level=level,
        status=ReminderStatus.SENT,
        language="de",
        currency="EUR",
        total=invoice.open_amount,
        lines=[],
        document_name=stored.name,
        document_sha256=stored.sha256,
        created_at=as_of,
    )
    ReminderRecord.objects.create(invoice=invoice, level=level, reminder=reminder, created_at=as_of)
    return reminder


def test_the_export_holds_the_claims_their_invoices_and_every_reminder_sent():
    customer = make_customer(legal_name='=HYPERLINK("http://x") GmbH')
    invoice = invoice_due(customer, date(2022, 12, 31))
    stored = document_store(folder="invoices", filename="re.pdf", data=b"%PDF-1.7 invoice")
    InvoiceDocument.objects.get_or_create(
        invoice=invoice,
        kind=InvoiceDocument.Kind.PDF,
        defaults={
            "file": stored.name,
            "filename": "re.pdf",
            "sha256": stored.sha256,
            "size": stored.size,
            "renderer": "test",
            "render_version": 1,
            "created_at": timezone.now(),
        },
    )
    reminder = _sent_reminder(customer, invoice, as_of=at(date(2023, 2, 1)))
    archive = zipfile.ZipFile(io.BytesIO(claims_export_zip(claims=claims_expiring(within_months=6, as_of=AS_OF))))
    names = set(archive.namelist())
    assert {"claims.csv", "reminders.csv", f"reminders/{reminder.pk}.pdf"} <= names
    assert any(name.startswith("invoices/") for name in names)
    rows = list(csv.reader(io.StringIO(archive.read("claims.csv").decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][1].startswith("'=HYPERLINK")  # formula injection escaped
    assert rows[1][6] == invoice.number and rows[1][11] == "119.00" and rows[1][-1] == "1"
    reminders = list(csv.reader(io.StringIO(archive.read("reminders.csv").decode("utf-8-sig"))))
    assert reminders[1][:3] == [invoice.number, str(reminder.pk), "1"]
    assert archive.read(f"reminders/{reminder.pk}.pdf") == b"%PDF-1.7 reminder"


def test_the_api_lists_and_exports_the_claims(viewer):
    customer = make_customer()
    invoice = invoice_due(customer, date(2022, 12, 31))
    client = client_for(viewer)
    response = client.get("/api/v1/dunning/limitation/", {"as_of": "2025-09-01", "within_months": "6"})
    assert response.status_code == 200, response.content
    assert [row["number"] for row in response.json()] == [invoice.number]
    assert response.json()[0]["barred_on"] == "2026-01-01"
    assert client.get("/api/v1/dunning/limitation/", {"within_months": "x"}).status_code == 400
    assert client.get("/api/v1/dunning/limitation/", {"as_of": "2025-13-01"}).status_code == 400
    export = client.get("/api/v1/dunning/limitation/export/", {"as_of": "2025-09-01"})
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert "claims.csv" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()


def test_the_admin_lists_the_claims_and_exports_them(manager):
    customer = make_customer()
    invoice = invoice_due(customer, date(2022, 12, 31))
    client = Client()
    client.force_login(manager)
    with time_machine.travel(at(AS_OF), tick=False):
        page = client.get("/admin/dunning/limitationwarning/", {"months": "6"})
        assert page.status_code == 200
        assert invoice.number in page.content.decode()
        export = client.get("/admin/dunning/limitationwarning/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert "claims.csv" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
