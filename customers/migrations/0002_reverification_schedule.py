"""Daily re-verification of customer data (editable in the admin under Periodic tasks)."""

import json

from django.db import migrations

NAME = "Re-verify customer data"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Berlin"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "customers.reverify_due",
            "crontab": crontab,
            "kwargs": json.dumps({}),
            "description": "Queues verification of customers never verified or last verified more than "
            "DEBITOR_REVERIFY_AFTER_DAYS (90) days ago, 500 per run.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
