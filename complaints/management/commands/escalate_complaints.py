from django.core.management.base import BaseCommand

from complaints.escalation import escalate_overdue


class Command(BaseCommand):
    help = "Tell the handler, then the supervisor, then the manager about overdue complaint steps. Idempotent."

    def handle(self, *args, **options):
        made = escalate_overdue()
        self.stdout.write(f"escalations: {made}")
