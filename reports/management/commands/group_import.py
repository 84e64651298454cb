from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import archive


class Command(BaseCommand):
    help = (
        "Create a group from an archive made by group_export (new ids, users matched by e-mail). "
        "Running it twice with the same archive changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive (.cagette.zip)")
        parser.add_argument("--slug", help="the new group's address (default: the archive's)")

    def handle(self, *args, path, slug=None, **options):
        try:
            content = Path(path).read_bytes()
            result = archive.load_archive(content, slug=slug)
        except OSError as error:
            raise CommandError(str(error)) from error
        except archive.ArchiveError as error:
            raise CommandError(str(error)) from error
        if not result.created:
            self.stdout.write(f"Already imported as group {result.group.slug}: nothing changed.")
            return
        counts = ", ".join(f"{name} {n}" for name, n in result.counts.items())
        self.stdout.write(f"Group {result.group.slug} created ({counts}).")
