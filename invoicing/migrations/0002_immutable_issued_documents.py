"""Issued invoices and credit notes cannot be changed or deleted — enforced by the database (GoBD).

A trigger compares the whole row (as jsonb) minus the columns that may change after issue,
so columns added later are frozen automatically. (Until issue 14 this migration also wrote
SQLite triggers for the embedded default; PostgreSQL is now the only database.)
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


def install(apps, schema_editor):
    schema_editor.execute(POSTGRES_INSTALL, params=None)  # no placeholders: % is PL/pgSQL's


def remove(apps, schema_editor):
    schema_editor.execute(POSTGRES_REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
