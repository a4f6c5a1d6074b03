"""Escalation of overdue complaint steps (a periodic job, and `manage.py escalate_complaints`).

A step that passes its deadline is told to the person responsible for it (level 1: the
handler), `escalate_every_hours` later to the store's customer-service supervisors (level 2),
as much later again to its managers (level 3); each level once per step. The level is kept in
the complaint's own narrow `ComplaintEscalation` row, whose partial index on `escalate_at` finds
the rows due for their next level, so a pass reads and rewrites only what it acts on. A pass
that runs late reaches every level already due at once.

Each person gets one email per pass (a batch), listing their newly overdue complaints, rather
than one per complaint: after a weekend a manager hears of forty complaints in one message, not
forty. The new levels and the emails are written in one transaction per batch, so a pass run
twice (or two at once: SKIP LOCKED) sends nothing twice, and each email's idempotency key,
derived from what it lists, makes even a replayed batch harmless.
"""
import hashlib
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.messaging.models import Channel
from aftersales.messaging.services import queue_messages
from aftersales.models import Department, Store, User

from .deadlines import next_escalation
from .models import Complaint, ComplaintEscalation, DeadlinePolicy

Status = Complaint.Status
HANDLER, SUPERVISOR, MANAGER = 1, 2, 3
BATCH = 5000
# Lines listed in one email; the rest are behind the link to the overdue list.
LINES_PER_EMAIL = 100

# What a pass reads of each complaint due, joined to its escalation row (which it locks).
_FIELDS = {
    name: F(f"complaint__{name}") for name in (
        "store_id", "number", "status", "category", "severity", "due_at", "handler_id", "department_id",
        "created_by_id",
    )
} | {"id": F("complaint_id"), "customer_name": F("complaint__customer__name")}


class _People:
    """Who hears of an overdue step at each level, each store's and each person's row read once
    a pass."""

    def __init__(self):
        self.by_role = {}
        self.users = {}
        self.heads = {}
        # Who may call customers back: the callback step's reminder goes to its registrar only
        # if they can (an advisor's on-site finding is called back by customer service).
        self.callers = set()

    def load(self, rows):
        wanted = {r["handler_id"] for r in rows} | {r["created_by_id"] for r in rows}
        departments = {r["department_id"] for r in rows} - set(self.heads)
        self.heads.update(Department.objects.filter(pk__in=departments).values_list("pk", "head_id"))
        wanted |= {head for head in self.heads.values()}
        wanted -= set(self.users) | {None}
        found = User.objects.filter(pk__in=wanted, is_active=True).exclude(email="")
        self.users.update((user.pk, user) for user in found.only("pk", "email", "full_name", "language"))
        callback = Q(groups__permissions__codename="callback_complaint") | Q(
            user_permissions__codename="callback_complaint"
        )
        self.callers.update(found.filter(callback).values_list("pk", flat=True))

    def _role(self, store_id, role):
        key = (store_id, role)
        if key not in self.by_role:
            self.by_role[key] = list(
                User.objects.filter(is_active=True, groups__name=role)
                .filter(Q(stores=store_id) | Q(all_stores=True))
                .exclude(email="").distinct().order_by("pk").only("pk", "email", "full_name", "language")
            )
        return self.by_role[key]

    def at(self, row, level):
        if level >= MANAGER:
            return self._role(row["store_id"], "manager")
        supervisors = self._role(row["store_id"], "cs_supervisor")
        if row["status"] == Status.NEW:
            # Routing is the supervisors' own step: they hear first, and the manager next.
            return supervisors if level == HANDLER else []
        if level == SUPERVISOR:
            return supervisors
        # The handler: whoever the step waits on.
        if row["status"] == Status.ASSIGNED:
            person = row["handler_id"] or self.heads.get(row["department_id"])
        else:
            person = row["created_by_id"] if row["created_by_id"] in self.callers else None
        return [self.users[person]] if person in self.users else supervisors


def escalate_overdue(*, now=None) -> int:
    """One pass; returns how many escalations (complaint × level) it made."""
    now = now or timezone.now()
    people, policies, stores, made = _People(), {}, {}, 0
    link = f"{settings.SITE_URL}{reverse('complaints:list')}?overdue=on"
    while True:
        with transaction.atomic():
            rows = list(
                ComplaintEscalation.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(escalate_at__lte=now).order_by("escalate_at").values("level", **_FIELDS)[:BATCH]
            )
            if not rows:
                return made
            people.load(rows)
            digests = defaultdict(dict)  # (store, person) → {complaint: row}
            ids, levels, next_times = [], [], []
            for row in rows:
                if row["store_id"] not in policies:
                    policies[row["store_id"]] = DeadlinePolicy.for_store(row["store_id"])
                    stores[row["store_id"]] = Store.objects.get(pk=row["store_id"])
                policy = policies[row["store_id"]].for_complaint(row["category"], row["severity"])
                level, escalate_at = row["level"], None
                while True:
                    level += 1
                    for person in people.at(row, level):
                        digests[(row["store_id"], person)][row["id"]] = row
                    made += 1
                    escalate_at = next_escalation(row["due_at"], level, policy)
                    if escalate_at is None or escalate_at > now:
                        break
                ids.append(row["id"])
                levels.append(level)
                next_times.append(escalate_at)
            _save_levels(ids, levels, next_times)
            queue_messages(_emails(digests, stores, link))


def _line(row, steps, store):
    due = row["due_at"].astimezone(zoneinfo.ZoneInfo(store.time_zone))
    return f"{row['number']} {row['customer_name']} · {steps[row['status']]} · {due:%Y-%m-%d %H:%M}"


def _save_levels(ids, levels, next_times):
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {ComplaintEscalation._meta.db_table} e SET level = u.level, escalate_at = u.next
                FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[]) AS u(id, level, next)
                WHERE e.complaint_id = u.id""",
            [ids, levels, next_times],
        )


def _emails(digests, stores, link):
    """One email per person, written in the person's own language (User.working_language)."""
    steps = {}  # language → {status: the step's name}
    for (store_id, person), rows in digests.items():
        with translation.override(person.working_language):
            if person.working_language not in steps:
                steps[person.working_language] = {
                    status: str(Complaint(status=status).step_label) for status in Complaint.OPEN}
            listed = [_line(rows[pk], steps[person.working_language], stores[store_id]) for pk in sorted(rows)]
            summary = "\n".join(listed[:LINES_PER_EMAIL])
            if len(listed) > LINES_PER_EMAIL:
                summary += "\n" + _("… and %(count)s more.") % {"count": len(listed) - LINES_PER_EMAIL}
        key = hashlib.sha256(",".join(map(str, sorted(rows))).encode() + b"|" + summary.encode()).hexdigest()[:32]
        yield {
            "store": stores[store_id], "kind": "complaint_overdue", "channel": Channel.EMAIL, "to": person.email,
            "context": {"count": len(listed), "summary": summary, "link": link},
            "idempotency_key": f"complaint-overdue:{person.pk}:{key}", "language": person.working_language,
        }
