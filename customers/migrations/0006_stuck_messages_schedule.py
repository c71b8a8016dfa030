"""Beat: outbox messages whose hand-off stopped go to a person (editable under Periodic tasks)."""

import json

from django.db import migrations

NAME = "Check e-mails stuck in sending"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "customers.check_stuck_messages",
            "interval": interval,
            "kwargs": json.dumps({}),
            "description": "Outbox messages still 'sending' 15 minutes after the hand-off started are not resent; "
            "each gets a follow-up task to check the provider's log.",
            "enabled": True,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_messages"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
