from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.backups import BackupError, restore_database


class Command(BaseCommand):
    help = "Restore a dump made by `backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--database-name",
            help="Restore into this database on the same server (default: the configured one).",
        )

    def handle(self, *args, file, database_name=None, **options):
        try:
            params = restore_database(file, database=database_name)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored: {file} into {params.name}")
