"""Hot fixed statements run as prepared statements of the connection, their rows in binary.

Django sends every query as text with its values written in (psycopg's client-side binding),
so PostgreSQL plans each one afresh and the rows come back as text to be parsed. For a fixed
statement run on every page whose plan does not depend on the values — the complaint tables'
rows by id — planning was half its time and parsing the text a third of the rest: 6.1 ms a page
on a slow machine, 2.1 ms prepared with binary rows.

Only statements passed to `fetch_prepared`, and the ORM's queries inside `prepared_reads` (the
hot pages' reads by id), are prepared: Django's own cursors never are elsewhere, so
migrations, DDL and queries whose best plan depends on their values (a search's words) keep a
plan made for their values. The statement still runs through Django's cursor wrapper, so it is
counted and logged like any other query. A connection pooler in transaction mode (PgBouncer
before 1.21) would need `max_prepared_statements`; this project connects directly.
"""
import contextlib

import psycopg
from django.db import connections
from django.db.backends.postgresql.base import CursorMixin


class _KeepsItsQuery(psycopg.Cursor):
    def _convert_query(self, query, params=None):
        # Kept, as psycopg's client-side cursor keeps it, for Django's query log
        # (connection.queries, the tests' query counts): the statement with $1, $2….
        self._query = super()._convert_query(query, params)
        return self._query


class _PreparedCursor(_KeepsItsQuery):
    def execute(self, query, params=None, **_options):
        return super().execute(query, params, prepare=True, binary=True)


def fetch_prepared(sql, params, *, using="default") -> list[tuple]:
    """The rows of `sql` (%s placeholders) with `params`, prepared on this connection the
    first time it runs there."""
    connection = connections[using]
    # As Django's connection.cursor() does before handing out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _PreparedCursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _PreparedOrmCursor(CursorMixin, _KeepsItsQuery):
    """Django's cursor with the values bound by PostgreSQL and the statement prepared: the rows
    still come as text, through the loaders Django registered (a JSON column stays text for its
    field to read)."""

    def execute(self, query, params=None, **_options):
        return super().execute(query, params, prepare=True)


@contextlib.contextmanager
def prepared_reads(using="default"):
    """The ORM's queries inside (a `with` block, or a view it decorates) run as prepared
    statements of the connection: for pages whose reads join several tables by id, which
    PostgreSQL takes longer to plan than to run (the customer file's appointments: 2.7 ms
    planned, 0.6 ms run; the page's SQL 10–11 → 4 ms). PostgreSQL may then keep one generic
    plan for a statement, so not for queries whose best plan depends on their values (a
    search's words); no DDL inside."""
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = _PreparedOrmCursor
    try:
        yield
    finally:
        raw.cursor_factory = previous
