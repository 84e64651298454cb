"""Fill the database with the demo group; safe to run again (idempotent)."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app may provide ``<app>.demo.seed(stdout)``; they run in dependency order.
DEMO_MODULES = [
    "members.demo",
    "catalogs.demo",
    "distributions.demo",
    "payments.demo",
    "members.fee_demo",
    "orders.demo",
    "day.demo",
    "messaging.demo",
]


class Command(BaseCommand):
    help = "Create or complete the demo group (slug 'demo') and print its logins."

    def handle(self, *args, **options):
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        from members.demo import LOGINS, PASSWORD

        self.stdout.write(
            self.style.SUCCESS(f"Demo ready at /g/demo/. Logins (password: {PASSWORD}):")
        )
        for role, email in LOGINS:
            self.stdout.write(f"  {role:<12} {email}")
