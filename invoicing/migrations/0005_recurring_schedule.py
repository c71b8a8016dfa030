"""Formerly created the daily 'Create recurring invoices' schedule, now declared in invoicing/schedules.py."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0004_recurring_invoices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Schedules are declared in code now (core.schedules, applied after migrate); nothing to do here.
    operations = []
