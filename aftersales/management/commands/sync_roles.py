from django.core.management.base import BaseCommand

from aftersales.roles import ROLES, sync_roles


class Command(BaseCommand):
    help = "Create or update the role groups and their permissions (also runs after migrate)."

    def handle(self, *args, **options):
        sync_roles()
        self.stdout.write(f"roles: {', '.join(ROLES)}")
