import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from visits.services import cancel_obsolete, create_followups, expire_overdue


class Command(BaseCommand):
    help = "Create the follow-ups due by a day (default today) from closed repair orders. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, date=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        cancel_obsolete()
        expire_overdue(day=day)
        created = create_followups(day=day)
        self.stdout.write(f"created: {created['pending'] + created['expired']}")
        self.stdout.write(f"skipped: {created['skipped']}")
