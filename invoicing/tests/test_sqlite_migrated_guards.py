"""On the embedded SQLite database (the quick start), issued invoices stay frozen after every migration.

0009, 0011 and 0012 drop the immutability triggers (0002) so SQLite can rebuild the invoice tables and
install them again; 0011 lets the receipt columns change after issue. A fresh file database is migrated
and given the demo data in a child process, as ``make run`` does, and then the final triggers are checked:
every invoice column but ``Invoice.MUTABLE_AFTER_ISSUE`` is frozen on an issued invoice, its lines, VAT
breakdown and allowances/charges refuse every change, the receipt columns still change, drafts stay free.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from invoicing.models import Invoice

ROOT = Path(__file__).resolve().parents[2]
FROZEN = "issued documents are immutable"
CHILD_TABLES = ("invoicing_invoiceline", "invoicing_invoicevatbreakdown", "invoicing_invoiceallowancecharge")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBITOR_REQUIRE_SERVICES")
    }
    env.update(DATABASE_URL=f"sqlite:///{path}", DJANGO_SETTINGS_MODULE="config.settings.local")
    for command in (["migrate", "--noinput"], ["load_demo_data", "--force"]):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-2000:]
    connection = sqlite3.connect(path, isolation_level=None)
    yield connection
    connection.close()


def refusal(connection, statement: str, params=()) -> str | None:
    """The trigger's message if the statement is refused, else None; the database is left unchanged."""
    connection.execute("SAVEPOINT probe")
    try:
        connection.execute(statement, params)
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        connection.execute("ROLLBACK TO probe")
        connection.execute("RELEASE probe")
    return None


def issued_invoice(connection) -> int:
    (pk,) = connection.execute(
        "SELECT i.id FROM invoicing_invoice i WHERE i.status = 'issued' "
        "AND EXISTS (SELECT 1 FROM invoicing_invoiceline l WHERE l.invoice_id = i.id) "
        "AND EXISTS (SELECT 1 FROM invoicing_invoicevatbreakdown b WHERE b.invoice_id = i.id) ORDER BY i.id LIMIT 1"
    ).fetchone()
    return pk


def test_the_frozen_columns_are_every_column_but_those_that_may_change_after_issue(database):
    (sql,) = database.execute("SELECT sql FROM sqlite_master WHERE name = 'invoicing_invoice_frozen'").fetchone()
    frozen = set(re.findall(r'NEW\."(\w+)"', sql))
    columns = {row[1] for row in database.execute("PRAGMA table_info(invoicing_invoice)")}
    mutable = {Invoice._meta.get_field(name).column for name in Invoice.MUTABLE_AFTER_ISSUE}
    assert {"received_on", "received_on_basis"} <= mutable
    assert frozen == columns - mutable - {"id"}


def test_an_issued_invoice_refuses_every_frozen_column_and_accepts_its_receipt(database):
    pk = issued_invoice(database)
    mutable = {Invoice._meta.get_field(name).column for name in Invoice.MUTABLE_AFTER_ISSUE}
    columns = [row[1] for row in database.execute("PRAGMA table_info(invoicing_invoice)")]
    for column in columns:
        if column in mutable or column == "id":
            continue
        # NULL becomes a value and a value NULL: a change whatever the column holds.
        statement = (
            f'UPDATE invoicing_invoice SET "{column}" = CASE WHEN "{column}" IS NULL THEN 1 ELSE NULL END WHERE id = ?'  # noqa: S608
        )
        assert FROZEN in (refusal(database, statement, [pk]) or ""), column
    assert refusal(database, "DELETE FROM invoicing_invoice WHERE id = ?", [pk]) is not None
    assert (
        refusal(
            database,
            "UPDATE invoicing_invoice SET received_on = '2026-12-01', received_on_basis = 'assumed' WHERE id = ?",
            [pk],
        )
        is None
    )


def test_the_lines_breakdown_and_charges_of_an_issued_invoice_refuse_every_change(database):
    pk = issued_invoice(database)
    database.execute("SAVEPOINT charge")
    try:
        # The demo invoices carry no allowance or charge: give the draft one and issue it (allowed from draft).
        (draft,) = database.execute("SELECT id FROM invoicing_invoice WHERE status = 'draft' LIMIT 1").fetchone()
        database.execute(
            "INSERT INTO invoicing_invoiceallowancecharge (invoice_id, position, is_charge, reason, reason_code, "
            "amount, vat_category, vat_rate, computed_amount) VALUES (?, 1, 1, 'Fracht', 'FC', 5, 'S', 19, 5)",
            [draft],
        )
        database.execute(
            "UPDATE invoicing_invoice SET status = 'issued', number = 'RE-TEST-1', invoice_date = '2026-12-01' "
            "WHERE id = ?",
            [draft],
        )
        for table in CHILD_TABLES:
            invoice = draft if table == "invoicing_invoiceallowancecharge" else pk
            assert database.execute(f"SELECT count(*) FROM {table} WHERE invoice_id = ?", [invoice]).fetchone()[0]  # noqa: S608
            columns = ", ".join(
                f'"{row[1]}"' for row in database.execute(f"PRAGMA table_info({table})") if row[1] != "id"
            )
            for statement in (
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} WHERE invoice_id = ? LIMIT 1",  # noqa: S608
                f"UPDATE {table} SET invoice_id = invoice_id WHERE invoice_id = ?",  # noqa: S608
                f"DELETE FROM {table} WHERE invoice_id = ?",  # noqa: S608
            ):
                assert FROZEN in (refusal(database, statement, [invoice]) or ""), (table, statement)
    finally:
        database.execute("ROLLBACK TO charge")
        database.execute("RELEASE charge")


def test_a_draft_and_its_lines_stay_changeable(database):
    (draft,) = database.execute("SELECT id FROM invoicing_invoice WHERE status = 'draft' LIMIT 1").fetchone()
    assert refusal(database, "UPDATE invoicing_invoice SET project_reference = 'P-1' WHERE id = ?", [draft]) is None
    assert refusal(database, "UPDATE invoicing_invoiceline SET note = 'n' WHERE invoice_id = ?", [draft]) is None
