"""Issued documents are immutable in the database itself (GoBD): PostgreSQL triggers (migration 0002).

The statements here go around the services on purpose: raw SQL is what a trigger must stop.
Each refused statement runs in its own savepoint so the test transaction stays usable.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from invoicing.models import (
    DocumentStatus,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceLine,
    InvoiceVatBreakdown,
)
from invoicing.services import credit_note_create

from .factories import (
    T0,
    invoicing_setup,  # noqa: F401  (fixture)
    make_draft,
    make_issued,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

ALLOWANCE = {"reason": "Treuerabatt", "amount": "10.00", "vat_category": "S", "vat_rate": "19"}


def sql(statement: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, params=()) -> None:
    with pytest.raises(IntegrityError, match="immutable|not allowed|cannot become"), transaction.atomic():
        sql(statement, params)


@pytest.fixture
def issued() -> Invoice:
    return make_issued(allowances=[ALLOWANCE])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("amount_due", Decimal("1.00")),
        ("tax_total", Decimal("0.00")),
        ("number", "RE-2026-999999"),
        ("invoice_date", date(2026, 1, 1)),
        ("note", "nachträglich geändert"),
        ("currency", "USD"),
        ("seller", '{"name": "Andere GmbH"}'),
        ("issued_at", None),
    ],
)
def test_raw_updates_of_issued_content_are_refused(issued, column, value):
    refused(f"UPDATE invoicing_invoice SET {column} = %s WHERE id = %s", [value, issued.pk])
    fresh = Invoice.objects.get(pk=issued.pk)
    assert (fresh.number, fresh.amount_due, fresh.note) == (issued.number, issued.amount_due, issued.note)


def test_the_orm_cannot_update_issued_content_either(issued):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(amount_due=Decimal("1.00"))


def test_an_issued_invoice_cannot_be_deleted(issued):
    refused("DELETE FROM invoicing_invoice WHERE id = %s", [issued.pk])
    assert Invoice.objects.filter(pk=issued.pk).exists()


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("invoicing_invoiceline", "unit_price", Decimal("1.00")),
        ("invoicing_invoiceline", "description", "anders"),
        ("invoicing_invoiceallowancecharge", "amount", Decimal("0.01")),
        ("invoicing_invoicevatbreakdown", "tax_amount", Decimal("0.00")),
    ],
)
def test_the_lines_allowances_and_breakdown_of_an_issued_invoice_cannot_be_updated(issued, table, column, value):
    refused(f"UPDATE {table} SET {column} = %s WHERE invoice_id = %s", [value, issued.pk])


@pytest.mark.parametrize(
    "table", ["invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatbreakdown"]
)
def test_the_children_of_an_issued_invoice_cannot_be_deleted(issued, table):
    refused(f"DELETE FROM {table} WHERE invoice_id = %s", [issued.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE invoice_id = %s", [issued.pk])
        assert cursor.fetchone()[0] >= 1


def test_nothing_can_be_added_to_an_issued_invoice(issued):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=issued, position=9, description="nachgeschoben", quantity=1, unit_price=1, vat_category="Z"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceAllowanceCharge.objects.create(invoice=issued, position=9, amount=1, vat_category="Z", reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceVatBreakdown.objects.create(invoice=issued, vat_category="Z", vat_rate=0, taxable_amount=1, tax_amount=0)
    assert issued.lines.count() == 1 and issued.vat_breakdown.count() == 1


def test_a_line_cannot_be_moved_onto_an_issued_invoice(issued):
    draft = make_draft()
    refused("UPDATE invoicing_invoiceline SET invoice_id = %s WHERE invoice_id = %s", [issued.pk, draft.pk])


def test_the_allow_listed_columns_may_change_after_issue(issued):
    changed = sql(
        "UPDATE invoicing_invoice SET open_amount = %s, settlement_state = %s, due_date = %s, "
        "credited_amount = %s, updated_at = %s WHERE id = %s",
        [Decimal("100.00"), "partially_paid", date(2027, 3, 1), Decimal("19.00"), T0, issued.pk],
    )
    assert changed == 1
    fresh = Invoice.objects.get(pk=issued.pk)
    assert (fresh.open_amount, fresh.settlement_state, fresh.due_date) == (
        Decimal("100.00"),
        "partially_paid",
        date(2027, 3, 1),
    )
    assert fresh.credited_amount == Decimal("19.00")


def test_an_issued_invoice_may_become_cancelled_but_never_issued_again_or_a_draft(issued):
    refused("UPDATE invoicing_invoice SET status = 'draft' WHERE id = %s", [issued.pk])
    assert sql("UPDATE invoicing_invoice SET status = 'cancelled', cancelled_at = %s WHERE id = %s", [T0, issued.pk])
    refused("UPDATE invoicing_invoice SET status = 'issued' WHERE id = %s", [issued.pk])
    refused("UPDATE invoicing_invoice SET status = 'draft' WHERE id = %s", [issued.pk])
    refused("DELETE FROM invoicing_invoice WHERE id = %s", [issued.pk])
    assert Invoice.objects.get(pk=issued.pk).status == DocumentStatus.CANCELLED


def test_a_cancelled_invoice_keeps_its_content(issued):
    credit_note_create(invoice=issued, as_of=T0, issue=True)
    refused("UPDATE invoicing_invoice SET amount_due = 0 WHERE id = %s", [issued.pk])
    refused("DELETE FROM invoicing_invoiceline WHERE invoice_id = %s", [issued.pk])


def test_an_issued_credit_note_is_immutable_too(issued):
    credit_note = credit_note_create(invoice=issued, as_of=T0, issue=True)
    refused("UPDATE invoicing_invoice SET amount_due = 0 WHERE id = %s", [credit_note.pk])
    refused("DELETE FROM invoicing_invoice WHERE id = %s", [credit_note.pk])


def test_drafts_are_freely_editable_and_deletable():
    draft = make_draft(allowances=[ALLOWANCE])
    assert sql("UPDATE invoicing_invoice SET amount_due = 1, number = 'X-1', note = 'frei' WHERE id = %s", [draft.pk])
    assert sql("UPDATE invoicing_invoiceline SET unit_price = 5 WHERE invoice_id = %s", [draft.pk])
    assert sql("DELETE FROM invoicing_invoiceallowancecharge WHERE invoice_id = %s", [draft.pk])
    assert sql("DELETE FROM invoicing_invoiceline WHERE invoice_id = %s", [draft.pk])
    sql("DELETE FROM invoicing_invoiceevent WHERE invoice_id = %s", [draft.pk])
    assert sql("DELETE FROM invoicing_invoice WHERE id = %s", [draft.pk]) == 1
    assert not Invoice.objects.filter(pk=draft.pk).exists()


# A value of each column type, for columns the issued invoice leaves empty (a filled one is set to NULL:
# the trigger runs before NOT NULL and CHECK constraints, so either is a change it must refuse).
SAMPLE_OF_TYPE = {
    "bigint": "1",
    "integer": "1",
    "smallint": "1",
    "boolean": "true",
    "date": "2001-01-01",
    "timestamp with time zone": "2001-01-01T00:00:00Z",
    "numeric": "1",
    "character varying": "x",
    "text": "x",
    "jsonb": '{"x": 1}',
    "uuid": "00000000-0000-0000-0000-000000000001",
}


def invoice_columns() -> dict[str, str]:
    """Every column of the migrated invoice table with its type (as the database has it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = 'invoicing_invoice'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        return dict(cursor.fetchall())


def test_every_column_but_those_allowed_to_change_is_frozen_after_all_migrations(issued):
    """The trigger compares whole rows, so a column added by a later migration is frozen without
    touching it; the trigger's list of columns that may change is Invoice.MUTABLE_AFTER_ISSUE."""
    mutable = {Invoice._meta.get_field(name).column for name in Invoice.MUTABLE_AFTER_ISSUE}
    assert {"received_on", "received_on_basis"} <= mutable
    columns = invoice_columns()
    assert {"buyer_contact_email", "received_on"} <= columns.keys()
    for column, type_name in columns.items():
        if column in mutable or column == "id":
            continue
        sample = SAMPLE_OF_TYPE[type_name]
        refused(
            f'UPDATE invoicing_invoice SET "{column}" = CASE WHEN "{column}" IS NULL THEN %s::{type_name} '  # noqa: S608
            f"ELSE NULL END WHERE id = %s",
            [sample, issued.pk],
        )
    changed = sql(
        "UPDATE invoicing_invoice SET received_on = %s, received_on_basis = %s WHERE id = %s",
        [date(2026, 12, 1), "assumed", issued.pk],
    )
    assert changed == 1
