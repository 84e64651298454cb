"""List and fix what the Stripe webhooks missed (the hourly task, by hand)."""

from typing import Any

from django.core.management.base import BaseCommand

from payments.stripe import services


class Command(BaseCommand):
    help = (
        "Settle paid Checkout Sessions without an order, release abandoned ones, list mismatches."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hours", type=int, default=48, help="How far back to look.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.reconcile(hours=options["hours"])
        for line in report.lines() or ["nothing to fix"]:
            self.stdout.write(line)
