from django.core.management.base import BaseCommand

from complaints.services import complaints_from_open_dissatisfactions


class Command(BaseCommand):
    help = (
        "Turn every return-visit dissatisfaction still open (recorded before complaints were made "
        "automatically) into its linked complaint. Idempotent."
    )

    def handle(self, *args, **options):
        made = complaints_from_open_dissatisfactions()
        self.stdout.write(f"complaints: {made}")
