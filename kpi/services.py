"""The monthly report job: on the 1st (and every day after, to catch up and to revise), each
store's previous month is kept as a snapshot (`MonthlyReport`) and mailed to its managers, the
group's to the director — through the outbox, once per month and recipient, however often or
late the job runs. A closed month whose records changed afterwards (a late import, a correction)
is recomputed and marked revised with what changed; never silently different."""
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils import translation

from aftersales.db_routers import reading_reports
from aftersales.messaging.models import Channel
from aftersales.messaging.services import queue_message
from aftersales.models import Store, User

from . import metrics, reports
from .metrics import FIGURES, HEADLINE, Period

# Closed months looked at again for revisions (late imports arrive within weeks).
REVISE_MONTHS = 3


def managers_of(store):
    return (
        User.objects.filter(is_active=True, groups__name="manager")
        .filter(Q(stores=store) | Q(all_stores=True))
        .exclude(email="").distinct().order_by("pk")
    )


def directors(stores):
    """Managers who see every store of the group (the group's after-sales director)."""
    store_ids = [store.pk for store in stores]
    return (
        User.objects.filter(is_active=True, groups__name="manager").exclude(email="")
        .annotate(seen=Count("stores", filter=Q(stores__in=store_ids), distinct=True))
        .filter(Q(all_stores=True) | Q(seen=len(store_ids))).order_by("pk")
    )


def summary_text(figures) -> str:
    lines = []
    for key in HEADLINE:
        data = figures.get(key)
        if not data:
            continue
        target = f" ({data['target']})" if data.get("target") else ""
        mark = {"bad": " ✗", "good": " ✓"}.get(data.get("status"), "")
        lines.append(f"{FIGURES[key].label}: {data['display']}{target}{mark}")
    return "\n".join(lines)


def _link(store, period):
    if store is None:
        return f"{settings.SITE_URL}{reverse('kpi:group')}?month={period}"
    return f"{settings.SITE_URL}{reverse('kpi:store_report', args=[store.code, period.start.year, period.start.month])}"


def build_monthly_reports(*, now=None) -> dict:
    """Keep and send last month's reports that are not kept yet; revise kept ones that changed."""
    now = now or timezone.now()
    stores = list(Store.objects.filter(is_active=True).order_by("code"))
    if not stores:
        return {"built": 0, "revised": 0}
    today = timezone.localtime(now, metrics.zone_of(stores)).date()
    period = Period.containing("month", today).previous()
    built = revised = 0
    with translation.override(settings.LANGUAGE_CODE):
        scopes = [(store, [store]) for store in stores] + ([(None, stores)] if len(stores) > 1 else [])
        for store, members in scopes:
            if _keep_and_send(store, members, period, now):
                built += 1
                month = period.previous()
            else:
                month = period
            for _step in range(REVISE_MONTHS):
                revised += _revise(store, members, month, now)
                month = month.previous()
    return {"built": built, "revised": revised}


def _figures(members, period):
    return reports.live_figures([store.pk for store in members], period, metrics.zone_of(members))


def _keep_and_send(store, members, period, now) -> int:
    from .models import MonthlyReport

    if MonthlyReport.objects.filter(store=store, month=period.start).exists():
        return 0
    # The figures from the reports replica when it is current; the kept report is the month's
    # record, so never from a lagging one. (Revisions are read on the primary, in their
    # transaction.)
    with reading_reports(unless_lagging=True):
        figures = _figures(members, period)
    try:
        with transaction.atomic():
            MonthlyReport.objects.create(store=store, month=period.start, figures=figures, built_at=now)
            recipients = managers_of(store) if store is not None else directors(members)
            sender = store or members[0]
            for user in recipients:
                # Each reader's own language (User.working_language): the figures are the same.
                with translation.override(user.working_language):
                    name = store.name if store is not None else str(_group_name())
                    summary = summary_text(figures)
                queue_message(
                    store=sender, kind="monthly_report", channel=Channel.EMAIL, to=user.email,
                    context={"month": str(period), "scope": name, "summary": summary,
                             "link": _link(store, period)},
                    idempotency_key=f"kpi-monthly:{store.pk if store else 'group'}:{period}:{user.pk}",
                    send_after=now, language=user.working_language,
                )
    except IntegrityError:
        # A concurrent run kept it first (the unique constraint decided); it sends the emails.
        return 0
    return 1


def _group_name():
    from django.utils.translation import gettext as _

    return _("All stores")


def _revise(store, members, period, now) -> int:
    from .models import MonthlyReport

    with transaction.atomic():
        kept = MonthlyReport.objects.select_for_update().filter(store=store, month=period.start).first()
        if kept is None:
            return 0
        fresh = _figures(members, period)
        changes = {
            key: {"was": kept.figures[key]["display"], "now": data["display"]}
            for key, data in fresh.items()
            if key in kept.figures and not FIGURES[key].snapshot
            and (kept.figures[key]["numerator"], kept.figures[key]["denominator"])
            != (data["numerator"], data["denominator"])
        }
        if not changes:
            return 0
        kept.revisions = [*kept.revisions, {"at": now.isoformat(), "changes": changes}]
        # Snapshot figures (customers by tier) stay as they were when the month was closed.
        kept.figures = {key: (kept.figures[key] if FIGURES[key].snapshot and key in kept.figures else data)
                        for key, data in fresh.items()}
        kept.revised_at = now
        kept.save(update_fields=["figures", "revisions", "revised_at"])
        return 1
