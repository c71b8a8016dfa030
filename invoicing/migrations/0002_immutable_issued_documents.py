"""Issued invoices and credit notes cannot be changed or deleted — enforced by the database (GoBD).

PostgreSQL: a trigger compares the whole row (as jsonb) minus the columns that may change
after issue, so columns added later are frozen automatically. SQLite (the embedded quick
start): triggers list the frozen columns; a migration adding a column to the invoice must
recreate them (call ``install`` again).
"""

from django.db import migrations

INVOICE_TABLE = "invoicing_invoice"
CHILD_TABLES = ("invoicing_invoiceline", "invoicing_invoiceallowancecharge", "invoicing_invoicevatbreakdown")
# Keep in step with Invoice.MUTABLE_AFTER_ISSUE.
MUTABLE_AFTER_ISSUE = (
    "status",
    "cancelled_at",
    "open_amount",
    "settlement_state",
    "due_date",
    "credited_amount",
    "updated_at",
)
MESSAGE = "issued documents are immutable (GoBD): correct them with a credit note"

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION invoicing_guard_issued_invoice() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice %: {MESSAGE}', OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' THEN
        IF (to_jsonb(NEW) - ARRAY{list(MUTABLE_AFTER_ISSUE)!r}::text[])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(MUTABLE_AFTER_ISSUE)!r}::text[]) THEN
            RAISE EXCEPTION 'invoice %: {MESSAGE}', OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT ((OLD.status = 'issued' AND NEW.status IN ('issued', 'cancelled'))
                OR (OLD.status = 'cancelled' AND NEW.status = 'cancelled')) THEN
            RAISE EXCEPTION 'invoice %: status % cannot become %', OLD.number, OLD.status, NEW.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoicing_invoice_immutable BEFORE UPDATE OR DELETE ON {INVOICE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_issued_invoice();

CREATE OR REPLACE FUNCTION invoicing_guard_issued_child() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM {INVOICE_TABLE} WHERE id = OLD.invoice_id AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'invoice %: {MESSAGE}', OLD.invoice_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM {INVOICE_TABLE} WHERE id = NEW.invoice_id AND status <> 'draft'
    ) THEN
        RAISE EXCEPTION 'invoice %: {MESSAGE}', NEW.invoice_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_issued_child();
"""
    for table in CHILD_TABLES
)

POSTGRES_REMOVE = (
    f"DROP TRIGGER IF EXISTS invoicing_invoice_immutable ON {INVOICE_TABLE};"
    + "".join(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};" for table in CHILD_TABLES)
    + "DROP FUNCTION IF EXISTS invoicing_guard_issued_invoice(); DROP FUNCTION IF EXISTS invoicing_guard_issued_child();"
)


def sqlite_statements(frozen_columns: list[str]) -> list[str]:
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in frozen_columns)
    statements = [
        f"""CREATE TRIGGER invoicing_invoice_frozen BEFORE UPDATE ON {INVOICE_TABLE}
            WHEN OLD.status <> 'draft' AND ({changed})
            BEGIN SELECT RAISE(ABORT, 'invoice: {MESSAGE}'); END;""",
        f"""CREATE TRIGGER invoicing_invoice_status BEFORE UPDATE ON {INVOICE_TABLE}
            WHEN NOT (OLD.status = 'draft' OR (OLD.status = 'issued' AND NEW.status IN ('issued', 'cancelled'))
                      OR (OLD.status = 'cancelled' AND NEW.status = 'cancelled'))
            BEGIN SELECT RAISE(ABORT, 'invoice: this status change is not allowed'); END;""",
        f"""CREATE TRIGGER invoicing_invoice_no_delete BEFORE DELETE ON {INVOICE_TABLE}
            WHEN OLD.status <> 'draft'
            BEGIN SELECT RAISE(ABORT, 'invoice: {MESSAGE}'); END;""",
    ]
    for table in CHILD_TABLES:
        parent_issued = "(SELECT status FROM {t} WHERE id = {ref}.invoice_id) <> 'draft'"
        for op, ref in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"{table}_{op.lower()}_{ref.lower()}_frozen"
            statements.append(
                f"""CREATE TRIGGER {name} BEFORE {op} ON {table}
                    WHEN {parent_issued.format(t=INVOICE_TABLE, ref=ref)}
                    BEGIN SELECT RAISE(ABORT, 'invoice: {MESSAGE}'); END;"""
            )
    return statements


def sqlite_trigger_names() -> list[str]:
    names = ["invoicing_invoice_frozen", "invoicing_invoice_status", "invoicing_invoice_no_delete"]
    for table in CHILD_TABLES:
        for op, ref in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            names.append(f"{table}_{op.lower()}_{ref.lower()}_frozen")
    return names


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_INSTALL, params=None)  # no placeholders: % is PL/pgSQL's
    elif vendor == "sqlite":
        Invoice = apps.get_model("invoicing", "Invoice")
        frozen = [
            f.column for f in Invoice._meta.concrete_fields if f.name not in MUTABLE_AFTER_ISSUE and f.name != "id"
        ]
        for name in sqlite_trigger_names():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in sqlite_statements(frozen):
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No immutability triggers for {vendor}.")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REMOVE, params=None)
    else:
        for name in sqlite_trigger_names():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
