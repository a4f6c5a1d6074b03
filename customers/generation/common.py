"""What the generators of every table share (this package and `visits.generation`): the COPY
text format, the local clock, id reservation, the loading transaction, and the repair orders as
the tables hanging off them see them. It imports no other generator module, so both sides can
import it without a cycle.

History triggers: the synthetic rows are loaded with `SET LOCAL session_replication_role =
replica` when the database user is a superuser (the case for dev and benchmark databases). That
switches off every ordinary trigger for the loading transaction only: pghistory's triggers, so
millions of history rows are not written, and also the foreign-key triggers, whose per-row
look-ups and row locks would double the load time. The rows are consistent by construction and
the test checks the joins. A non-superuser cannot set the role; then `pgtrigger.ignore()` is
used instead, which skips the history rows but still runs the triggers and foreign-key checks.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import time
from functools import lru_cache
from typing import NamedTuple

import pgtrigger
from django.db import connection, transaction

CHUNK_CUSTOMERS = 2_500
UTC = dt.timezone.utc
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # stores keep Asia/Shanghai, which has no DST

# COPY text format: nothing generated here contains a tab, newline or backslash.
NULL = r"\N"


def _ts(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def _local_epoch(day: dt.date, minute: int) -> int:
    """`minute` minutes after local (UTC+8) midnight of `day`, as a Unix time."""
    return (day.toordinal() - 719163) * 86400 + minute * 60 - 8 * 3600


class OrderRow(NamedTuple):
    """A generated repair order, as the tables hanging off repair orders need it."""
    id: int
    customer_id: int
    vehicle_id: int
    repair_type: str
    status: str
    opened: int  # Unix time
    closed: int | None
    declined: bool  # work was recommended and declined (a reminder call of its own)


def copy_lines(cursor, model, columns, lines, batch=2000) -> int:
    """COPY text lines into the model's table, a batch of lines per write."""
    table = model._meta.db_table
    count = 0
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= batch:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def reserve_ids(cursor, model, count: int) -> list[int]:
    """`count` ids from the table's identity sequence (safe alongside other writers)."""
    if not count:
        return []
    table = model._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [f'"{table}"', count],
    )
    return [row[0] for row in cursor.fetchall()]


@contextlib.contextmanager
def loading_transaction():
    """A transaction with history triggers off and no statement timeout (see module doc)."""
    with contextlib.ExitStack() as stack:
        superuser = _is_superuser()
        if not superuser:
            stack.enter_context(pgtrigger.ignore())
        stack.enter_context(transaction.atomic())
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL synchronous_commit = off")
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield


@lru_cache(maxsize=None)
def _superuser_for(alias_and_db: tuple) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _is_superuser() -> bool:
    return _superuser_for((connection.alias, connection.settings_dict["NAME"]))
