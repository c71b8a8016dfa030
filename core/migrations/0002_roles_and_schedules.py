"""Create the finance role groups and the platform's periodic tasks.

Group permissions are synced after every migrate (core.roles.sync_role_permissions),
because models added by later migrations bring their permissions only then. The
schedules live in django-celery-beat's tables so finance managers can edit them in
the admin; this migration only creates them once.
"""

import json

from django.db import migrations

ROLE_GROUPS = ["finance_viewer", "accountant", "finance_manager"]
SCHEDULES = [
    # (name, task, every, period, description)
    (
        "Dispatch due background jobs",
        "core.sweep_jobs",
        30,
        "seconds",
        "Re-dispatches jobs the broker or a dead worker dropped; recovers jobs whose worker died.",
    ),
    (
        "Forget old Idempotency-Key responses",
        "core.purge_idempotency_records",
        1,
        "hours",
        "Idempotency-Key replays are kept for 24 hours.",
    ),
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "kwargs": json.dumps({}),
                "description": description,
                "enabled": True,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
