"""Issue 15: payment terms moved to ``customers`` (customers migration 0008, which explains the
move). Here, in the state only, the invoice's and the recurring template's foreign keys point at
``customers.PaymentTerms`` and ``invoicing.PaymentTerms`` is dropped. The database is unchanged:
same table, same columns, same foreign key constraints.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_payment_terms"),
        ("invoicing", "0014_backfill_event_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invoice",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="customers.paymentterms",
                        verbose_name="payment terms",
                    ),
                ),
                migrations.AlterField(
                    model_name="recurringinvoicetemplate",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="customers.paymentterms",
                        verbose_name="payment terms",
                    ),
                ),
                migrations.DeleteModel(name="PaymentTerms"),
            ],
            database_operations=[],
        ),
    ]
