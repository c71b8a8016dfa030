"""Return fees decided by people: charge or decline a fee the rule asked about, waive a charged
one, edit the rules; and the admin pages that show what a bank line booked or returned of ours."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.models import Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.models import BankStatementLine, OpenItem, ReturnFee, ReturnFeeRule, ReturnFeeStatus
from payments.services import return_fee_charge, return_fee_decline, return_fee_waive
from payments.services.errors import PaymentConflict
from payments.services.return_fees import FEE_TASK, return_fee_rule
from payments.tests.factories import make_invoice
from sepa.bank.admin import BankLinesOfItemMixin
from tasks.models import FollowUpTask

from .bank_support import LATER, batch_entry, camt, import_file, make_collection_batch, make_mandate, return_entry

pytestmark = pytest.mark.usefixtures("invoicing_setup")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def returned(reason: str, charges: str = "3.00", *, name: str = "Anna Becker"):
    """A booked collection, then its return with ``reason`` and the bank's fee."""
    customer = make_customer(legal_name=name)
    invoice = make_invoice(customer=customer, gross="59.50")
    batch = make_collection_batch(items=[(invoice, make_mandate(customer=customer), "59.50")])
    import_file(camt(f"C-{batch.pk}", batch_entry(batch, details=False)))
    item = batch.items.get()
    import_file(camt(f"R-{batch.pk}", return_entry(item, reason=reason, charges=charges)))
    item.refresh_from_db()
    return item


def test_a_fee_asked_about_is_charged_by_a_person_and_the_task_closes(manager):
    item = returned("MS03")
    fee = ReturnFee.objects.get()
    return_fee_charge(fee=fee, as_of=LATER, by=manager)
    fee.refresh_from_db()
    assert fee.status == ReturnFeeStatus.CHARGED and fee.decided_by == manager
    assert (fee.open_item.amount, fee.open_item.invoice) == (Decimal("3.00"), item.invoice)
    assert FollowUpTask.objects.get(kind=FEE_TASK).status == "done"


def test_a_fee_declined_needs_a_reason_and_cannot_be_charged_afterwards(manager):
    returned("MS02")
    fee = ReturnFee.objects.get()
    with pytest.raises(ValidationError) as refused:
        return_fee_decline(fee=fee, as_of=LATER, by=manager, reason="  ")
    assert "reason" in refused.value.message_dict
    return_fee_decline(fee=fee, as_of=LATER, by=manager, reason="the bank blocked the account by mistake")
    assert FollowUpTask.objects.get(kind=FEE_TASK).status == "done"
    with pytest.raises(PaymentConflict):
        return_fee_charge(fee=fee, as_of=LATER, by=manager)
    assert not OpenItem.objects.exists()
    assert Event.objects.filter(type="return_fee.declined", object_id=fee.pk).count() == 1


def test_a_charged_fee_is_waived_once(manager):
    returned("AM04")
    fee = ReturnFee.objects.get()
    return_fee_waive(open_item=fee.open_item, as_of=LATER, by=manager, reason="good customer, first time")
    fee.refresh_from_db()
    fee.open_item.refresh_from_db()
    assert fee.status == ReturnFeeStatus.WAIVED
    assert fee.open_item.open_amount == 0 and fee.open_item.cancelled_at == LATER
    with pytest.raises(PaymentConflict):
        return_fee_waive(open_item=fee.open_item, as_of=LATER, by=manager, reason="again")
    event = Event.objects.get(type="return_fee.waived")
    assert event.data["amount"] == "3.00"


def test_waiving_something_that_is_no_return_fee_is_refused(manager):
    customer = make_customer(legal_name="Other")
    item = OpenItem.objects.create(
        customer=customer,
        kind="dunning_fee",
        description="Mahngebühr",
        amount=Decimal("5.00"),
        open_amount=Decimal("5.00"),
        due_date=LATER.date(),
        created_at=LATER,
    )
    with pytest.raises(ValidationError) as refused:
        return_fee_waive(open_item=item, as_of=LATER, by=manager, reason="why not")
    assert "open_item" in refused.value.message_dict


def test_the_rules_are_seeded_and_a_code_without_a_rule_asks():
    assert return_fee_rule("AM04") == "charge"
    assert return_fee_rule("MD06") == "never"
    assert return_fee_rule("MS03") == "ask"
    assert return_fee_rule("ZZ99") == "ask"
    assert {rule.reason_code for rule in ReturnFeeRule.objects.filter(decision="never")} >= {
        "MD06",
        "MD07",
        "AC01",
        "AM05",
        "MD02",
        "RC01",
        "FF01",
        "BE05",
    }


def test_a_finance_manager_changes_a_rule_and_it_applies_to_the_next_return(manager):
    rule = ReturnFeeRule.objects.get(reason_code="AM04")
    response = client_of(manager).post(
        f"/admin/payments/returnfeerule/{rule.pk}/change/", {"reason_code": "AM04", "decision": "never", "note": ""}
    )
    assert response.status_code == 302
    returned("AM04")
    assert not ReturnFee.objects.exists()


def test_a_viewer_may_look_at_return_fees_but_not_decide(viewer):
    returned("MS03")
    fee = ReturnFee.objects.get()
    client = client_of(viewer)
    assert client.get(f"/admin/payments/returnfee/{fee.pk}/change/").status_code == 200
    assert client.post(f"/admin/payments/returnfee/{fee.pk}/change/", {"decision": "charge"}).status_code == 403
    fee.refresh_from_db()
    assert fee.status == ReturnFeeStatus.PENDING


def test_an_accountant_may_not_change_the_rules(accountant):
    rule = ReturnFeeRule.objects.get(reason_code="AM04")
    response = client_of(accountant).post(
        f"/admin/payments/returnfeerule/{rule.pk}/change/", {"reason_code": "AM04", "decision": "never", "note": ""}
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.decision == "charge"


def test_an_accountant_decides_on_the_return_fee_page(accountant):
    returned("MS03")
    fee = ReturnFee.objects.get()
    client = client_of(accountant)
    refused = client.post(f"/admin/payments/returnfee/{fee.pk}/change/", {"decision": "decline", "reason": ""})
    # The site speaks German.
    assert refused.status_code == 200
    assert "Geben Sie an, warum die Gebühr nicht berechnet wird." in refused.content.decode()
    done = client.post(f"/admin/payments/returnfee/{fee.pk}/change/", {"decision": "charge", "reason": ""})
    assert done.status_code == 302
    fee.refresh_from_db()
    assert fee.status == ReturnFeeStatus.CHARGED and fee.decided_by == accountant


def test_the_return_fee_list_reads_in_a_fixed_number_of_queries(manager, django_assert_num_queries):
    returned("AM04")
    client = client_of(manager)
    client.get("/admin/payments/returnfee/")  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/admin/payments/returnfee/").status_code == 200
    returned("AM04", name="Bernd Schulz")
    returned("AM04", name="Clara Wolf")
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get("/admin/payments/returnfee/").status_code == 200


def test_the_bank_line_page_names_the_collection_it_booked_and_the_item_names_its_lines(manager):
    item = returned("AM04")
    credit, debit = BankStatementLine.objects.filter(credit=True).get(), BankStatementLine.objects.get(credit=False)
    client = client_of(manager)
    with translation.override("en"):
        for line in (credit, debit):
            page = client.get(f"/admin/payments/bankstatementline/{line.pk}/change/").content.decode()
            assert item.end_to_end_id in page and item.batch.message_id in page
    shown = BankLinesOfItemMixin().bank_lines_shown(item)
    for line in (credit, debit):
        assert f"/admin/payments/bankstatementline/{line.pk}/change/" in shown


def test_the_review_queue_shows_a_batch_line_that_tells_no_items_apart(accountant):
    customer = make_customer(legal_name="Hanna Roth")
    batch = make_collection_batch(
        items=[
            (make_invoice(customer=customer, gross="59.50"), make_mandate(customer=customer), "59.50"),
            (make_invoice(customer=customer, gross="119.00"), make_mandate(customer=customer), "119.00"),
        ]
    )
    import_file(camt("STMT-1", batch_entry(batch, amount="100.00", details=False)))
    page = client_of(accountant).get("/admin/payments/bankstatementline/review/")
    assert page.status_code == 200
    # The line's explanation in the site's language names the batch and what is pending.
    assert batch.message_id in page.content.decode() and "von Hand entscheiden" in page.content.decode()
