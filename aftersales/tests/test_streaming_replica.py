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


def hold_an_overflowed_transaction(params, release):
    """A transaction with more subtransactions than a standby's snapshot can list (64), as a test
    importing rows one savepoint at a time holds on another worker."""
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"],
                         password=params.get("PASSWORD") or None) as conn:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE held (n int)")
            for number in range(100):
                cursor.execute(f"SAVEPOINT held_{number}")
                cursor.execute("INSERT INTO held VALUES (%s)", [number])
        release.wait()
        conn.rollback()


def test_the_replica_opens_as_soon_as_an_overflowed_transaction_on_the_primary_ends():
    replica = replica_or_skip(connections["default"])
    release = threading.Event()
    holder = threading.Thread(target=hold_an_overflowed_transaction,
                              args=(connections["default"].settings_dict, release))
    holder.start()
    time.sleep(0.5)
    timer = threading.Timer(HELD_S, release.set)
    timer.start()
    started = time.monotonic()
    try:
        replica.start()
        opened_after = time.monotonic() - started
        assert replica.query("SELECT pg_is_in_recovery()")[0] is True
    finally:
        release.set()
        holder.join()
        replica.stop()
    # The primary logs its running transactions by itself only every 15 seconds: without being
    # asked, the standby would stay closed that long after the transaction ended.
    assert opened_after < HELD_S + 8
