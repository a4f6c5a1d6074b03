"""Escalation of overdue complaint steps (a periodic job, and `manage.py escalate_complaints`).

A step that passes its deadline is told to the person responsible for it (level 1: the
handler), `escalate_every_hours` later to the store's customer-service supervisors (level 2),
as much later again to its managers (level 3); each level once per step. The level is kept on
the complaint and the rows due for the next level are found by the partial index on
`escalate_at`, so a pass reads only what it acts on. A pass that runs late sends every level
already due at once; a pass run twice (or two at once: SKIP LOCKED) sends nothing twice, and
each email's idempotency key makes even a replayed transaction harmless.
"""
import zoneinfo

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.messaging.models import Channel
from aftersales.messaging.services import queue_messages
from aftersales.models import User

from .deadlines import next_escalation
from .models import Complaint, DeadlinePolicy

Status = Complaint.Status
HANDLER, SUPERVISOR, MANAGER = 1, 2, 3
BATCH = 1000


def step_label(status) -> str:
    return {
        Status.NEW: _("acknowledge and route to a department"),
        Status.ASSIGNED: _("the department's answer"),
        Status.ANSWERED: _("call the customer back"),
    }.get(status, "")


def _staff(store_id, role):
    return list(
        User.objects.filter(is_active=True, groups__name=role)
        .filter(Q(stores=store_id) | Q(all_stores=True))
        .exclude(email="").distinct().order_by("pk")
    )


class _Recipients:
    """Who hears of an overdue step at each level, with each store's people read once."""

    def __init__(self):
        self.by_store = {}

    def _role(self, store_id, role):
        key = (store_id, role)
        if key not in self.by_store:
            self.by_store[key] = _staff(store_id, role)
        return self.by_store[key]

    def at(self, complaint, level):
        if level == MANAGER:
            return self._role(complaint.store_id, "manager")
        supervisors = self._role(complaint.store_id, "cs_supervisor")
        if level == SUPERVISOR:
            return supervisors
        # The handler: whoever the step waits on.
        if complaint.status == Status.ASSIGNED:
            person = complaint.handler or (complaint.department.head if complaint.department_id else None)
        elif complaint.status == Status.ANSWERED:
            person = complaint.created_by
        else:
            person = None
        if person is not None and person.is_active and person.email:
            return [person]
        return supervisors


def escalate_overdue(*, now=None) -> int:
    """One pass; returns how many escalations (complaint × level) it made."""
    now = now or timezone.now()
    recipients, policies, made = _Recipients(), {}, 0
    with translation.override("zh-hans"):
        while True:
            with transaction.atomic():
                due = list(
                    Complaint.objects.select_for_update(of=("self",), skip_locked=True)
                    .select_related("store", "customer", "handler", "department__head", "created_by")
                    .filter(escalate_at__lte=now)
                    .order_by("escalate_at")[:BATCH]
                )
                if not due:
                    return made
                messages = []
                for complaint in due:
                    if complaint.store_id not in policies:
                        policies[complaint.store_id] = DeadlinePolicy.for_store(complaint.store_id)
                    policy = policies[complaint.store_id].for_complaint(complaint.category, complaint.severity)
                    while complaint.escalate_at is not None and complaint.escalate_at <= now:
                        complaint.escalation_level += 1
                        complaint.escalate_at = next_escalation(complaint.due_at, complaint.escalation_level, policy)
                        messages += _notices(complaint, recipients.at(complaint, complaint.escalation_level))
                        made += 1
                Complaint.objects.bulk_update(due, ["escalation_level", "escalate_at"])
                queue_messages(messages)


def _notices(complaint, people):
    zone = zoneinfo.ZoneInfo(complaint.store.time_zone)
    due = complaint.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    step_key = int(complaint.step_started_at.timestamp())
    context = {
        "number": complaint.number, "step": step_label(complaint.status), "due": due,
        "customer": complaint.customer.name, "summary": complaint.description[:500],
        "link": reverse("complaints:detail", args=[complaint.pk]),
    }
    return [
        {
            "store": complaint.store, "kind": "complaint_overdue", "channel": Channel.EMAIL, "to": person.email,
            "context": context,
            "idempotency_key": f"complaint-overdue:{complaint.pk}:{step_key}:{complaint.escalation_level}:{person.pk}",
        }
        for person in people
    ]
