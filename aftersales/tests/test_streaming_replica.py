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


def test_the_replica_opens_as_soon_as_an_overflowed_transaction_on_the_primary_ends():
    replica = replica_or_skip(connections["default"])
    release, ended = threading.Event(), []
    holder = threading.Thread(target=hold_an_overflowed_transaction,
                              args=(connections["default"].settings_dict, release, ended))
    holder.start()
    time.sleep(0.5)
    threading.Timer(HELD_S, release.set).start()
    try:
        replica.start()
        assert replica.query("SELECT pg_is_in_recovery()")[0] is True
    finally:
        release.set()
        holder.join()
        replica.stop()
    # Counted from when both the transaction had ended and the standby was running (copying the
    # test server first takes longer on a loaded machine). The primary logs its running
    # transactions by itself only every 15 seconds: unasked, the standby would stay closed up to
    # that long; asked at each try, it opens at the first moment no such transaction runs (other
    # workers' tests may hold some for a moment).
    assert replica.opened_at - max(ended[0], replica.started_at) < OPENS_WITHIN_S
