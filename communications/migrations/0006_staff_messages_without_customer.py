"""A staff message (a task digest) has no customer: its recipients are users or plain addresses."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('communications', '0005_recipients'),
        ('customers', '0008_messages_move_to_communications'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outboxmessage',
            name='customer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outbox_messages', to='customers.customer', verbose_name='customer'),
        ),
    ]
