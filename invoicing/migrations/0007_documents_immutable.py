"""Stored originals are never changed or deleted — enforced by the database (GoBD)."""

from django.db import migrations

TABLE = "invoicing_invoicedocument"
MESSAGE = "stored documents are archived originals (GoBD): they cannot be changed or deleted"

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION invoicing_guard_document() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'document %: {MESSAGE}', OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION invoicing_guard_document();
"""
POSTGRES_REMOVE = f"""
DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE};
DROP FUNCTION IF EXISTS invoicing_guard_document();
"""


def install(apps, schema_editor):
    schema_editor.execute(POSTGRES_INSTALL, params=None)


def remove(apps, schema_editor):
    schema_editor.execute(POSTGRES_REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0006_invoice_documents")]

    operations = [migrations.RunPython(install, remove)]
