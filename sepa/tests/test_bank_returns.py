"""Returns (R-transactions) of our collections, linked by end-to-end id and mandate reference:
the payment is returned and the invoice reopens, the item is returned with its reason, the
mandate is marked where the reason puts it in doubt, a follow-up task is opened, and the bank's
fee is charged on, asked about or never charged by the rule of the reason code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from core.models import Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.bank.debits import line_link_return
from payments.models import BankStatementLine, OpenItem, Payment, PaymentStatus, ReturnFee, ReturnFeeStatus
from payments.services.return_fees import FEE_TASK
from payments.tests.factories import make_invoice
from sepa.bank.returns import RETURNED_TASK
from sepa.models import BatchItemStatus, MandateStatus
from tasks.models import FollowUpTask

from .bank_support import (
    LATER,
    batch_entry,
    camt,
    import_file,
    make_collection_batch,
    make_mandate,
    mt940,
    mt940_return,
    mt940_sammler,
    return_entry,
)

pytestmark = pytest.mark.usefixtures("invoicing_setup")


@pytest.fixture
def booked():
    """A collection of 59.50 for Anna's invoice, booked by the bank."""
    anna = make_customer(legal_name="Anna Becker")
    invoice = make_invoice(customer=anna, gross="59.50")
    batch = make_collection_batch(items=[(invoice, make_mandate(customer=anna, reference="MNDT-ANNA"), "59.50")])
    import_file(camt("STMT-1", batch_entry(batch, details=False)))
    item = batch.items.get()
    assert item.status == BatchItemStatus.COLLECTED
    return item


def returned_item(item):
    item.refresh_from_db()
    item.invoice.refresh_from_db()
    item.mandate.refresh_from_db()
    return item


@pytest.mark.parametrize("version", ["02", "08"])
def test_a_return_reopens_the_invoice_and_the_fee_is_charged_for_insufficient_funds(booked, version):
    import_file(camt("STMT-2", return_entry(booked, reason="AM04", charges="3.00", version=version), version=version))
    item = returned_item(booked)
    assert (item.status, item.return_reason) == (BatchItemStatus.RETURNED, "AM04")
    assert item.payment.status == PaymentStatus.RETURNED
    assert item.invoice.open_amount == Decimal("59.50")
    line = BankStatementLine.objects.get(credit=False)
    assert line.match_status == "matched" and line.matches.get(decision="accepted").payment == item.payment
    fee = ReturnFee.objects.get()
    assert (fee.status, fee.amount, fee.reason_code) == (ReturnFeeStatus.CHARGED, Decimal("3.00"), "AM04")
    open_item = fee.open_item
    assert (open_item.kind, open_item.amount, open_item.open_amount) == ("return_fee", Decimal("3.00"), Decimal("3.00"))
    assert open_item.invoice == item.invoice and "AM04" in open_item.description
    assert not item.mandate.needs_attention  # insufficient funds say nothing about the mandate
    task = FollowUpTask.objects.get(kind=RETURNED_TASK)
    assert task.customer == item.customer and task.status == "open"
    assert Event.objects.filter(type="sepa_item.returned", object_id=item.pk).count() == 1
    assert Event.objects.filter(type="return_fee.charged").count() == 1


def test_a_return_of_ms03_asks_a_person_about_the_fee(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="MS03", charges="8.50")))
    fee = ReturnFee.objects.get()
    assert fee.status == ReturnFeeStatus.PENDING and fee.open_item is None
    task = FollowUpTask.objects.get(kind=FEE_TASK)
    assert task.status == "open" and task.customer == booked.customer
    assert not OpenItem.objects.exists()
    item = returned_item(booked)
    assert item.mandate.needs_attention  # MS03 may hide a revoked mandate


def test_a_refund_within_eight_weeks_never_costs_the_customer_a_fee(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="MD06", charges="3.00")))
    assert not ReturnFee.objects.exists() and not OpenItem.objects.exists()
    event = Event.objects.get(type="return_fee.not_charged")
    assert (event.data["reason_code"], event.data["fee"]) == ("MD06", "3.00")
    item = returned_item(booked)
    assert item.invoice.open_amount == Decimal("59.50") and not item.mandate.needs_attention


def test_md01_with_a_signed_mandate_asks_and_marks_the_mandate(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="MD01", charges="3.00")))
    assert ReturnFee.objects.get().status == ReturnFeeStatus.PENDING
    item = returned_item(booked)
    assert item.mandate.needs_attention
    assert Event.objects.filter(type="mandate.flagged", object_id=item.mandate_id).count() == 1


def test_md01_without_a_mandate_signed_before_the_collection_is_never_charged(booked):
    booked.mandate.signed_on = date(2026, 12, 20)  # after the collection date
    booked.mandate.save(update_fields=["signed_on"])
    import_file(camt("STMT-2", return_entry(booked, reason="MD01", charges="3.00")))
    assert not ReturnFee.objects.exists()
    assert Event.objects.get(type="return_fee.not_charged").data["why"] == "no signed mandate"


def test_md01_after_the_mandate_was_revoked_before_the_collection_is_never_charged(booked):
    booked.mandate.status = MandateStatus.REVOKED
    booked.mandate.status_changed_at = booked.batch.created_at
    booked.mandate.save(update_fields=["status", "status_changed_at"])
    import_file(camt("STMT-2", return_entry(booked, reason="MD01", charges="3.00")))
    assert not ReturnFee.objects.exists()


def test_no_fee_without_a_fee_reported_by_the_bank(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="AM04")))
    assert not ReturnFee.objects.exists() and not OpenItem.objects.exists()
    assert returned_item(booked).status == BatchItemStatus.RETURNED


def test_account_closed_marks_the_mandate_with_a_worded_reason(booked):
    with translation.override("en"):
        import_file(camt("STMT-2", return_entry(booked, reason="AC04", charges="3.00")))
    item = returned_item(booked)
    assert item.mandate.needs_attention
    assert "account is closed" in item.mandate.attention_reason
    assert item.mandate.history.filter(needs_attention=True).exists()  # the change is in its history
    assert ReturnFee.objects.get().status == ReturnFeeStatus.CHARGED


def test_a_return_without_end_to_end_id_is_linked_by_mandate_and_amount(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="AM04", e2e="NOTPROVIDED", charges="3.00")))
    assert returned_item(booked).status == BatchItemStatus.RETURNED


def test_a_return_naming_another_mandate_is_left_to_the_ordinary_search(booked):
    import_file(camt("STMT-2", return_entry(booked, reason="AM04", mandate="SOMEONE-ELSES")))
    # The ordinary search finds no payment from a credit line with that end-to-end id: review.
    assert returned_item(booked).status == BatchItemStatus.COLLECTED
    assert BankStatementLine.objects.get(credit=False).match_status == "review"


def test_a_return_before_the_batch_was_booked_records_no_payment_and_leaves_the_invoice_open():
    bernd = make_customer(legal_name="Bernd Schulz")
    invoice = make_invoice(customer=bernd, gross="119.00")
    batch = make_collection_batch(items=[(invoice, make_mandate(customer=bernd), "119.00")])
    item = batch.items.get()
    import_file(camt("STMT-R", return_entry(item, reason="AC04")))
    item = returned_item(item)
    assert item.status == BatchItemStatus.RETURNED and item.payment is None
    assert not Payment.objects.exists()
    assert item.invoice.open_amount == Decimal("119.00")
    line = BankStatementLine.objects.get(credit=False)
    assert line.match_status == "matched"
    # The bank's credit of the batch comes later: the money came and went; nothing stays applied.
    import_file(camt("STMT-C", batch_entry(batch, details=False)))
    item = returned_item(item)
    batch.refresh_from_db()
    assert item.payment.status == PaymentStatus.RETURNED and item.payment.amount == Decimal("119.00")
    assert item.invoice.open_amount == Decimal("119.00")
    assert batch.status == "confirmed"


def test_mt940_return_with_the_fee_in_the_booked_amount(booked):
    import_file(mt940(mt940_return(booked, reason="AM04", fee="4.50")), name="r.sta")
    item = returned_item(booked)
    assert item.status == BatchItemStatus.RETURNED
    assert ReturnFee.objects.get().amount == Decimal("4.50")


def test_mt940_sammler_then_return_in_one_statement():
    clara = make_customer(legal_name="Clara Wolf")
    invoice = make_invoice(customer=clara, gross="238.00")
    batch = make_collection_batch(items=[(invoice, make_mandate(customer=clara), "238.00")])
    item = batch.items.get()
    import_file(mt940(mt940_sammler(batch), mt940_return(item, reason="MD06")), name="s.sta")
    item = returned_item(item)
    assert item.status == BatchItemStatus.RETURNED and item.payment.status == PaymentStatus.RETURNED
    assert item.invoice.open_amount == Decimal("238.00")


def test_importing_the_return_again_changes_nothing(booked):
    data = camt("STMT-2", return_entry(booked, reason="AM04", charges="3.00"))
    import_file(data)
    import_file(data.replace(b"<Id>STMT-2</Id>", b"<Id>STMT-2B</Id>"), name="again.xml")
    assert ReturnFee.objects.count() == 1 and OpenItem.objects.count() == 1
    assert Event.objects.filter(type="sepa_item.returned").count() == 1
    assert FollowUpTask.objects.filter(kind=RETURNED_TASK).count() == 1


def test_a_return_a_person_links_in_the_review_queue_follows_up_on_the_collection(booked, accountant):
    import_file(camt("STMT-2", return_entry(booked, reason="AC04", e2e="NOTPROVIDED", mandate="", charges="3.00")))
    line = BankStatementLine.objects.get(credit=False)
    assert line.match_status == "review" and returned_item(booked).status == BatchItemStatus.COLLECTED
    line_link_return(line=line, payment=booked.payment, as_of=LATER, by=accountant)
    item = returned_item(booked)
    assert (item.status, item.return_reason) == (BatchItemStatus.RETURNED, "AC04")
    assert item.mandate.needs_attention and item.invoice.open_amount == Decimal("59.50")
    assert ReturnFee.objects.get().status == ReturnFeeStatus.CHARGED
    assert FollowUpTask.objects.filter(kind=RETURNED_TASK).count() == 1
