# The sentences stored before messages were codes are wrapped in 0008; their columns go.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0008_statement_redelivery"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="bankstatement",
            name="balance_warning",
        ),
        migrations.RemoveField(
            model_name="bankstatementimport",
            name="error",
        ),
    ]
