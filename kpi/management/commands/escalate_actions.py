from django.core.management.base import BaseCommand

from kpi.escalation import escalate_overdue_actions


class Command(BaseCommand):
    help = "Escalate overdue corrective actions once (what the periodic job does every 5 minutes)."

    def handle(self, *args, **options):
        made = escalate_overdue_actions()
        self.stdout.write(f"escalations: {made}")
