from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.models import Group
from reports import archive


class Command(BaseCommand):
    help = "Write a group's archive (ZIP: JSON, one CSV per table, files) for another instance."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the group's address (slug)")
        parser.add_argument(
            "-o", "--output", help="file to write (default: <slug>-<date>.cagette.zip)"
        )

    def handle(self, *args, slug, output=None, **options):
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            raise CommandError(f"No group with the address {slug!r}.")
        path = Path(output or archive.file_name(group))
        path.write_bytes(archive.build_archive(group))
        self.stdout.write(f"Group {slug} written to {path} ({path.stat().st_size} bytes).")
