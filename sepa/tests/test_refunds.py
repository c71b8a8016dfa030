"""Refund batches: customer credit paid back by a pain.001 transfer, booked through payments."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import CompanyProfile
from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN
from payments.services import payment_keep_as_credit
from payments.tests.factories import make_payment
from sepa.models import BatchKind
from sepa.services import batch_cancel, refund_batch_create
from sepa.services.errors import SepaConflict
from sepa.services.pain import xsd_errors

from .factories import IBANS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]
AS_OF = datetime(2026, 12, 9, 10, tzinfo=BERLIN)
EXECUTE = date(2026, 12, 10)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def credit(customer, amount="50.00"):
    payment = make_payment(customer=customer, amount=amount)
    payment_keep_as_credit(payment=payment, as_of=AS_OF)
    payment.refresh_from_db()
    return payment


def with_account(**extra):
    return make_customer(
        bank_accounts=[{"iban": IBANS[1], "bic": "INGDDEFFXXX", "account_holder": "Beispiel Handel"}], **extra
    )


@pytest.mark.parametrize("schema", ["pain.001.001.09", "pain.001.001.03"])
def test_a_refund_batch_books_the_refunds_and_writes_a_valid_transfer_file(schema, manager):
    CompanyProfile.objects.filter(pk=1).update(sepa_credit_transfer_format=schema)
    first, second = credit(with_account()), credit(with_account(), "80.00")

    batch = refund_batch_create(
        execution_date=EXECUTE, items=[(first, Decimal("50.00")), (second, Decimal("30.00"))], as_of=AS_OF, by=manager
    )

    assert (batch.kind, batch.schema, batch.total, batch.item_count) == (
        BatchKind.CREDIT_TRANSFER,
        schema,
        Decimal("80.00"),
        2,
    )
    assert xsd_errors(batch.xml, schema) == []
    items = list(batch.items.order_by("id"))
    assert [(i.source_payment_id, i.amount, i.counterparty_iban) for i in items] == [
        (first.pk, Decimal("50.00"), IBANS[1]),
        (second.pk, Decimal("30.00"), IBANS[1]),
    ]
    assert items[0].refund.channel == "bank_transfer" and items[0].refund.reference == items[0].end_to_end_id
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.credit_amount, second.credit_amount) == ("refunded", Decimal("0.00"), Decimal("50.00"))
    assert f"<EndToEndId>{items[1].end_to_end_id}</EndToEndId>" in batch.xml


def test_a_customer_without_an_active_bank_account_is_refused_by_item():
    payment = credit(make_customer())
    with pytest.raises(ValidationError) as caught:
        refund_batch_create(execution_date=EXECUTE, items=[(payment, Decimal("10.00"))], as_of=AS_OF)
    assert "no active bank account" in caught.value.message_dict["items.0.payment"][0]


def test_more_than_the_credit_is_refused_and_nothing_is_booked():
    ok, short = credit(with_account()), credit(with_account(), "5.00")
    with pytest.raises(ValidationError) as caught:
        refund_batch_create(
            execution_date=EXECUTE, items=[(ok, Decimal("10.00")), (short, Decimal("6.00"))], as_of=AS_OF
        )
    assert "exceeds the customer credit" in caught.value.message_dict["items.1.amount"][0]
    ok.refresh_from_db()
    assert ok.credit_amount == Decimal("50.00") and not ok.refunds.exists()


def test_the_execution_date_is_a_business_day_not_in_the_past():
    payment = credit(with_account())
    for day, why in ((date(2026, 12, 12), "TARGET2"), (date(2026, 12, 8), "past")):
        with pytest.raises(ValidationError) as caught:
            refund_batch_create(execution_date=day, items=[(payment, Decimal("1.00"))], as_of=AS_OF)
        assert why in caught.value.message_dict["execution_date"][0]


def test_a_refund_file_cannot_be_cancelled():
    payment = credit(with_account())
    batch = refund_batch_create(execution_date=EXECUTE, items=[(payment, Decimal("1.00"))], as_of=AS_OF)
    with pytest.raises(SepaConflict):
        batch_cancel(batch=batch, as_of=AS_OF)
