"""Storing bank statement imports: the upload, the background import (all or nothing, idempotent
for files, statements and lines), the admin pages and the API.

Most scenarios inject a small stub parser (``parse=``) so they state exactly which statements a
file holds; one test runs the real parsers on the project's own CAMT.053 fixture.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_noop

import payments.bank.admin  # noqa: F401  (registers the admin pages until payments/admin.py imports it)
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.messages import message_define
from core.models import Job
from core.services import job_run
from payments.bank.importing import (
    IMPORT_JOB,
    MATCH_JOB,
    statement_import_create,
    statement_import_run,
    statement_line_hashes,
)
from payments.bank.types import ParsedLine, ParsedStatement, StatementFormatError
from payments.models import BankStatement, BankStatementImport, BankStatementLine
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
ACCOUNT = "DE02120300000000202051"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bank"
Status = BankStatementImport.Status
NOT_A_NUMBER = message_define("test.bank.not_a_number", gettext_noop("amount is not a number"))


# --- Building statements ---------------------------------------------------------------------------
def line(amount: str, *, credit: bool = True, day: int = 2, ref: str = "", **extra) -> ParsedLine:
    return ParsedLine(
        amount=Decimal(amount),
        currency="EUR",
        credit=credit,
        booking_date=date(2026, 3, day),
        value_date=date(2026, 3, day),
        account_servicer_reference=ref,
        **extra,
    )


def statement(statement_id: str, *lines: ParsedLine, kind: str = "statement", **extra) -> ParsedStatement:
    fields = {
        "format": "camt.052.001.06" if kind == "report" else "camt.053.001.02",
        "kind": kind,
        "statement_id": statement_id,
        "account_iban": ACCOUNT,
        "currency": "EUR",
        "lines": tuple(lines),
        **extra,
    }
    return ParsedStatement(**fields)


def stub(*statements: ParsedStatement):
    def parse(data: bytes, *, filename: str = "", csv_mapping=None) -> list[ParsedStatement]:
        return list(statements)

    return parse


def upload(data: bytes = b"file one", name: str = "statement.xml", **kwargs) -> BankStatementImport:
    return statement_import_create(data=data, filename=name, as_of=AS_OF, **kwargs)


def imported(*statements: ParsedStatement, data: bytes = b"file one") -> BankStatementImport:
    statement_import = upload(data)
    return statement_import_run(import_id=statement_import.pk, as_of=AS_OF, parse=stub(*statements))


def live_lines():
    return BankStatementLine.objects.filter(superseded_by__isnull=True)


def run_jobs(kind: str = MATCH_JOB, *, clock=lambda: AS_OF) -> list[str]:
    """Run the pending jobs of a kind as the worker would (outcome per job, oldest first)."""
    return [
        job_run(job_id=pk, clock=clock)
        for pk in Job.objects.filter(kind=kind, status=Job.Status.PENDING).order_by("pk").values_list("pk", flat=True)
    ]


# --- The import service ----------------------------------------------------------------------------
def test_an_import_of_the_projects_camt053_fixture_stores_both_statements_and_every_transaction():
    data = (FIXTURES / "import_camt053_two_days.xml").read_bytes()
    statement_import = upload(data, "import_camt053_two_days.xml")

    done = statement_import_run(import_id=statement_import.pk, as_of=AS_OF)

    assert done.status == Status.DONE, done.error
    assert done.format == "camt.053.001.02"
    assert (done.statement_count, done.new_statement_count) == (2, 2)
    # Counted by hand from the fixture: day 1 has 3 entries, one of them a batch of 2 → 4 lines;
    # day 2 has 1 entry → 5 lines. Credits 119.00 + 100.00 + 200.00 = 419.00; debits 50.00 + 12.50.
    assert (done.line_count, done.new_line_count, done.duplicate_count) == (5, 5, 0)
    lines = BankStatementLine.objects.filter(statement__statement_import=done)
    assert lines.filter(credit=True).aggregate(total=Sum("amount"))["total"] == Decimal("419.00")
    assert lines.filter(credit=False).aggregate(total=Sum("amount"))["total"] == Decimal("62.50")
    day1, day2 = BankStatement.objects.order_by("statement_id")
    assert (day1.opening_balance, day1.closing_balance, day1.line_count) == (Decimal("1000.00"), Decimal("1369.00"), 4)
    assert (day2.opening_balance, day2.closing_balance, day2.line_count) == (Decimal("1369.00"), Decimal("1356.50"), 1)
    assert day1.balance_warning == day2.balance_warning == ""
    assert day1.account_iban == ACCOUNT and day1.sequence == "41"
    batch = list(day1.lines.filter(batch_size=2).order_by("batch_index"))
    assert [(b.amount, b.counterparty_name) for b in batch] == [
        (Decimal("100.00"), "Åsa Ørsted"),
        (Decimal("200.00"), "Bäckerei Zoë"),
    ]
    returned = day1.lines.get(credit=False)
    assert (returned.return_reason, returned.charges, returned.mandate_id) == ("MD06", Decimal("3.00"), "MANDATE-3")
    assert day1.lines.get(amount=Decimal("119.00")).counterparty_name == "Müller & Söhne Straßenbau GmbH"
    # Matching is a job of its own per statement, queued with the import: nothing is matched yet.
    assert set(lines.values_list("match_status", flat=True)) == {"new"}
    jobs = Job.objects.filter(kind=MATCH_JOB).order_by("pk")
    assert [job.payload for job in jobs] == [{"statement_id": day1.pk}, {"statement_id": day2.pk}]
    assert run_jobs() == ["done", "done"]
    # No invoice exists, so the credits wait for review (the debits are payments.bank.debits' business).
    assert set(lines.filter(credit=True).values_list("match_status", flat=True)) == {"review"}


def test_the_same_file_uploaded_twice_is_one_import_with_one_job():
    first = upload(b"same bytes")
    second = upload(b"same bytes", "renamed.xml")

    assert second.pk == first.pk
    assert BankStatementImport.objects.count() == 1
    assert Job.objects.filter(kind=IMPORT_JOB).count() == 1
    assert first.size == len(b"same bytes") and len(first.sha256) == 64
    assert first.status == Status.QUEUED


def test_an_empty_or_too_large_file_is_refused_before_anything_is_stored(settings):
    settings.DEBITOR_STATEMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as empty:
        upload(b"")
    with pytest.raises(ValidationError) as large:
        upload(b"x" * 11)

    assert "file" in empty.value.message_dict and "file" in large.value.message_dict
    assert not BankStatementImport.objects.exists() and not Job.objects.exists()


def test_an_overlapping_second_file_stores_only_the_line_the_first_did_not_have():
    a, b, c = line("10.00", ref="A"), line("20.00", ref="B"), line("30.00", day=3, ref="C")
    imported(statement("S1", a, b), data=b"first")

    second = imported(statement("S1", a, b), statement("S2", c), data=b"second")

    assert second.status == Status.DONE
    assert (second.statement_count, second.new_statement_count) == (2, 1)
    assert (second.line_count, second.new_line_count, second.duplicate_count) == (3, 1, 2)
    assert BankStatement.objects.count() == 2
    assert BankStatementLine.objects.count() == 3
    assert BankStatement.objects.get(statement_id="S2").lines.get().amount == Decimal("30.00")


def test_a_statement_delivered_again_with_one_more_line_is_held_not_appended_to():
    # Issue 13: the extra line used to be appended and matched; see test_bank_redelivery.py.
    a, b = line("10.00", ref="A"), line("20.00", ref="B")
    imported(statement("S1", a), data=b"first")

    again = imported(statement("S1", a, b), data=b"second")

    assert (again.new_statement_count, again.new_line_count, again.held_count) == (0, 0, 1)
    first = BankStatement.objects.get(standing="active")
    assert list(first.lines.values_list("position", "amount")) == [(0, Decimal("10.00"))]
    assert first.line_count == 1


def test_an_intraday_report_then_the_statement_stores_each_movement_once_and_links_the_report_line():
    booked = line("10.00", ref="ASR-1", end_to_end_id="E2E-1")
    pending = line("500.00", ref="ASR-2", status="PDNG")
    later = line("7.00", ref="ASR-3")
    report = imported(statement("RPT-1", booked, pending, kind="report"), data=b"report")
    report_line = BankStatementLine.objects.get(content_hash=statement_line_hashes(statement("x", booked))[0])
    BankStatementLine.objects.filter(pk=report_line.pk).update(match_status="matched")

    final = imported(statement("STMT-1", booked, later), data=b"statement")

    assert (report.new_line_count, final.new_line_count, final.confirmed_count, final.duplicate_count) == (2, 1, 1, 0)
    assert live_lines().count() == 3  # booked (from the statement), pending (report only), later
    assert live_lines().values("content_hash").distinct().count() == 3
    report_line.refresh_from_db()
    successor = report_line.superseded_by
    assert successor.statement.statement_id == "STMT-1" and successor.amount == Decimal("10.00")
    assert successor.match_status == "matched"  # what the report's line was matched to stays matched


def test_a_report_after_its_statement_adds_no_lines():
    booked = line("10.00", ref="ASR-1")
    imported(statement("STMT-1", booked), data=b"statement")

    report = imported(statement("RPT-1", booked, kind="report"), data=b"report")

    assert (report.new_line_count, report.duplicate_count) == (0, 1)
    assert BankStatementLine.objects.count() == 1


def test_two_identical_movements_in_one_statement_are_both_kept_and_a_second_delivery_adds_neither():
    fee = line("2.50", credit=False)
    first = imported(statement("S1", fee, fee), data=b"first")
    second = imported(statement("S1", fee, fee), data=b"second")

    assert first.new_line_count == 2
    assert (second.new_line_count, second.duplicate_count) == (0, 2)


def test_a_malformed_file_fails_with_message_and_location_and_stores_nothing():
    def broken(data, *, filename="", csv_mapping=None):
        raise StatementFormatError(NOT_A_NUMBER, location="Stmt[1]/Ntry[3]/Amt")

    statement_import = upload()
    failed = statement_import_run(import_id=statement_import.pk, as_of=AS_OF, parse=broken)

    assert failed.status == Status.FAILED
    assert (failed.error, failed.error_location) == ("amount is not a number", "Stmt[1]/Ntry[3]/Amt")
    assert failed.finished_at == AS_OF
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()


def test_an_unknown_file_format_fails_the_import_with_the_parsers_message():
    statement_import = upload(b"just some text\n", "notes.txt")

    failed = statement_import_run(import_id=statement_import.pk, as_of=AS_OF)

    assert failed.status == Status.FAILED
    assert "unknown" in failed.error.lower()
    assert not BankStatement.objects.exists()


def test_a_line_the_database_cannot_hold_fails_the_whole_file_before_anything_is_stored():
    fine, odd = line("10.00", ref="A"), line("1.005", ref="B", source_location="line 7")

    failed = imported(statement("S1", fine), statement("S2", odd))

    assert failed.status == Status.FAILED and failed.error_location == "line 7"
    assert not BankStatement.objects.exists()


def test_a_failed_file_uploaded_again_is_queued_again():
    statement_import = upload()
    statement_import_run(
        import_id=statement_import.pk,
        as_of=AS_OF,
        parse=lambda *a, **k: (_ for _ in ()).throw(StatementFormatError(NOT_A_NUMBER)),
    )

    again = upload()

    assert again.pk == statement_import.pk
    assert (again.status, again.error, again.error_message) == (Status.QUEUED, "", None)
    assert statement_import_run(import_id=again.pk, as_of=AS_OF, parse=stub(statement("S1", line("1.00")))).status == (
        Status.DONE
    )


def test_a_statement_that_does_not_add_up_is_imported_with_a_balance_warning():
    result = imported(
        statement(
            "S1",
            line("10.00"),
            line("4.00", credit=False),
            line("99.00", status="PDNG"),  # pending lines do not move the booked balance
            opening_balance=Decimal("100.00"),
            closing_balance=Decimal("120.00"),
        )
    )

    stored = BankStatement.objects.get()
    assert result.status == Status.DONE
    assert stored.balance_difference == Decimal("-14.00")
    assert "€120.00" in stored.balance_warning and "-€14.00" in stored.balance_warning  # worded when read


def test_running_a_finished_import_again_changes_nothing():
    done = imported(statement("S1", line("10.00")))

    again = statement_import_run(import_id=done.pk, as_of=AS_OF, parse=stub(statement("S2", line("20.00"))))

    assert again.status == Status.DONE
    assert BankStatement.objects.get().statement_id == "S1"


def test_the_background_job_runs_the_import_through_the_real_parser():
    data = (FIXTURES / "import_camt053_two_days.xml").read_bytes()
    statement_import = upload(data, "day.xml")
    job = Job.objects.get(kind=IMPORT_JOB)
    assert job.payload == {"import_id": statement_import.pk}

    assert job_run(job_id=job.pk, clock=lambda: AS_OF) == "done"

    statement_import.refresh_from_db()
    assert (statement_import.status, statement_import.progress, statement_import.new_line_count) == (
        Status.DONE,
        100,
        5,
    )
    job.refresh_from_db()
    assert job.result["status"] == "done"


def test_a_csv_upload_needs_a_known_mapping_and_the_accounts_iban():
    with pytest.raises(ValidationError) as unknown:
        upload(b"a;b", "export.csv", csv_mapping="no such bank")
    assert "csv_mapping" in unknown.value.message_dict
    with pytest.raises(ValidationError) as no_account:
        upload(b"a;b", "export.csv", csv_mapping="sparkasse_camt")
    assert "account_iban" in no_account.value.message_dict
    assert not BankStatementImport.objects.exists()


def test_a_csv_export_is_imported_with_its_preset_and_the_account_given_at_upload():
    data = (FIXTURES / "sparkasse_camt.csv").read_bytes()
    statement_import = upload(
        data, "export.csv", csv_mapping="sparkasse_camt", account_iban="DE02 1203 0000 0000 2020 51"
    )

    done = statement_import_run(import_id=statement_import.pk, as_of=AS_OF)

    assert statement_import.csv_mapping == {"preset": "sparkasse_camt", "account_iban": ACCOUNT}
    assert done.status == Status.DONE, (done.error, done.error_location)
    assert done.new_line_count > 0
    assert set(BankStatement.objects.values_list("account_iban", flat=True)) == {ACCOUNT}


# --- Admin -----------------------------------------------------------------------------------------
UPLOAD_PAGE = "/admin/payments/bankstatementimport/upload/"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_accountant_uploads_a_statement_in_the_admin(accountant):
    data = (FIXTURES / "import_camt053_two_days.xml").read_bytes()
    client = browser(accountant)

    assert client.get(UPLOAD_PAGE).status_code == 200
    response = client.post(UPLOAD_PAGE, {"file": SimpleUploadedFile("day.xml", data)})

    statement_import = BankStatementImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/payments/bankstatementimport/{statement_import.pk}/change/"
    assert (statement_import.created_by, statement_import.filename) == (accountant, "day.xml")
    assert Job.objects.filter(kind=IMPORT_JOB, payload={"import_id": statement_import.pk}).exists()


def test_a_finance_viewer_sees_the_bank_pages_but_may_not_upload(viewer):
    imported(statement("S1", line("10.00"), line("3.00", credit=False)))
    client = browser(viewer)

    assert client.get(UPLOAD_PAGE).status_code == 403
    assert client.post(UPLOAD_PAGE, {"file": SimpleUploadedFile("a.xml", b"x")}).status_code == 403
    listing = client.get("/admin/payments/bankstatementimport/")
    assert listing.status_code == 200 and UPLOAD_PAGE.encode() not in listing.content
    assert client.get("/admin/payments/bankstatement/").status_code == 200
    lines = client.get("/admin/payments/bankstatementline/?credit=0")
    assert lines.status_code == 200 and lines.context["cl"].result_count == 1
    assert not BankStatementImport.objects.exclude(filename="statement.xml").exists()


def test_the_admin_refuses_a_file_over_the_limit_on_the_form(accountant, settings):
    settings.DEBITOR_STATEMENT_MAX_BYTES = 5
    response = browser(accountant).post(UPLOAD_PAGE, {"file": SimpleUploadedFile("big.xml", b"0123456789")})

    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not BankStatementImport.objects.exists()


# --- API -------------------------------------------------------------------------------------------
IMPORTS = "/api/v1/bank-imports/"


def problem_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


def test_an_api_upload_answers_202_and_replays_it_for_the_same_idempotency_key(accountant):
    client = client_for(accountant)
    data = (FIXTURES / "import_camt053_two_days.xml").read_bytes()

    first = client.post(IMPORTS, {"file": SimpleUploadedFile("day.xml", data)}, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(IMPORTS, {"file": SimpleUploadedFile("day.xml", data)}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 202, first.content
    body = first.json()
    assert (body["status"], body["filename"], body["created_by"]) == ("queued", "day.xml", "accountant")
    assert first["Location"].endswith(f"{IMPORTS}{body['id']}/")
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == body
    assert BankStatementImport.objects.count() == 1


def test_the_api_shows_an_imports_progress_and_its_failure(accountant):
    client = client_for(accountant)
    body = client.post(IMPORTS, {"file": SimpleUploadedFile("notes.txt", b"no statement")}).json()
    statement_import_run(import_id=body["id"], as_of=AS_OF)

    shown = client.get(f"{IMPORTS}{body['id']}/").json()

    assert shown["status"] == "failed" and shown["error"] and shown["progress"] == 100


def test_an_api_upload_without_a_file_or_too_large_is_a_400_problem(accountant, settings):
    client = client_for(accountant)
    assert "#/file" in {e["pointer"] for e in problem_of(client.post(IMPORTS, {}))["errors"]}
    settings.DEBITOR_STATEMENT_MAX_BYTES = 5
    too_large = problem_of(client.post(IMPORTS, {"file": SimpleUploadedFile("a.xml", b"0123456789")}))
    assert "#/file" in {e["pointer"] for e in too_large["errors"]}
    assert not BankStatementImport.objects.exists()


def test_a_finance_viewer_reads_but_cannot_upload_through_the_api(viewer):
    client = client_for(viewer)
    assert client.post(IMPORTS, {"file": SimpleUploadedFile("a.xml", b"x")}).status_code == 403
    assert client.get(IMPORTS).status_code == 200


def test_statements_and_their_lines_are_listed_with_filters(viewer):
    imported(statement("S1", line("10.00"), line("3.00", credit=False)), statement("S2", line("5.00", day=3)))
    client = client_for(viewer)
    s1 = BankStatement.objects.get(statement_id="S1")

    statements = client.get("/api/v1/bank-statements/").json()
    credits = client.get(f"/api/v1/bank-statement-lines/?statement={s1.pk}&credit=true").json()

    assert [row["statement_id"] for row in statements["results"]] == ["S2", "S1"]
    assert [(row["amount"], row["credit"]) for row in credits["results"]] == [("10.00", True)]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/bank-imports/", 3),  # … and the matching progress of the page
        ("/api/v1/bank-statements/", 3),  # … and their events with who decided (issue 13)
        ("/api/v1/bank-statement-lines/", 3),  # … and the lines' matches with their invoices
    ],
)
def test_bank_lists_take_the_same_number_of_queries_however_many_rows(viewer, django_assert_num_queries, url, queries):
    client = client_for(viewer)
    imported(statement("S1", line("1.00")), data=b"one")
    client.get(url)  # the user's role is looked up once
    with django_assert_num_queries(queries):  # the count, the page
        assert client.get(url).status_code == 200
    for number in range(2, 6):
        imported(statement(f"S{number}", *(line(f"{number}.{i:02d}") for i in range(1, 4))), data=f"{number}".encode())
    with django_assert_num_queries(queries):
        assert client.get(url).json()["count"] > 1


# --- Matching after the import --------------------------------------------------------------------
def test_an_imported_credit_naming_an_invoice_is_matched_and_applied_after_the_import():
    from customers.tests.factories import make_customer
    from invoicing.tests.factories import invoicing_setup as _setup  # noqa: F401
    from invoicing.tests.factories import make_company_profile, make_issued, seed_rates_and_terms
    from payments.models import Payment

    seed_rates_and_terms()
    make_company_profile()
    invoice = make_issued(customer=make_customer())
    unknown = line("12.34", ref="B-2", remittance="Spende", day=3)
    paying = line(str(invoice.amount_due), ref="B-1", remittance=f"Rechnung {invoice.number}", day=3)

    done = imported(statement("S-9", paying, unknown))
    assert run_jobs() == ["done"]

    assert done.status == Status.DONE
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"
    payment = Payment.objects.get()
    assert (payment.source, payment.amount, payment.allocated_amount) == (
        "bank_statement",
        invoice.amount_due,
        invoice.amount_due,
    )
    statuses = dict(BankStatementLine.objects.values_list("account_servicer_reference", "match_status"))
    assert statuses == {"B-1": "matched", "B-2": "review"}
    assert statement_import_run(import_id=done.pk, as_of=AS_OF).status == Status.DONE
    assert run_jobs() == []  # a rerun of the import queues no second matching …
    job = Job.objects.get(kind=MATCH_JOB)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PENDING)
    assert run_jobs() == ["done"]  # … and a duplicate delivery of the matching job applies nothing twice
    assert Payment.objects.count() == 1


def issued_invoice(gross: str = "119.00", *, iban: str = ""):
    from customers.tests.factories import make_customer
    from invoicing.tests.factories import make_company_profile, seed_rates_and_terms
    from payments.tests.factories import make_invoice

    seed_rates_and_terms()
    make_company_profile()
    customer = make_customer(bank_accounts=[{"iban": iban}] if iban else [])
    return make_invoice(customer=customer, gross=gross)


# --- Matching as a job of its own -----------------------------------------------------------------
def test_a_matching_job_that_crashes_leaves_the_lines_new_and_its_retry_matches_them(monkeypatch):
    import payments.bank.matching as matching
    from payments.models import Payment

    invoice = issued_invoice()
    imported(statement("S-1", line(str(invoice.amount_due), ref="B-1", remittance=f"Rechnung {invoice.number}")))
    real, calls = matching.statement_match, []

    def crash_once(**kwargs):
        calls.append(kwargs["statement"].pk)
        if len(calls) == 1:
            raise RuntimeError("the database connection dropped")
        return real(**kwargs)

    monkeypatch.setattr(matching, "statement_match", crash_once)

    assert run_jobs() == ["retry"]
    assert BankStatementLine.objects.get().match_status == "new" and not Payment.objects.exists()
    job = Job.objects.get(kind=MATCH_JOB)
    assert (job.status, job.attempts) == (Job.Status.PENDING, 1) and "dropped" in job.last_error
    assert job.run_after > AS_OF  # backoff
    assert run_jobs(clock=lambda: AS_OF) == ["not_due"]

    assert run_jobs(clock=lambda: job.run_after) == ["done"]

    assert BankStatementLine.objects.get().match_status == "matched"
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid" and Payment.objects.count() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["credits"] == {"matched": 1, "review": 0, "lines": 1}


def test_the_matching_job_runs_the_debit_booking_after_the_credit_matching(monkeypatch):
    import payments.bank.debits as debits

    booked = []
    monkeypatch.setattr(
        debits,
        "statement_book_debits",
        lambda *, statement, as_of: booked.append((statement.statement_id, as_of)) or {"lines": 1},
    )
    imported(statement("S-1", line("5.00", credit=False, ref="FEE")))

    assert run_jobs() == ["done"]
    assert [statement_id for statement_id, _as_of in booked] == ["S-1"]
    assert Job.objects.get(kind=MATCH_JOB).result["debits"] == {"lines": 1}


def test_only_statements_that_got_lines_are_queued_for_matching_once_per_import():
    a, b = line("10.00", ref="A"), line("20.00", ref="B")
    first = imported(statement("S1", a), statement("S2", b), data=b"first")
    assert Job.objects.filter(kind=MATCH_JOB).count() == 2
    run_jobs()

    imported(statement("S1", a), statement("S3", b, line("30.00", ref="C")), data=b"second")

    s3 = BankStatement.objects.get(statement_id="S3")
    pending = Job.objects.filter(kind=MATCH_JOB, status=Job.Status.PENDING)
    assert [job.payload for job in pending] == [{"statement_id": s3.pk}]
    assert first.statements.count() == 2


def test_a_redelivery_accepted_while_the_statements_match_job_runs_gets_a_job_for_its_lines(manager):
    from payments.bank.importing.redelivery import ACCEPT, statement_redelivery_decide

    imported(statement("S1", line("10.00", ref="A")), data=b"first")
    Job.objects.filter(kind=MATCH_JOB).update(status=Job.Status.RUNNING)
    imported(statement("S1", line("10.00", ref="A"), line("20.00", ref="B")), data=b"second")
    assert not Job.objects.filter(kind=MATCH_JOB, status=Job.Status.PENDING).exists()  # held: nothing to match

    statement_redelivery_decide(
        statement=BankStatement.objects.get(standing="held"), decision=ACCEPT, as_of=AS_OF, by=manager
    )

    assert Job.objects.filter(kind=MATCH_JOB, status=Job.Status.PENDING).count() == 1


def test_matching_progress_is_counted_from_the_lines_in_one_query(django_assert_num_queries):
    from payments.bank.selectors import imports_matching_progress, statements_matching_progress

    first = imported(
        statement("S1", line("10.00", ref="A"), line("20.00", ref="B"), line("99.00", ref="P", status="PDNG")),
        data=b"one",
    )
    second = imported(statement("S2", line("30.00", ref="C")), data=b"two")

    with django_assert_num_queries(1):
        before = imports_matching_progress([first.pk, second.pk, 999999])
    assert (before[first.pk].total, before[first.pk].waiting, before[first.pk].finished) == (2, 2, False)
    assert str(before[first.pk]) == "matching: 0 of 2 lines decided, 0 to review, 2 not yet matched"
    assert before[999999].total == 0 and before[999999].finished

    run_jobs()
    BankStatementLine.objects.filter(account_servicer_reference="A").update(match_status="matched")

    after = imports_matching_progress([first.pk])[first.pk]
    assert (after.decided, after.review, after.waiting, after.percent) == (1, 1, 0, 100)
    assert str(after) == "matching: 1 of 2 lines decided, 1 to review"
    assert after.as_json()["finished"] is True
    s2 = BankStatement.objects.get(statement_id="S2")
    assert statements_matching_progress([s2.pk])[s2.pk].review == 1


def test_the_import_and_statement_pages_and_the_api_show_how_far_matching_got(viewer):
    first = imported(statement("S1", line("10.00", ref="A"), line("20.00", ref="B")), data=b"one")
    imported(statement("S2", line("30.00", ref="C")), data=b"two")
    BankStatementLine.objects.filter(account_servicer_reference="A").update(match_status="matched")
    client = browser(viewer)

    listing = client.get("/admin/payments/bankstatementimport/")
    assert "matching: 1 of 2 lines decided, 0 to review, 1 not yet matched" in listing.content.decode()
    assert "matching: 0 of 1 line decided, 0 to review, 1 not yet matched" in listing.content.decode()
    detail = client.get(f"/admin/payments/bankstatementimport/{first.pk}/change/")
    assert "matching: 1 of 2 lines decided" in detail.content.decode()
    statements = client.get("/admin/payments/bankstatement/")
    assert "matching: 1 of 2 lines decided" in statements.content.decode()

    api = client_for(viewer)
    with CaptureQueriesContext(connection) as two_imports:
        rows = api.get("/api/v1/bank-imports/").json()["results"]
    by_file = {row["id"]: row["matching"] for row in rows}
    assert by_file[first.pk] == {
        "total": 2,
        "decided": 1,
        "review": 0,
        "waiting": 1,
        "finished": False,
        "percent": 50,
        "text": "matching: 1 of 2 lines decided, 0 to review, 1 not yet matched",
    }
    assert api.get(f"/api/v1/bank-imports/{first.pk}/").json()["matching"]["decided"] == 1
    imported(statement("S3", line("40.00", ref="D")), data=b"three")
    with CaptureQueriesContext(connection) as three_imports:
        assert len(api.get("/api/v1/bank-imports/").json()["results"]) == 3
    assert len(three_imports) == len(two_imports)  # one progress query per page, not per import


def test_matching_progress_groups_thousands():
    from payments.bank.selectors import MatchingProgress

    assert str(MatchingProgress(total=10000, decided=840, review=12, waiting=9148)) == (
        "matching: 840 of 10,000 lines decided, 12 to review, 9,148 not yet matched"
    )
    assert MatchingProgress(total=10000, decided=840, review=12, waiting=9148).percent == 8


# --- Intraday lines the end-of-day statement confirms with other references -------------------------
DAY = date(2026, 3, 2)
PAYER_IBAN = "DE89370400440532013000"


def camt(message: str, statement_id: str, *entries) -> bytes:
    from payments.bank.camt_write import CamtStatement, camt_document

    # CreDtTm without an offset, as many banks write it (read in TIME_ZONE).
    created = datetime(2026, 3, 2, 12, 0) if message != "camt.053" else datetime(2026, 3, 3, 6, 0)  # noqa: DTZ001
    return camt_document(
        message=message,
        message_id=f"MSG-{statement_id}",
        statements=[
            CamtStatement(statement_id=statement_id, account_iban=ACCOUNT, created_at=created, entries=tuple(entries))
        ],
    )


def entry(amount: str = "250.00", **fields):
    from payments.bank.camt_write import CamtEntry

    fields.setdefault("booking_date", DAY)
    fields.setdefault("iban", PAYER_IBAN)
    fields.setdefault("name", "Müller & Söhne GmbH")
    return CamtEntry(amount=Decimal(amount), credit=fields.pop("credit", True), **fields)


def import_file(data: bytes, name: str) -> BankStatementImport:
    done = statement_import_run(import_id=upload(data, name).pk, as_of=AS_OF)
    assert done.status == Status.DONE, (done.error, done.error_location)
    return done


@pytest.mark.parametrize("message", ["camt.052", "camt.054"])
def test_a_statement_line_with_a_reference_added_at_end_of_day_confirms_the_intraday_line(message):
    early = entry(end_to_end_id="E2E-77", remittance="RE-2026-000123")
    final = entry(end_to_end_id="E2E-77", remittance="RE-2026-000123 Danke", servicer_reference="ASR-9")
    import_file(camt(message, "INTRADAY-1", early), "intraday.xml")

    done = import_file(camt("camt.053", "STMT-1", final), "statement.xml")

    assert (done.new_line_count, done.confirmed_count) == (0, 1)
    intraday = BankStatementLine.objects.get(statement__statement_id="INTRADAY-1")
    successor = live_lines().get()
    assert intraday.superseded_by == successor
    assert (successor.statement.statement_id, successor.account_servicer_reference) == ("STMT-1", "ASR-9")
    assert BankStatement.objects.get(statement_id="STMT-1").balance_warning == ""


def test_without_end_to_end_ids_the_same_payer_iban_pairs_the_lines():
    import_file(camt("camt.052", "RPT-1", entry(remittance="Rechnung 17")), "report.xml")

    import_file(camt("camt.053", "STMT-1", entry(remittance="Rechnung 17 vom 1.3.", servicer_reference="X")), "s.xml")

    assert live_lines().count() == 1 and live_lines().get().statement.statement_id == "STMT-1"


@pytest.mark.parametrize(
    ("early", "final"),
    [
        ({"end_to_end_id": "E2E-1"}, {"end_to_end_id": "E2E-2"}),  # two transfers of the same payer
        ({"iban": "DE75512108001245126199"}, {}),  # other payer, no end-to-end ids
        ({"iban": ""}, {"iban": ""}),  # nothing says who paid
        ({}, {"booking_date": date(2026, 3, 3)}),
        ({}, {"amount": "250.01"}),
        ({"credit": False}, {}),
    ],
    ids=["other-e2e", "other-iban", "no-iban", "other-day", "other-amount", "other-direction"],
)
def test_lines_that_differ_in_what_identifies_a_movement_are_not_paired(early, final):
    amount = final.pop("amount", "250.00")
    import_file(camt("camt.052", "RPT-1", entry(remittance="a", **early)), "report.xml")

    done = import_file(camt("camt.053", "STMT-1", entry(amount, remittance="b", **final)), "statement.xml")

    assert (done.new_line_count, done.confirmed_count) == (1, 0)
    assert live_lines().count() == 2


def test_two_intraday_lines_that_fit_are_both_left_live_with_a_warning_on_the_statement():
    import_file(camt("camt.052", "RPT-1", entry(remittance="first"), entry(remittance="second")), "report.xml")

    done = import_file(camt("camt.053", "STMT-1", entry(remittance="first, corrected", servicer_reference="A")), "s")

    assert (done.new_line_count, done.confirmed_count) == (1, 0)
    assert live_lines().count() == 3
    warning = BankStatement.objects.get(statement_id="STMT-1").balance_warning
    assert "€250.00 of 2 Mar 2026" in warning and "fits 2 intraday lines" in warning


def test_one_intraday_line_that_two_statement_lines_fit_is_left_live_with_a_warning():
    import_file(camt("camt.052", "RPT-1", entry(remittance="one")), "report.xml")

    statement_file = camt("camt.053", "STMT-1", entry(remittance="one, final"), entry(remittance="another"))
    done = import_file(statement_file, "statement.xml")

    assert (done.new_line_count, done.confirmed_count) == (2, 0)
    assert live_lines().count() == 3
    assert (
        "other lines of this statement fit as well" in BankStatement.objects.get(statement_id="STMT-1").balance_warning
    )


@pytest.mark.parametrize("message", ["camt.052", "camt.054"])
def test_an_intraday_line_arriving_after_the_statement_that_booked_it_with_other_references_is_not_stored(message):
    import_file(
        camt("camt.053", "STMT-1", entry(end_to_end_id="E2E-5", remittance="RE 5 final", servicer_reference="Z")), "s"
    )

    done = import_file(camt(message, "LATE-1", entry(end_to_end_id="E2E-5", remittance="RE 5")), "late.xml")

    assert (done.new_line_count, done.duplicate_count) == (0, 1)
    assert live_lines().get().statement.statement_id == "STMT-1"
    assert not BankStatementLine.objects.filter(statement__statement_id="LATE-1").exists()


def test_an_intraday_line_arriving_late_that_two_statement_lines_fit_is_stored_with_a_warning():
    statement_file = camt("camt.053", "STMT-1", entry(remittance="x", servicer_reference="A"), entry(remittance="y"))
    import_file(statement_file, "statement.xml")

    done = import_file(camt("camt.052", "LATE-1", entry(remittance="z")), "late.xml")

    assert (done.new_line_count, done.duplicate_count) == (1, 0)
    assert live_lines().count() == 3
    assert "fits 2 statement lines" in BankStatement.objects.get(statement_id="LATE-1").balance_warning


def test_a_hash_partner_is_not_offered_to_the_fallback_a_second_time():
    same = entry(remittance="exact", servicer_reference="A")
    import_file(camt("camt.052", "RPT-1", same), "report.xml")

    done = import_file(camt("camt.053", "STMT-1", same, entry(remittance="other", servicer_reference="B")), "s.xml")

    assert (done.new_line_count, done.confirmed_count) == (1, 1)
    assert live_lines().count() == 2 and BankStatement.objects.get(statement_id="STMT-1").balance_warning == ""


def test_an_intraday_line_already_matched_passes_its_payment_to_the_statement_line_which_is_not_matched_again():
    from payments.models import BankLineMatch, Payment

    invoice = issued_invoice()
    amount = str(invoice.amount_due)
    early = entry(amount, end_to_end_id="E2E-5", remittance=f"Rechnung {invoice.number}")
    import_file(camt("camt.052", "RPT-1", early), "report.xml")
    assert run_jobs() == ["done"]
    intraday = BankStatementLine.objects.get()
    payment = Payment.objects.get()
    assert intraday.match_status == "matched"

    final = entry(amount, end_to_end_id="E2E-5", remittance=f"Rechnung {invoice.number} Danke", servicer_reference="Z")
    import_file(camt("camt.053", "STMT-1", final), "statement.xml")
    assert run_jobs() == ["done"]

    successor = live_lines().get()
    assert successor.statement.statement_id == "STMT-1" and successor.match_status == "matched"
    decision = BankLineMatch.objects.get(decision="accepted")
    assert (decision.line, decision.payment, decision.invoice) == (successor, payment, invoice)
    assert not BankLineMatch.objects.filter(line=intraday).exists()
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid" and invoice.open_amount == 0


def test_an_intraday_line_in_review_hands_its_suggestions_and_follow_up_task_to_the_statement_line():
    from payments.bank.followup import UNMATCHED_LINE_TASK_KIND, unmatched_line_tasks_open
    from tasks.models import FollowUpTask

    issued_invoice("119.00", iban=PAYER_IBAN)  # IBAN and amount: a suggestion, but not enough to apply
    import_file(camt("camt.052", "RPT-1", entry("119.00", remittance="no number")), "report.xml")
    run_jobs()
    intraday = BankStatementLine.objects.get()
    assert intraday.match_status == "review" and intraday.matches.exists()
    suggestions = list(intraday.matches.values_list("pk", flat=True))
    assert unmatched_line_tasks_open(as_of=datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 1

    import_file(camt("camt.053", "STMT-1", entry("119.00", remittance="no number!", servicer_reference="Q")), "s.xml")

    successor = live_lines().get()
    assert successor.match_status == "review"
    assert list(successor.matches.values_list("pk", flat=True)) == suggestions
    task = FollowUpTask.objects.get(kind=UNMATCHED_LINE_TASK_KIND)
    assert task.object_id == str(successor.pk) and task.is_open
    assert unmatched_line_tasks_open(as_of=datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 0


def test_an_intraday_warning_words_the_line_it_names_in_the_readers_language():
    """The stored warning keeps the place in the file as a message of its own, so a German
    reader reads "Zeile 12" inside the German sentence (issue 13), and an old row stays as stored."""
    from django.utils import translation

    from payments.bank.importing.intraday import intraday_partners

    import_file(camt("camt.052", "RPT-1", entry(remittance="first"), entry(remittance="second")), "report.xml")
    row = BankStatementLine(
        amount=Decimal("250.00"),
        credit=True,
        currency="EUR",
        booking_date=DAY,
        counterparty_iban=PAYER_IBAN,
        source_location="line 12",
        position=0,
    )
    statement = BankStatement(warnings=intraday_partners(account=ACCOUNT, rows=[row], taken=set())[1])

    with translation.override("en"):
        assert "(line 12)" in statement.balance_warning
    with translation.override("de"):
        assert "(Zeile 12)" in statement.balance_warning and "line" not in statement.balance_warning
    old = BankStatement(
        warnings=[{**statement.warnings[0], "params": {**statement.warnings[0]["params"], "location": "line 12"}}]
    )
    with translation.override("en"):
        assert "(line 12)" in old.balance_warning
