"""The bank statement confirms the SEPA batches we submitted: a booked total (with or without the
transactions), single-entry bookings, CAMT 053/054 and MT940; payments recorded once, allocated to
the items' invoices; a partial booking; refunds by credit transfer; re-imports change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.bank.matching import line_match
from payments.models import BankLineMatch, BankStatementLine, Payment, PaymentChannel, PaymentSource
from payments.services import payment_keep_as_credit, payment_refund
from payments.tests.factories import make_invoice, make_payment
from sepa.bank.confirm import BATCH_TASK, batch_line_book_items, left_out_items
from sepa.models import BatchItemStatus, BatchStatus
from tasks.models import FollowUpTask

from .bank_support import (
    COLLECTION_DAY,
    LATER,
    batch_entry,
    camt,
    import_file,
    make_collection_batch,
    make_mandate,
    make_refund_batch,
    mt940,
    mt940_sammler,
    mt940_single,
    single_entry,
)

pytestmark = pytest.mark.usefixtures("invoicing_setup")


@pytest.fixture
def batch():
    """Three customers' invoices in one submitted collection batch."""
    rows = []
    for name, gross in (("Anna Becker", "59.50"), ("Bernd Schulz", "119.00"), ("Clara Wolf", "238.00")):
        customer = make_customer(legal_name=name)
        rows.append((make_invoice(customer=customer, gross=gross), make_mandate(customer=customer), gross))
    return make_collection_batch(items=rows)


def assert_collected(batch, *, line: BankStatementLine):
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED and batch.confirmed_at == LATER
    for item in batch.items.select_related("payment", "invoice", "mandate"):
        assert item.status == BatchItemStatus.COLLECTED
        payment = item.payment
        assert (payment.channel, payment.source, payment.external_id) == (
            PaymentChannel.DIRECT_DEBIT,
            PaymentSource.BANK_STATEMENT,
            item.end_to_end_id,
        )
        assert payment.amount == item.amount and payment.allocated_amount == item.amount
        assert payment.value_date == COLLECTION_DAY
        item.invoice.refresh_from_db()
        assert item.invoice.open_amount == 0
        assert item.mandate.last_collected_on == COLLECTION_DAY
    line.refresh_from_db()
    assert line.match_status == BankStatementLine.MatchStatus.MATCHED
    # Each collection's payment is what exactly one line was matched to.
    for payment_id in batch.items.values_list("payment_id", flat=True):
        (match,) = BankLineMatch.objects.filter(payment_id=payment_id, decision="accepted")
        assert match.line.match_status == BankStatementLine.MatchStatus.MATCHED


@pytest.mark.parametrize("version", ["02", "04", "08"])
@pytest.mark.parametrize("details", [True, False], ids=["with TxDtls", "total only"])
def test_a_booked_batch_records_each_collection_as_a_payment_of_its_invoice(batch, version, details):
    import_file(camt("STMT-1", batch_entry(batch, details=details, version=version), version=version))
    lines = BankStatementLine.objects.filter(credit=True)
    assert lines.count() == (3 if details else 1)
    assert_collected(batch, line=lines.first())
    assert Payment.objects.count() == 3
    assert Event.objects.filter(type="sepa_item.collected").count() == 3
    assert Event.objects.filter(type="sepa_batch.confirmed", object_id=batch.pk).count() == 1


def test_a_batch_named_only_by_refs_payment_information_id_is_booked(batch):
    import_file(camt("STMT-1", batch_entry(batch, btch=False, refs_pmtinf=True, details=True)))
    assert_collected(batch, line=BankStatementLine.objects.first())


def test_a_total_naming_only_the_message_id_is_booked(batch):
    entry = batch_entry(batch, details=False).replace(f"<PmtInfId>{batch.items.first().payment_info_id}</PmtInfId>", "")
    import_file(camt("STMT-1", entry))
    assert_collected(batch, line=BankStatementLine.objects.get())


@pytest.mark.parametrize("message", ["053", "054"])
def test_single_entry_bookings_confirm_the_batch_item_by_item(batch, message):
    first, *rest = batch.items.order_by("pk")
    import_file(camt("STMT-1", single_entry(first), message=message))
    batch.refresh_from_db()
    first.refresh_from_db()
    assert first.status == BatchItemStatus.COLLECTED and batch.status == BatchStatus.SUBMITTED
    import_file(camt("STMT-2", *(single_entry(item) for item in rest), message=message))
    assert_collected(batch, line=BankStatementLine.objects.order_by("pk").first())


def test_mt940_sammler_and_single_bookings_confirm_batches(batch):
    other_customer = make_customer(legal_name="Dora Klein")
    other = make_collection_batch(
        items=[(make_invoice(customer=other_customer, gross="119.00"), make_mandate(customer=other_customer), "119.00")]
    )
    import_file(mt940(mt940_sammler(batch), mt940_single(other.items.get())), name="stmt.sta")
    sammler = BankStatementLine.objects.get(bank_transaction_code="192")
    assert sammler.payment_info_id == batch.items.first().payment_info_id
    assert_collected(batch, line=sammler)
    other.refresh_from_db()
    assert other.status == BatchStatus.CONFIRMED


def test_a_sammler_whose_reference_the_bank_cut_to_16_characters_is_still_found():
    customer = make_customer(legal_name="Erik Braun")
    batch = make_collection_batch(
        items=[(make_invoice(customer=customer, gross="59.50"), make_mandate(customer=customer), "59.50")],
        payment_info_id="PMTINF-2026-12-02-DIRECT-DEBITS",
    )
    import_file(mt940(mt940_sammler(batch, short_reference=True)), name="stmt.sta")
    assert BankStatementLine.objects.get().payment_info_id == "PMTINF-2026-12-0"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED


def test_importing_the_statement_again_or_matching_the_line_again_records_nothing_twice(batch):
    data = camt("STMT-1", batch_entry(batch, details=False))
    import_file(data)
    import_file(data.replace(b"<Id>STMT-1</Id>", b"<Id>STMT-1-AGAIN</Id>"), name="again.xml")
    line = BankStatementLine.objects.get(superseded_by__isnull=True)
    line_match(line=line, as_of=LATER)
    assert Payment.objects.count() == 3
    assert BankLineMatch.objects.filter(decision="accepted").count() == 3
    assert Event.objects.filter(type="sepa_item.collected").count() == 3


def test_a_notification_books_the_batch_and_the_statement_confirming_it_records_nothing_again(batch):
    import_file(camt("NTF-1", batch_entry(batch, details=True), message="054"))
    assert Payment.objects.count() == 3
    import_file(camt("STMT-1", batch_entry(batch, details=True), message="053"))
    assert Payment.objects.count() == 3
    live = BankStatementLine.objects.filter(superseded_by__isnull=True)
    assert live.count() == 3 and {line.statement.kind for line in live} == {"statement"}
    assert set(live.values_list("match_status", flat=True)) == {"matched"}
    assert_collected(batch, line=live.first())


def test_an_item_booked_on_its_own_and_then_in_a_total_is_not_recorded_again(batch):
    first = batch.items.order_by("pk").first()
    import_file(camt("STMT-1", single_entry(first)))
    # The total of the other two: the first is booked already.
    import_file(camt("STMT-2", batch_entry(batch, amount=batch.total - first.amount, details=False)))
    assert Payment.objects.count() == 3
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED


def test_a_partial_booking_books_the_items_it_can_tell_and_leaves_the_rest_pending_with_a_task(batch):
    rejected = batch.items.get(amount=Decimal("119.00"))
    import_file(camt("STMT-1", batch_entry(batch, amount=batch.total - rejected.amount, details=False)))
    rejected.refresh_from_db()
    batch.refresh_from_db()
    assert rejected.status == BatchItemStatus.PENDING and rejected.payment is None
    assert batch.status == BatchStatus.SUBMITTED
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("59.50"), Decimal("238.00")]
    task = FollowUpTask.objects.get(kind=BATCH_TASK)
    assert task.status == "open" and rejected.end_to_end_id in task.description
    assert BankStatementLine.objects.get().match_status == "matched"


def test_a_total_that_tells_no_items_apart_goes_to_review_with_a_task_and_records_nothing(batch):
    import_file(camt("STMT-1", batch_entry(batch, amount="100.00", details=False)))
    line = BankStatementLine.objects.get()
    assert line.match_status == BankStatementLine.MatchStatus.REVIEW
    assert Payment.objects.count() == 0
    assert FollowUpTask.objects.filter(kind=BATCH_TASK, status="open").count() == 1
    with translation.override("en"):
        assert "decide by hand" in line.matches.get().explanation_text


def test_a_credit_marked_as_a_reversal_is_no_booking_of_our_batch(batch):
    entry = batch_entry(batch, details=False).replace(
        "<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>"
    )
    import_file(camt("STMT-1", entry))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED and not Payment.objects.exists()
    assert BankStatementLine.objects.get().match_status == "review"


def test_a_line_of_someone_elses_batch_is_matched_as_before():
    customer = make_customer(legal_name="Fritz Lang", bank_accounts=[{"iban": "DE02120300000000202051"}])
    invoice = make_invoice(customer=customer, gross="59.50")
    entry = (
        '<Ntry><Amt Ccy="EUR">59.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-12-02</Dt></BookgDt><ValDt><Dt>2026-12-02</Dt></ValDt><NtryDtls>"
        "<Btch><PmtInfId>NOT-OURS</PmtInfId></Btch><TxDtls><Refs><EndToEndId>FOREIGN-1</EndToEndId></Refs>"
        "<RltdPties><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>{invoice.number}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )
    import_file(camt("STMT-1", entry))
    invoice.refresh_from_db()
    assert invoice.open_amount == 0
    assert Payment.objects.get().channel == PaymentChannel.BANK_TRANSFER


def test_a_refund_batch_is_confirmed_by_its_debit_line():
    customer = make_customer(legal_name="Greta Hahn", bank_accounts=[{"iban": "DE02500105170137075030"}])
    payment = make_payment(customer=customer, amount="80.00")
    payment_keep_as_credit(payment=payment, as_of=LATER)
    refund = payment_refund(payment=payment, amount=Decimal("80.00"), channel="bank_transfer", as_of=LATER)
    batch = make_refund_batch(refunds=[refund])
    import_file(camt("STMT-1", batch_entry(batch, credit=False, details=True)))
    batch.refresh_from_db()
    item = batch.items.get()
    assert batch.status == BatchStatus.CONFIRMED and item.status == BatchItemStatus.COLLECTED
    line = BankStatementLine.objects.get()
    assert line.match_status == "matched" and line.matches.get(decision="accepted").payment == payment
    assert Payment.objects.count() == 1  # nothing recorded: the refund was booked when it was made


def _batch_of(amounts: list[Decimal]):
    rows = []
    for amount in amounts:
        customer = make_customer(legal_name=f"Kunde {amount}")
        rows.append((make_invoice(customer=customer, gross="1190.00"), make_mandate(customer=customer), amount))
    return make_collection_batch(items=rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=st.lists(st.decimals("0.01", "999.99", places=2), min_size=1, max_size=5),
    left_out=st.sets(st.integers(0, 4), max_size=2),
)
@pytest.mark.django_db(transaction=False)
def test_the_payments_recorded_from_a_booked_total_add_up_to_it_or_nothing_is_recorded(amounts, left_out):
    batch = _batch_of(amounts)
    items = list(batch.items.order_by("pk"))
    booked = [item for index, item in enumerate(items) if index not in left_out]
    total = sum((item.amount for item in booked), Decimal("0"))
    before = set(Payment.objects.values_list("pk", flat=True))
    if total > 0:
        import_file(camt(f"P-{batch.pk}", batch_entry(batch, amount=total, details=False)))
    recorded = Payment.objects.exclude(pk__in=before)
    recorded_total = sum(recorded.values_list("amount", flat=True), Decimal("0"))
    assert recorded_total in (total, Decimal("0"))
    if recorded_total == total and total > 0:
        assert set(recorded.values_list("external_id", flat=True)) == {item.end_to_end_id for item in booked}
    elif total > 0:
        # Only when the items could not be told apart: a person decides the line.
        assert left_out_items(items, batch.total - total) is None


def test_telling_left_out_items_apart_needs_exactly_one_choice():
    class Item:
        def __init__(self, amount):
            self.amount = Decimal(amount)

    a, b, c = Item("10.00"), Item("20.00"), Item("30.00")
    assert left_out_items([a, b, c], Decimal("20.00")) == [b]
    assert left_out_items([a, b, c], Decimal("30.00")) is None  # c alone, or a and b
    assert left_out_items([a, b, c], Decimal("60.00")) is None  # three would be a guess
    assert left_out_items([a, b, c], Decimal("50.00")) == [b, c]


def test_a_person_says_which_items_an_ambiguous_total_booked(accountant):
    batch = _batch_of([Decimal("30.00"), Decimal("70.00"), Decimal("40.00"), Decimal("60.00")])
    import_file(camt("STMT-1", batch_entry(batch, amount="100.00", details=False)))
    line = BankStatementLine.objects.get()
    assert line.match_status == "review" and not Payment.objects.exists()  # 30 + 70 or 40 + 60?
    items = list(batch.items.order_by("pk"))
    with pytest.raises(ValidationError) as refused:
        batch_line_book_items(line=line, items=items[:1], as_of=LATER, by=accountant)
    assert "items" in refused.value.message_dict
    batch_line_book_items(line=line, items=items[:2], as_of=LATER, by=accountant)
    line.refresh_from_db()
    assert line.match_status == "matched"
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("30.00"), Decimal("70.00")]
    assert [item.status for item in batch.items.order_by("pk")] == ["collected", "collected", "pending", "pending"]
    assert FollowUpTask.objects.get(kind=BATCH_TASK).status == "done"
    assert set(line.matches.filter(decision="accepted").values_list("decided_by", flat=True)) == {accountant.pk}


def test_a_batch_entry_listing_only_the_settled_transactions_leaves_the_rest_pending_with_a_task(batch):
    first, second, third = batch.items.order_by("pk")
    import_file(camt("STMT-1", batch_entry(batch, items=[first, third], details=True)))
    second.refresh_from_db()
    batch.refresh_from_db()
    assert second.status == BatchItemStatus.PENDING and batch.status == BatchStatus.SUBMITTED
    assert Payment.objects.count() == 2
    task = FollowUpTask.objects.get(kind=BATCH_TASK)
    assert second.end_to_end_id in task.description and first.end_to_end_id not in task.description
