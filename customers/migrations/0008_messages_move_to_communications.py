"""The messages move to the communications app: the tables are renamed, the rows stay.

Only the state leaves ``customers`` here; ``communications.0001`` takes it over (same fields,
same index and constraint names), so no row is copied and no foreign key is rebuilt.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_language_choices_from_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE customers_outboxmessage RENAME TO communications_outboxmessage",
                    reverse_sql="ALTER TABLE communications_outboxmessage RENAME TO customers_outboxmessage",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_outboxattachment RENAME TO communications_outboxattachment",
                    reverse_sql="ALTER TABLE communications_outboxattachment RENAME TO customers_outboxattachment",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_messageevent RENAME TO communications_messageevent",
                    reverse_sql="ALTER TABLE communications_messageevent RENAME TO customers_messageevent",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_inboundmessage RENAME TO communications_inboundmessage",
                    reverse_sql="ALTER TABLE communications_inboundmessage RENAME TO customers_inboundmessage",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_inboundattachment RENAME TO communications_inboundattachment",
                    reverse_sql="ALTER TABLE communications_inboundattachment RENAME TO customers_inboundattachment",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_messagewording RENAME TO communications_messagewording",
                    reverse_sql="ALTER TABLE communications_messagewording RENAME TO customers_messagewording",
                ),
            ],
            state_operations=[
                migrations.RemoveField(
                    model_name="inboundmessage",
                    name="contact",
                ),
                migrations.RemoveField(
                    model_name="inboundmessage",
                    name="customer",
                ),
                migrations.RemoveField(
                    model_name="inboundmessage",
                    name="in_reply_to",
                ),
                migrations.RemoveField(
                    model_name="inboundmessage",
                    name="invoice",
                ),
                migrations.RemoveField(
                    model_name="messageevent",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="messagewording",
                    name="updated_by",
                ),
                migrations.RemoveField(
                    model_name="outboxattachment",
                    name="document",
                ),
                migrations.RemoveField(
                    model_name="outboxattachment",
                    name="message",
                ),
                migrations.RemoveField(
                    model_name="outboxmessage",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="outboxmessage",
                    name="customer",
                ),
                migrations.RemoveField(
                    model_name="outboxmessage",
                    name="invoice",
                ),
                migrations.RemoveField(
                    model_name="outboxmessage",
                    name="resend_of",
                ),
                migrations.DeleteModel(
                    name="InboundAttachment",
                ),
                migrations.DeleteModel(
                    name="InboundMessage",
                ),
                migrations.DeleteModel(
                    name="MessageEvent",
                ),
                migrations.DeleteModel(
                    name="MessageWording",
                ),
                migrations.DeleteModel(
                    name="OutboxAttachment",
                ),
                migrations.DeleteModel(
                    name="OutboxMessage",
                ),
            ],
        ),
    ]
