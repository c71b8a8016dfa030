"""Generate realistic, deterministic data: `manage.py generate_data --seed 1 --customers 1000 --invoices 20000`."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from invoicing.generator import generate


class Command(BaseCommand):
    help = "Generate customers and years of issued invoices, deterministically from a seed (bulk/COPY)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--customers", type=int, default=100)
        parser.add_argument("--invoices", type=int, default=1000)
        parser.add_argument("--years", type=int, default=2)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="last invoice date (YYYY-MM-DD)")

    def handle(self, *args, seed, customers, invoices, years, as_of, **options):
        if customers < 1 or invoices < 0 or years < 1:
            raise CommandError("Need at least one customer and one year; invoices may be 0.")
        try:
            generate(
                seed=seed,
                customers=customers,
                invoices=invoices,
                years=years,
                as_of=as_of or timezone.localdate(),
                stdout=self.stdout,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
