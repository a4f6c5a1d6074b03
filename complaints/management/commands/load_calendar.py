from django.core.management.base import BaseCommand
from django.utils import timezone

from complaints.calendar import load_year


class Command(BaseCommand):
    help = "Load the statutory holiday arrangement (with make-up working days) of a year. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="default: this year and the next")

    def handle(self, *args, years=(), **options):
        this_year = timezone.localdate().year
        for year in years or [this_year, this_year + 1]:
            record = load_year(year)
            state = "published" if record.published else "not published yet: plain weekends"
            self.stdout.write(f"{year}: {state}")
