from django.core.management.base import BaseCommand

from aftersales.seeding import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load demo stores, departments and one user per role per store. Idempotent."

    def handle(self, *args, **options):
        users = seed_demo()
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for user in users:
            stores = "all stores" if user.all_stores else ", ".join(s.code for s in user.stores.all())
            self.stdout.write(f"  {user.username:<20} {user.role.name:<14} {stores}")
