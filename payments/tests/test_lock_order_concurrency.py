"""The one lock order (core.locks) under concurrency, on PostgreSQL: issuing (an invoice and a
credit note), allocating a payment and returning another on one customer at the same moment,
each thread with its own connection like parallel workers. They all take the customer first,
then payments, then invoices; with the old issue order (invoices, then the customer) the credit
note's issue and the allocation wait for each other and PostgreSQL reports a deadlock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.tests.factories import make_customer
from invoicing.models import DocumentStatus, Invoice
from invoicing.services import credit_note_create, invoice_issue
from invoicing.tests.factories import T0, line, make_draft
from payments.models import Payment, PaymentStatus
from payments.services import payment_allocate, payment_return

from .factories import make_invoice, make_payment
from .test_allocation_concurrency import (
    assert_parts_add_up,
    reseed_after_module,  # noqa: F401  (fixture)
    run_concurrently,
    setup_committed,  # noqa: F401  (fixture)
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reseed_after_module", "setup_committed"),
]
D = Decimal
ROUNDS = 6


def _one_round():
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="1190.00")
    draft = make_draft(customer=customer)
    # 100.00 net at 19 %: the note credits 119.00 of the invoice.
    note = credit_note_create(invoice=invoice, as_of=T0, lines=[line(quantity="1")])
    returned = make_payment(customer=customer, amount="10.00")
    payment_allocate(payment=returned, targets=[{"invoice": invoice, "amount": D("10.00")}], as_of=T0)
    paying = make_payment(customer=customer, amount="10.00")

    work = [
        lambda: invoice_issue(invoice=draft, as_of=T0),
        lambda: invoice_issue(invoice=note, as_of=T0),
        lambda: payment_allocate(payment=paying, targets=[{"invoice": invoice, "amount": D("10.00")}], as_of=T0),
        lambda: payment_return(payment=returned, as_of=T0, reason="returned direct debit"),
    ]
    results, failures = run_concurrently(lambda index: work[index](), len(work))
    return customer, invoice, draft, note, returned, paying, results, failures


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_issue_allocation_and_return_on_one_customer_run_together_without_deadlock(round_):
    customer, invoice, draft, note, returned, paying, results, failures = _one_round()

    assert failures == []
    assert len(results) == 4
    invoice.refresh_from_db()
    # 1190.00 − the note's 119.00 − the allocated 10.00; the returned payment's 10.00 came back.
    assert invoice.open_amount == D("1061.00")
    assert invoice.credited_amount == D("119.00")
    assert invoice.settlement_state == "partially_paid"
    issued = Invoice.objects.filter(pk__in=[draft.pk, note.pk], status=DocumentStatus.ISSUED)
    assert issued.count() == 2 and all(document.number for document in issued)
    returned.refresh_from_db()
    paying.refresh_from_db()
    assert (returned.status, returned.returned_amount, returned.allocated_amount) == (
        PaymentStatus.RETURNED,
        D("10.00"),
        D("0.00"),
    )
    assert (paying.allocated_amount, paying.unapplied_amount) == (D("10.00"), D("0.00"))
    assert Payment.objects.filter(customer=customer).count() == 2
    assert_parts_add_up()


def _row_locked_elsewhere(table: str, pk: int) -> bool:
    """Whether another connection holds a lock on the row (asked from a connection of our own)."""
    import threading

    from django.db import DatabaseError, connection, transaction

    answer = []

    def ask():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])  # noqa: S608
            answer.append(False)
        except DatabaseError:
            answer.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join(10)
    return answer[0]


def test_a_payment_moved_to_another_customer_before_the_lock_is_locked_with_its_new_customer():
    """The service read the payment (customer A); another worker moved it to customer B and
    committed before the locks were taken. Locking A would leave B free for a second service on
    B's money: lock_payment finds the change on the locked row, gives A back and locks B."""
    from django.db import transaction

    from payments.services.common import lock_payment

    first, second = make_customer(), make_customer()
    payment = make_payment(customer=first, amount="10.00")
    stale = Payment.objects.get(pk=payment.pk)
    Payment.objects.filter(pk=payment.pk).update(customer=second)  # committed: autocommit outside atomic

    with transaction.atomic():
        locked = lock_payment(stale)
        assert locked.customer_id == second.pk
        assert _row_locked_elsewhere("customers_customer", second.pk)
        assert not _row_locked_elsewhere("customers_customer", first.pk)  # released with the savepoint
        assert _row_locked_elsewhere("payments_payment", payment.pk)
