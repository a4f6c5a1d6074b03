from django.core.management.base import BaseCommand

from aftersales.messaging.services import send_due_messages

OUTCOMES = ("sent", "failed", "retried", "suppressed", "deferred")


class Command(BaseCommand):
    help = "Send the outbound messages that are due, once (what the periodic task does)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-messages", type=int, default=None,
            help="Stop after about this many messages (whole batches); default: all that are due.",
        )

    def handle(self, *args, max_messages=None, **options):
        counts = send_due_messages(max_messages=max_messages)
        for outcome in OUTCOMES:
            self.stdout.write(f"{outcome}: {counts.get(outcome, 0)}")
