"""Escalation of overdue corrective actions (整改措施), the complaints' escalation in small
(complaints/escalation.py; a periodic job and `manage.py escalate_actions`).

An open or in-progress action past its due date is told to its owner the next day in the store's
time zone (level 1); `MANAGERS_AFTER_DAYS` days later, still not done, to the store's managers and
the director (level 2). Each level once per action: the level and its moment are kept on the
action (and in its history, by the history triggers). A pass that runs late reaches every level
already due at once; done or cancelled actions never escalate.

Each person gets one email per pass listing their newly overdue actions, in their own language
(User.working_language). The new levels and the
emails are written in one transaction, the rows locked with SKIP LOCKED, so a pass run twice or
two at once send nothing twice; each email's idempotency key, derived from the (action, level)
pairs it lists, makes even a replayed pass harmless. There are a few hundred actions in a group,
not hundreds of thousands: one pass reads them all in one statement.
"""
import datetime as dt
import hashlib
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.messaging.models import Channel
from aftersales.messaging.services import queue_messages
from aftersales.models import Store

from .models import CorrectiveAction
from .services import managers_of

OWNER, MANAGERS = CorrectiveAction.Level.OWNER, CorrectiveAction.Level.MANAGERS
# The owner has a working week's half to catch up before the managers hear of it (the
# complaints' supervisor-then-manager steps are a working day each; an action is a longer job).
MANAGERS_AFTER_DAYS = 3
LINES_PER_EMAIL = 100


def _today_by_zone(now):
    zones = set(Store.objects.values_list("time_zone", flat=True).distinct())
    return {zone: timezone.localtime(now, zoneinfo.ZoneInfo(zone)).date() for zone in zones}


def _due_condition(today_by_zone):
    """Actions a level is due for: overdue and not told yet, or told their owner long enough ago."""
    condition = Q(pk__in=[])
    for zone, today in today_by_zone.items():
        condition |= Q(store__time_zone=zone) & (
            Q(escalation_level=CorrectiveAction.Level.NONE, due_on__lt=today)
            | Q(escalation_level=OWNER, due_on__lt=today - dt.timedelta(days=MANAGERS_AFTER_DAYS))
        )
    return condition


def level_due(due_on, today) -> int:
    """The highest level an action due on `due_on` has reached by `today`."""
    if due_on >= today:
        return CorrectiveAction.Level.NONE
    return MANAGERS if due_on < today - dt.timedelta(days=MANAGERS_AFTER_DAYS) else OWNER


class _People:
    """Who hears at each level, each store's managers read once a pass."""

    def __init__(self):
        self.managers = {}

    def at(self, action, level):
        if level == OWNER and action.owner.is_active and action.owner.email:
            return [action.owner]
        if action.store_id not in self.managers:
            # The same managers the monthly report goes to.
            self.managers[action.store_id] = list(
                managers_of(action.store_id).only("pk", "email", "full_name", "language"))
        # An owner who cannot be reached by email leaves the managers to hear at once.
        return self.managers[action.store_id]


def escalate_overdue_actions(*, now=None) -> int:
    """One pass; returns how many escalations (action × level) it made."""
    now = now or timezone.now()
    today_by_zone = _today_by_zone(now)
    if not today_by_zone:
        return 0
    people, made = _People(), 0
    with transaction.atomic():
        actions = list(
            CorrectiveAction.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(_due_condition(today_by_zone), state__in=CorrectiveAction.ACTIVE)
            .select_related("store", "owner").order_by("due_on", "pk")
        )
        digests = defaultdict(dict)  # (store, person) → {(action, level): (action, level reached)}
        for action in actions:
            reached = level_due(action.due_on, today_by_zone[action.store.time_zone])
            for level in range(action.escalation_level + 1, reached + 1):
                for person in people.at(action, level):
                    digests[(action.store, person)][(action.pk, level)] = (action, reached)
                made += 1
            action.escalation_level, action.escalated_at = reached, now
        CorrectiveAction.objects.bulk_update(actions, ["escalation_level", "escalated_at"])
        queue_messages(_emails(digests))
    return made


def _line(action, level):
    owner = action.owner.full_name or action.owner.username
    told = _("managers told") if level == MANAGERS else _("owner reminded")
    link = f"{settings.SITE_URL}{reverse('kpi:action_update', args=[action.pk])}"
    return f"{action.title} · {owner} · {action.due_on:%Y-%m-%d} · {told} · {link}"


def _emails(digests):
    """One email per person and store, written in the person's own language."""
    for (store, person), entries in digests.items():
        language = person.working_language
        with translation.override(language):
            # An action listed at both levels (a late pass, an owner who cannot be emailed) once.
            listed = list(dict.fromkeys(_line(*entries[key]) for key in sorted(entries)))
            summary = "\n".join(listed[:LINES_PER_EMAIL])
            if len(listed) > LINES_PER_EMAIL:
                summary += "\n" + _("… and %(count)s more.") % {"count": len(listed) - LINES_PER_EMAIL}
        key = hashlib.sha256(",".join(f"{pk}:{level}" for pk, level in sorted(entries)).encode()).hexdigest()[:32]
        yield {
            "store": store, "kind": "action_overdue", "channel": Channel.EMAIL, "to": person.email,
            "context": {"count": len(listed), "summary": summary,
                        "link": f"{settings.SITE_URL}{reverse('kpi:actions')}?store={store.code}"},
            "idempotency_key": f"action-overdue:{person.pk}:{key}", "language": language,
        }
