"""Beat: bank statement credit lines unmatched for days become follow-up tasks, daily (editable in
the admin under Periodic tasks)."""

import json

from django.db import migrations

NAME = "Open follow-up tasks for unmatched bank lines"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Berlin"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "payments.open_unmatched_line_tasks",
            "crontab": crontab,
            "kwargs": json.dumps({}),
            "description": "Every booked credit line of a bank statement still unmatched "
            "DEBITOR_UNMATCHED_LINE_TASK_DAYS days after its booking date gets one follow-up task.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_bank_line_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
