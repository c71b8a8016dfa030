"""Daily creation of recurring invoices (editable in the admin under Periodic tasks)."""

import json

from django.db import migrations

NAME = "Create recurring invoices"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Berlin"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "invoicing.run_recurring",
            "crontab": crontab,
            "kwargs": json.dumps({}),
            "description": "Turns each due period of active recurring invoice templates into one invoice.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0004_recurring_invoices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
