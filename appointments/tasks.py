"""Thin Celery wrappers of appointments.jobs. Each is safe to run twice and late."""
from celery import shared_task

from . import calls, jobs, services


@shared_task(name="appointments.tasks.schedule_confirmation_calls", acks_late=True, reject_on_worker_lost=True)
def schedule_confirmation_calls():
    return calls.schedule_confirmation_calls()


@shared_task(name="appointments.tasks.send_reminders", acks_late=True, reject_on_worker_lost=True)
def send_reminders():
    return jobs.send_reminders()


@shared_task(name="appointments.tasks.mark_no_shows", acks_late=True, reject_on_worker_lost=True)
def mark_no_shows():
    return jobs.mark_no_shows()


@shared_task(name="appointments.tasks.link_repair_orders", acks_late=True, reject_on_worker_lost=True)
def link_repair_orders():
    return services.link_repair_orders()
