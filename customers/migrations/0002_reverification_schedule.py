"""Formerly created the daily 'Re-verify customer data' schedule, now declared in customers/schedules.py."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Schedules are declared in code now (core.schedules, applied after migrate); nothing to do here.
    operations = []
