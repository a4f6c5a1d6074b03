from django.core.management.base import BaseCommand

from aftersales.schedules import install_schedules


class Command(BaseCommand):
    help = "Install every periodic job of aftersales/schedules.py into the beat's tables."

    def handle(self, *args, **options):
        created, updated, removed = install_schedules()
        self.stdout.write(f"created: {created}\nupdated: {updated}\nremoved: {removed}")
