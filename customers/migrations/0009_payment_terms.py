"""Issue 15: payment terms become customer master data. The model moves from ``invoicing`` to
``customers`` without touching the database (Django's documented way to move a model between
apps, with ``SeparateDatabaseAndState``): the table keeps its name ``invoicing_paymentterms``, its
rows, its constraint and the foreign keys of customers and invoices pointing at it.

State: ``customers.PaymentTerms`` is created over the existing table and the customer's foreign
keys (also the history's) point at it; invoicing migration 0014 retargets the invoice and template
keys and drops ``invoicing.PaymentTerms`` from the state. Database: only the content type row
moves to ``customers``, so its permissions, and with them the groups holding them, follow.

No dependency on ``invoicing`` here: customers must not depend on invoicing (README,
*Architecture*); invoicing 0014 depends on this migration instead.
"""

import django.db.models.deletion
from django.db import migrations, models


def content_type_to_customers(apps, schema_editor):
    _move_content_type(apps, source="invoicing", target="customers")


def content_type_to_invoicing(apps, schema_editor):
    _move_content_type(apps, source="customers", target="invoicing")


def _move_content_type(apps, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=target, model="paymentterms").exists():
        # Created by a post_migrate run in between (not by any migration): the row that
        # permissions and generic links point at is the source one; leave both as they are.
        return
    ContentType.objects.filter(app_label=source, model="paymentterms").update(app_label=target)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0008_messages_move_to_communications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PaymentTerms",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                        (
                            "basis",
                            models.CharField(
                                choices=[
                                    ("net", "days after invoice date"),
                                    ("end_of_month", "days after the end of the invoice month"),
                                ],
                                default="net",
                                max_length=12,
                                verbose_name="basis",
                            ),
                        ),
                        ("days", models.PositiveSmallIntegerField(verbose_name="days")),
                        (
                            "discount_tiers",
                            models.JSONField(blank=True, default=list, verbose_name="early payment discounts"),
                        ),
                        ("is_default", models.BooleanField(default=False, verbose_name="default for new customers")),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "verbose_name": "payment terms",
                        "verbose_name_plural": "payment terms",
                        "db_table": "invoicing_paymentterms",
                        "ordering": ["name", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("is_default", True)),
                                fields=("is_default",),
                                name="invoicing_one_default_terms",
                            )
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="customers.paymentterms",
                        verbose_name="default payment terms",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.paymentterms",
                        verbose_name="default payment terms",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_customers, content_type_to_invoicing),
    ]
