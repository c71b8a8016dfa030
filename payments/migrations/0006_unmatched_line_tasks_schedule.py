"""Formerly created the daily 'Open follow-up tasks for unmatched bank lines' schedule, now declared in
payments/schedules.py."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_bank_line_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Schedules are declared in code now (core.schedules, applied after migrate); nothing to do here.
    operations = []
