"""Demo data for the quick start: one user per finance role and a first background job.

Later issues extend this with customers, invoices and payments. Safe to run again.
Refuses to run with DEBUG off unless --force, because demo users have a known password.
"""

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.locks import lock_order_unchecked
from core.roles import Role
from core.services import job_enqueue

DEMO_PASSWORD = "debitor-demo"  # noqa: S105 - printed on purpose; local demo only
DEMO_USERS = [
    ("admin", None, "Demo administrator (superuser)"),
    ("manager", Role.FINANCE_MANAGER, "Demo finance manager"),
    ("accountant", Role.ACCOUNTANT, "Demo accountant"),
    ("viewer", Role.FINANCE_VIEWER, "Demo finance viewer"),
]


class Command(BaseCommand):
    help = "Load demo users and data for the quick start (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="also when DEBUG is off")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has well-known passwords; use --force to load it with DEBUG off.")
        User = get_user_model()
        # One transaction for all apps' demo data: services run one after another in it.
        with transaction.atomic(), lock_order_unchecked():
            for username, role, full_name in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"is_staff": True, "is_superuser": role is None, "first_name": full_name},
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                if role is not None:
                    user.groups.add(Group.objects.get(name=role.group_name))
            job_enqueue(kind="core.ping", as_of=timezone.now(), dedupe_key="demo-first-job")
            admin_user = User.objects.get(username="admin")
            for app_config in apps.get_app_configs():
                # Each app may bring demo data in a module `demo` with load(as_of, by, stdout).
                try:
                    demo = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                demo.load(as_of=timezone.now(), by=admin_user, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            # The address (with the port actually served) is printed by the web server when it is ready.
            "Demo logins: " + ", ".join(name for name, _, _ in DEMO_USERS) + f" — password: {DEMO_PASSWORD}"
        )
