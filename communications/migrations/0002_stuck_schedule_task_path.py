"""The stuck-message check moved with the outbox: its beat row keeps its name, the task path follows.

The schedule registry is create-only by name (core.schedules), so an existing row is not
touched after migrate; a row still naming the old task would call a task that no longer exists.
A row someone pointed elsewhere is left alone.
"""

from django.db import migrations

NAME = "Check e-mails stuck in sending"
OLD, NEW = "customers.check_stuck_messages", "communications.check_stuck_messages"


def forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=OLD).update(task=NEW)


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=NEW).update(task=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
