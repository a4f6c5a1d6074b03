"""The test replica itself (aftersales/testing/replica.py): it must open beside whatever the
other test workers are doing on the primary at the time."""
import threading
import time

import psycopg
import pytest
from django.db import connections

from aftersales.testing.replica import replica_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

HELD_S = 2.0
OPENS_WITHIN_S = 8


def hold_an_overflowed_transaction(params, release, ended):
    """A transaction with more subtransactions than a standby's snapshot can list (64), as a test
    importing rows one savepoint at a time holds on another worker; `ended` gets the moment it
    ended."""
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"],
                         password=params.get("PASSWORD") or None) as conn:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE held (n int)")
            for number in range(100):
                cursor.execute(f"SAVEPOINT held_{number}")
                cursor.execute("INSERT INTO held VALUES (%s)", [number])
        release.wait()
        conn.rollback()
        ended.append(time.monotonic())


def watch_other_overflows(params, stop, watching, seen):
    """The last moments any transaction on the primary held an overflowed subtransaction list:
    other workers' tests do, and while one does no snapshot can open the standby (PostgreSQL 16
    and later tell; before, nothing is recorded)."""
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"],
                         password=params.get("PASSWORD") or None, autocommit=True) as conn:
        if conn.info.server_version < 160000:
            return
        watching.set()
        while not stop.is_set():
            overflowed = conn.execute(
                "SELECT count(*) FROM pg_stat_get_backend_idset() AS backend"
                " WHERE (pg_stat_get_backend_subxact(backend)).subxact_overflowed"
            ).fetchone()[0]
            if overflowed:
                seen.append(time.monotonic())
            time.sleep(0.05)


def test_the_replica_opens_as_soon_as_an_overflowed_transaction_on_the_primary_ends():
    replica = replica_or_skip(connections["default"])
    params = connections["default"].settings_dict
    release, ended = threading.Event(), []
    stop_watching, watching, overflows = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=hold_an_overflowed_transaction, args=(params, release, ended))
    watcher = threading.Thread(target=watch_other_overflows, args=(params, stop_watching, watching, overflows))
    holder.start()
    watcher.start()
    time.sleep(0.5)
    threading.Timer(HELD_S, release.set).start()
    try:
        replica.start()
        assert replica.query("SELECT pg_is_in_recovery()")[0] is True
    finally:
        release.set()
        stop_watching.set()
        holder.join()
        watcher.join()
        replica.stop()
    if watching.is_set():
        assert overflows and overflows[0] < ended[0]  # it saw ours
    # Counted from when the transaction had ended, the standby was running (copying the test
    # server first takes longer on a loaded machine) and no other worker's test held an
    # overflowed transaction. The primary logs its running transactions by itself only every 15
    # seconds: unasked, the standby would stay closed up to that long; asked at each try, it opens
    # at the first moment no such transaction runs.
    last_other = max((moment for moment in overflows if moment < replica.opened_at), default=0)
    assert replica.opened_at - max(ended[0], replica.started_at, last_other) < OPENS_WITHIN_S
