"""Heavy reads off the primary: with REPORTS_DATABASE_URL set, the KPI pages, the monthly report,
its workbook and the scorecard export read from that database (a streaming replica), and say
how current it is.

Routers decide by model, not by page, so the pages say it themselves: code inside
`reading_reports()` reads from the "reports" alias; everything else, and every write, stays on
the primary. Who may see which store is decided before that, on the primary, so a lagging
replica never grants or keeps access; and a read inside a transaction on the primary stays
there, because it may need to see that transaction's own writes.
"""
import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext as _

REPORTS = "reports"

logger = logging.getLogger(__name__)
_reading_from: ContextVar[str | None] = ContextVar("reading_reports_from", default=None)


def reports_configured() -> bool:
    return REPORTS in connections.settings


class ReportsRouter:
    def db_for_read(self, model, **hints):
        alias = _reading_from.get()
        if alias and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return alias
        # Explicitly the primary: an object read inside reading_reports() remembers the replica,
        # and without this its related objects would be read there later too.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Also for an object read from the replica: the replica is read-only.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both sides of the replication.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPORTS}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPORTS else None


# --- How current the replica is ------------------------------------------------------------------
@dataclass(frozen=True)
class Freshness:
    """What a page read: `as_of` is the moment the records shown are at least as recent as."""

    standby: bool  # the reports database is a replica (in recovery), not a primary
    as_of: datetime | None
    lag: timedelta | None  # None: unknown (nothing replayed since the replica started)
    lagging: bool  # further behind than REPORTS_MAX_LAG_SECONDS

    @property
    def display(self) -> str:
        if self.as_of is None:
            return "—"
        moment = timezone.localtime(self.as_of)
        return f"{moment:%H:%M}" if moment.date() == timezone.localdate() else f"{moment:%Y-%m-%d %H:%M}"

    @property
    def note(self) -> str:
        """What a page or an export says about its figures ("" when read on a primary)."""
        if not self.standby:
            return ""
        if self.lagging:
            return _("The reporting replica is behind: figures as of %(when)s; records entered since are "
                     "not counted yet.") % {"when": self.display}
        return _("Figures as of %(when)s (replica)") % {"when": self.display}


# One statement on the replica. pg_last_xact_replay_timestamp() is the commit time of the last
# transaction replayed, so on a quiet primary it grows old although nothing is missing: the
# replica counts as current when its WAL receiver is connected and has no received WAL left to
# replay. (A WAL receiver's pid is visible to every role; its details are not.)
FRESHNESS_SQL = """
    SELECT now(), pg_is_in_recovery(), pg_last_xact_replay_timestamp(),
           pg_last_wal_receive_lsn() IS NOT NULL
           AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()
           AND EXISTS (SELECT FROM pg_stat_wal_receiver)
"""


def freshness(alias=REPORTS) -> Freshness:
    with connections[alias].cursor() as cursor:
        cursor.execute(FRESHNESS_SQL)
        now, in_recovery, replayed_at, caught_up = cursor.fetchone()
    if not in_recovery or caught_up:
        return Freshness(standby=bool(in_recovery), as_of=now, lag=timedelta(0), lagging=False)
    lag = max(now - replayed_at, timedelta(0)) if replayed_at else None
    limit = timedelta(seconds=settings.REPORTS_MAX_LAG_SECONDS)
    return Freshness(standby=True, as_of=replayed_at, lag=lag, lagging=lag is None or lag > limit)


@dataclass(frozen=True)
class ReportSource:
    alias: str  # where the reads went
    freshness: Freshness | None  # None: read on the primary


PRIMARY = ReportSource(alias=DEFAULT_DB_ALIAS, freshness=None)


@contextlib.contextmanager
def reading_reports(*, unless_lagging=False):
    """Read from the reports database inside this block, when one is configured; yields a
    ReportSource saying where the reads went and how current they are (asked before reading,
    so the figures are at least that recent).

    A replica that cannot be reached is logged and the primary used instead: the pages still
    work, without the "as of". With `unless_lagging` (the monthly report kept as the month's
    record) a replica further behind than REPORTS_MAX_LAG_SECONDS is not used either."""
    source = PRIMARY
    if reports_configured():
        try:
            found = freshness(REPORTS)
        except DatabaseError:
            logger.warning("The reports database cannot be reached; reading from the primary.", exc_info=True)
            connections[REPORTS].close()
        else:
            if not (unless_lagging and found.lagging):
                source = ReportSource(alias=REPORTS, freshness=found)
    token = _reading_from.set(source.alias if source.alias != DEFAULT_DB_ALIAS else None)
    try:
        yield source
    finally:
        _reading_from.reset(token)
