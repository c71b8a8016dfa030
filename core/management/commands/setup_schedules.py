"""Create the periodic schedules declared in code that the database lacks (core.schedules).

``migrate`` does the same after every run; this command is for a database restored from a
backup, or to see with ``--dry-run`` which schedules would be created and which existing ones
a person changed.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from core.schedules import schedules_apply


class Command(BaseCommand):
    help = "Create missing periodic schedules; never change existing ones."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only print what would be created.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, dry_run: bool, database: str, **options):
        for outcome in schedules_apply(dry_run=dry_run, using=database):
            self.stdout.write(str(outcome))
