"""SQLite only: install again the triggers that keep stored originals unchangeable (0007).

On SQLite, 0010 added ``render_version`` to ``invoicing_invoicedocument`` by rebuilding the
table, which dropped its UPDATE and DELETE triggers with the old table. PostgreSQL adds the
column in place and keeps its trigger, so nothing happens there. No stored data changes.
"""

from importlib import import_module

from django.db import migrations

IMMUTABLE = import_module("invoicing.migrations.0007_documents_immutable")


def reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in IMMUTABLE.SQLITE_NAMES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    IMMUTABLE.install(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0013_recurring_template_status")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
