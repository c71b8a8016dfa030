"""Create the finance role groups.

Group permissions are synced after every migrate (core.roles.sync_role_permissions),
because models added by later migrations bring their permissions only then. This
migration also created the platform's periodic tasks; they are declared in
core/schedules.py now and created after migrate.
"""

from django.db import migrations

ROLE_GROUPS = ["finance_viewer", "accountant", "finance_manager"]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    # Schedules: declared in core.schedules (applied after migrate), no longer created here.


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
