"""Demo data of the visits module: the demo stores' follow-ups, made by the same morning job
that makes them in production, so `make run` opens on a queue with calls to make."""
from django.utils import timezone

from .services import create_followups


def seed_demo_followups(stores):
    create_followups(day=timezone.localdate(), store_ids=[store.pk for store in stores])
