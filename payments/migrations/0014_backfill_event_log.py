"""Copy payment and bank-statement events written before the event log into it (core.Event).

From now on the typed tables write through (core.typed_events); this fills the log with the
history before that.
"""

from django.db import migrations

from core.typed_events import backfill_typed_events


def backfill(apps, schema_editor):
    backfill_typed_events(
        apps,
        model="payments.PaymentEvent",
        prefix="payment",
        obj_model="payments.Payment",
        obj_id_attr="payment_id",
        customer_path="payment__customer_id",
    )
    backfill_typed_events(
        apps,
        model="payments.BankStatementEvent",
        prefix="bank_statement",
        obj_model="payments.BankStatement",
        obj_id_attr="statement_id",
        customer_path=None,
        state_fields=("from_standing", "to_standing"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0013_payment_parts_add_up_exactly"),
        ("core", "0006_event_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
