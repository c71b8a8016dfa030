"""Copy invoice and recurring-template events written before the event log into it (core.Event).

From now on the typed tables write through (core.typed_events); this fills the log with the
history before that, so "everything that happened to a customer" starts at the beginning.
"""

from django.db import migrations

from core.typed_events import backfill_typed_events


def backfill(apps, schema_editor):
    backfill_typed_events(
        apps,
        model="invoicing.InvoiceEvent",
        prefix="invoice",
        obj_model="invoicing.Invoice",
        obj_id_attr="invoice_id",
        customer_path="invoice__customer_id",
        private_reason_kinds={"sent", "delivered"},  # their reason lists recipients' e-mail addresses
    )
    backfill_typed_events(
        apps,
        model="invoicing.RecurringInvoiceTemplateEvent",
        prefix="recurring_invoice",
        obj_model="invoicing.RecurringInvoiceTemplate",
        obj_id_attr="template_id",
        customer_path="template__customer_id",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0013_recurring_template_status"),
        ("core", "0006_event_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
