"""The new text columns of 0009 get database defaults too, so bulk writers (the data generator's COPY) that
name only the columns they know still insert rows (issue 13)."""

from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0011_invoice_received_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invoice",
            name="buyer_contact_email",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=254, verbose_name="buyer's contact e-mail"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="buyer_contact_name",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=200, verbose_name="buyer's contact person"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="buyer_contact_phone",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=32, verbose_name="buyer's contact phone"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="contract_reference",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="the buyer's contract number (BT-12)",
                max_length=200,
                verbose_name="contract",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="project_name",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="empty: the word “project”",
                max_length=200,
                verbose_name="project name",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="project_reference",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="the buyer's project number (BT-11)",
                max_length=200,
                verbose_name="project",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="allowance_reason",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=255, verbose_name="allowance reason"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="allowance_reason_code",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="UNTDID 5189, e.g. 95 discount",
                max_length=3,
                verbose_name="allowance reason code",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="charge_reason",
            field=models.CharField(blank=True, db_default="", default="", max_length=255, verbose_name="charge reason"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="charge_reason_code",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="UNTDID 7161, e.g. FC freight",
                max_length=3,
                verbose_name="charge reason code",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="note",
            field=models.CharField(blank=True, db_default="", default="", max_length=1000, verbose_name="line note"),
        ),
    ]
