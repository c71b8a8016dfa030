"""The quick start's demo bank statement (payments.bank.demo): imported through the real path,
with automatic matches, a review queue with ranked suggestions and debit lines; loading the demo
again adds nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.models import CompanyProfile, Job
from payments.bank.demo import demo_statement_file
from payments.bank.followup import UNMATCHED_LINE_TASK_KIND
from payments.bank.importing import IMPORT_JOB, MATCH_JOB
from payments.models import BankStatement, BankStatementImport, BankStatementLine, Payment
from tasks.models import FollowUpTask

pytestmark = pytest.mark.django_db


def load_demo(settings) -> str:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings):
    CompanyProfile.objects.all().delete()  # the demo brings its own
    return load_demo(settings)


def demo_lines():
    statement_import = BankStatementImport.objects.get(filename__startswith="demo-camt053-")
    return BankStatementLine.objects.filter(statement__statement_import=statement_import)


def line_with(remittance: str) -> BankStatementLine:
    return demo_lines().get(remittance__startswith=remittance)


def test_the_demo_statement_is_imported_and_matched_through_the_jobs(demo):
    statement_import = BankStatementImport.objects.get(filename__startswith="demo-camt053-")

    assert (statement_import.status, statement_import.format) == ("done", "camt.053.001.08")
    assert list(statement_import.statements.values_list("statement_id", flat=True).order_by("statement_id")) == [
        statement.statement_id for statement in BankStatement.objects.order_by("statement_id")
    ]
    assert statement_import.statements.count() == 2
    assert all(statement.balance_difference == 0 for statement in statement_import.statements.all())
    jobs = Job.objects.filter(kind__in=[IMPORT_JOB, MATCH_JOB])
    assert sorted(jobs.values_list("kind", "status")) == [
        (IMPORT_JOB, "done"),
        (MATCH_JOB, "done"),
        (MATCH_JOB, "done"),
    ]
    assert "Demo bank statement: 11 lines, 5 matched, 4 to review, 2 ignored" in demo


def test_the_clear_payments_are_applied_automatically(demo):
    credits = demo_lines().filter(credit=True)

    matched = credits.filter(match_status="matched")
    assert matched.count() == 4
    for line in matched:
        decision = line.matches.get(decision="accepted")
        assert decision.decided_by is None and decision.payment.source == "bank_statement"
        digits = "".join(ch for ch in decision.invoice.number if ch.isdigit())
        assert digits in "".join(ch for ch in line.remittance if ch.isdigit())  # the number paid is named
    skonto_line = credits.get(remittance__contains="Skonto")
    allocation = skonto_line.matches.get(decision="accepted").payment.allocations.get()
    assert allocation.discount is not None and allocation.invoice.settlement_state == "paid"
    mangled_with_iban = credits.get(remittance__endswith=" Schulung")
    assert {signal["code"] for signal in mangled_with_iban.matches.get(decision="accepted").signals} >= {
        "number_mangled",
        "iban",
        "amount_exact",
    }


def test_the_review_queue_has_ranked_suggestions(demo):
    review = demo_lines().filter(credit=True, match_status="review")
    assert review.count() == 4

    ambiguous = review.get(remittance="Wartung")
    suggestions = list(ambiguous.matches.order_by("rank"))
    assert len(suggestions) == 2 and suggestions[0].invoice != suggestions[1].invoice
    assert {s.confidence for s in suggestions} == {60}
    assert "amount_ambiguous" in {signal["code"] for signal in suggestions[0].signals}

    mangled = review.get(remittance__startswith="RG ")
    best = mangled.matches.order_by("rank").first()
    assert best.invoice is not None and "number_mangled" in {signal["code"] for signal in best.signals}
    assert best.confidence < 90 and "iban" not in {signal["code"] for signal in best.signals}

    by_name = review.get(remittance="Zahlung offene Posten")
    best = by_name.matches.order_by("rank").first()
    assert {signal["code"] for signal in best.signals} >= {"name_strong", "amount_exact"}

    unknown = review.get(counterparty_name="Karl Fremd")
    assert not unknown.matches.exists()


def test_the_older_review_lines_have_follow_up_tasks(demo):
    tasks = FollowUpTask.objects.filter(kind=UNMATCHED_LINE_TASK_KIND)

    assert sorted(task.about.counterparty_name for task in tasks) == sorted(
        [line_with("Zahlung offene Posten").counterparty_name, "Karl Fremd"]
    )


def test_debit_lines_are_booked_and_the_direct_debit_return_reopens_its_invoice(demo):
    debits = demo_lines().filter(credit=False)

    assert debits.get(counterparty_name="Commerzbank AG").match_status == "ignored"
    assert debits.get(counterparty_name="Bürobedarf Schmidt KG").match_status == "ignored"
    returned = debits.get(return_reason="MD06")
    assert (returned.charges, returned.match_status) == (Decimal("3.00"), "matched")
    payment = returned.matches.get(decision="accepted").payment
    collection = line_with("Lastschrift")
    assert payment == collection.matches.get(decision="accepted").payment
    assert payment.status == "returned"
    assert collection.matches.get(decision="accepted").invoice.settlement_state == "open"


def test_loading_the_demo_again_adds_nothing(demo, settings):
    counts = (
        BankStatementImport.objects.count(),
        BankStatementLine.objects.count(),
        Payment.objects.count(),
        FollowUpTask.objects.count(),
        Job.objects.count(),
    )

    load_demo(settings)

    assert (
        BankStatementImport.objects.count(),
        BankStatementLine.objects.count(),
        Payment.objects.count(),
        FollowUpTask.objects.count(),
        Job.objects.count(),
    ) == counts


def test_the_demo_file_depends_on_the_day_and_the_invoices_not_on_the_clock(demo):
    from datetime import timedelta

    as_of = BankStatementImport.objects.get(filename__startswith="demo-camt053-").created_at
    morning = as_of.replace(hour=6, minute=0)

    first = demo_statement_file(as_of=morning)
    again = demo_statement_file(as_of=morning + timedelta(hours=3, minutes=17))

    assert first == again and first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert demo_statement_file(as_of=morning + timedelta(days=1)) != first
