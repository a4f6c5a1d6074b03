from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.backups import BackupError, backup_database


class Command(BaseCommand):
    help = "Dump the database (pg_dump, compressed custom format) and keep the newest N dumps."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Directory for dumps (default BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="How many dumps to keep (default BACKUP_KEEP).")

    def handle(self, *args, dir=None, keep=None, **options):
        try:
            path = backup_database(directory=dir, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup: {path}")
