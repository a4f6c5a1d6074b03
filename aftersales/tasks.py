"""Thin Celery wrappers around the core's services."""
from celery import shared_task

from . import backups
from .models import Heartbeat

BEAT_HEARTBEAT = "beat"


# Claims with a lease and conditional writes make a second run harmless, so a lost worker's
# task may be redelivered.
@shared_task(name="aftersales.tasks.send_outbox", acks_late=True, reject_on_worker_lost=True)
def send_outbox():
    from .messaging.services import send_due_messages

    return dict(send_due_messages())


@shared_task(name="aftersales.tasks.record_beat_heartbeat")
def record_beat_heartbeat():
    Heartbeat.beat(BEAT_HEARTBEAT)


# A second run only writes one more dump (rotation keeps the count bounded), so a task lost
# with its worker may be redelivered.
@shared_task(name="aftersales.tasks.backup_database", acks_late=True, reject_on_worker_lost=True)
def backup_database():
    return str(backups.backup_database())


@shared_task(name="aftersales.tasks.purge_verification_codes")
def purge_verification_codes():
    from .messaging.verification import purge_codes

    return purge_codes()
