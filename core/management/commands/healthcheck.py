"""Container health checks that say something real about each process kind.

- ``healthcheck beat``: the job sweeper was sent within the last 10 minutes (beat
  records last_run_at in the database every few minutes).
- ``healthcheck db``: the database answers.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

BEAT_STALE_AFTER = timedelta(minutes=10)


class Command(BaseCommand):
    help = "Exit non-zero when the given component is unhealthy."

    def add_arguments(self, parser):
        parser.add_argument("component", choices=["beat", "db"])

    def handle(self, *args, component: str, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if component == "beat":
            last = (
                PeriodicTask.objects.filter(task="core.sweep_jobs", enabled=True)
                .order_by("-last_run_at")
                .values_list("last_run_at", flat=True)
                .first()
            )
            if last is None or timezone.now() - last > BEAT_STALE_AFTER:
                raise CommandError(f"beat has not sent core.sweep_jobs since {last}")
        self.stdout.write("ok")
