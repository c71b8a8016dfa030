"""The book (book.py) with collection work on top, for the dunning, dispute, write-off and fee
KPIs. Built on ``build_book`` without changing its documents (new documents would have to be
dated after the book's last one), as it would have happened:

- Reminders (sent, 09:00): level 1 on 07.09. about B-2 (Beta) and on 22.10. about A-2 (Alpha, 295.00
  open); level 2 on 21.09. about B-2.
- A-2's dunning fee 5.00 (charged 22.10.) and default interest 3.20 (charged 01.11.), both paid by
  a payment of 8.20 from Alpha with value date 05.11. (§ 367 BGB: costs, then interest).
- Alpha pays 294.00 on A-2 with value date 20.11. (recorded that day); the 1.00 left is written
  off as a small difference on 21.11. — A-2 is settled 29 days after its reminder.
- Disputes: A-2 opened 25.10. (295.00, still open); A-4 opened 12.11. (59.50), withdrawn 20.11.
- B-2 written off as bad debt on 25.11. (357.00); 100.00 of it reinstated on 28.11.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group

from casework.services.disputes import dispute_open, dispute_resolve
from core.roles import Role
from dunning.models import DunningLevel, DunningRun, Reminder, ReminderRecord
from dunning.tests.factories import make_policy
from invoicing.models import Invoice
from payments.models import OpenItem, Payment
from payments.services.bad_debts import bad_debt_write_off, bad_debt_write_off_reverse
from payments.services.writeoffs import write_off
from payments.tests.factories import make_open_item, make_payment

from .book import Book, at, build_book


@dataclass
class CollectionsBook:
    book: Book
    fee: OpenItem
    interest: OpenItem
    fee_payment: Payment
    a2_payment: Payment


def _remind(*, level: DunningLevel, customer, invoice: Invoice, sent: date) -> Reminder:
    """A sent reminder as a dunning run leaves it (the KPIs read only these rows)."""
    moment = at(sent, 9)
    run = DunningRun.objects.create(as_of=sent, status="finished", started_at=moment, finished_at=moment)
    reminder = Reminder.objects.create(
        run=run,
        customer=customer,
        policy=level.policy,
        level=level,
        status="sent",
        language="de",
        currency=invoice.currency,
        total=invoice.open_amount,
        created_at=moment,
        decided_at=moment,
    )
    ReminderRecord.objects.create(invoice=invoice, level=level, reminder=reminder, created_at=moment)
    return reminder


def build_collections_book() -> CollectionsBook:
    book = build_book()
    manager = type(book.owner).objects.create_user("manager", password="x", is_staff=True)
    manager.groups.add(Group.objects.get(name=Role.FINANCE_MANAGER.group_name))
    policy = make_policy()
    first, second = (policy.levels.get(position=n) for n in (1, 2))
    _remind(level=first, customer=book.beta, invoice=book.b2, sent=date(2026, 9, 7))
    _remind(level=second, customer=book.beta, invoice=book.b2, sent=date(2026, 9, 21))
    _remind(level=first, customer=book.alpha, invoice=book.a2, sent=date(2026, 10, 22))

    dispute_open(invoice=book.a2, reason="quality", amount=Decimal("295.00"), as_of=at(date(2026, 10, 25)))
    withdrawn = dispute_open(invoice=book.a4, reason="price", amount=Decimal("59.50"), as_of=at(date(2026, 11, 12)))
    dispute_resolve(dispute=withdrawn, outcome="withdrawn", as_of=at(date(2026, 11, 20)))

    fee = make_open_item(
        customer=book.alpha, kind="dunning_fee", amount="5.00", invoice=book.a2,
        due_date=date(2026, 10, 22), as_of=at(date(2026, 10, 22)),
    )  # fmt: skip
    interest = make_open_item(
        customer=book.alpha, kind="default_interest", amount="3.20", invoice=book.a2,
        due_date=date(2026, 11, 1), as_of=at(date(2026, 11, 1)),
    )  # fmt: skip
    fee_payment = make_payment(
        customer=book.alpha, amount="8.20", value_date=date(2026, 11, 5), as_of=at(date(2026, 11, 5), 12), allocate=True
    )

    a2_payment = make_payment(
        customer=book.alpha,
        amount="294.00",
        value_date=date(2026, 11, 20),
        as_of=at(date(2026, 11, 20), 12),
        allocate=True,
        remittance=book.a2.number,
    )
    write_off(invoice=book.a2, amount=Decimal("1.00"), reason="bank charges", as_of=at(date(2026, 11, 21)), by=manager)
    bad_debt = bad_debt_write_off(invoice=book.b2, reason="uneconomic", as_of=at(date(2026, 11, 25)), by=manager)
    bad_debt_write_off_reverse(
        write_off=bad_debt, amount=Decimal("100.00"), as_of=at(date(2026, 11, 28)), by=manager, reason="paid after all"
    )
    for thing in (book.a2, fee, interest, a2_payment, fee_payment):
        thing.refresh_from_db()
    assert (book.a2.open_amount, fee.open_amount, interest.open_amount) == (Decimal("0.00"),) * 3
    assert (a2_payment.allocated_amount, fee_payment.allocated_amount) == (Decimal("294.00"), Decimal("8.20"))
    return CollectionsBook(book, fee, interest, fee_payment, a2_payment)
