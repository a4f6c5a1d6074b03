"""Keeping PostgreSQL's planner informed when a transaction fills nearly empty tables.

Autovacuum cannot see rows a transaction has not committed, so inside a long loading
transaction (the demo data, a store's first import, a test) the planner still believes the
tables are empty and plans nested loops over sequential scans: quadratic time. ANALYZE run in
the same transaction counts its own new rows."""
from django.db import connection


def refresh_statistics(*models, vacuum: bool = False) -> None:
    """ANALYZE the models' tables; with `vacuum`, VACUUM (ANALYZE) where it can run.

    VACUUM also sets the visibility map, so index-only scans work on freshly loaded data; it
    cannot run inside a transaction (e.g. a test's), where plain ANALYZE does. Large tables take
    a while, so the statement timeout is lifted for it."""
    command = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        try:
            cursor.execute(f"{command} {tables}")
        finally:
            cursor.execute("RESET statement_timeout")


def believed_smaller_than(rows: int, *models) -> list:
    """The models whose tables the planner believes hold fewer than `rows` rows (or has never
    counted): those whose plans a large load would make wrong."""
    tables = {model._meta.db_table: model for model in models}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind IN ('r', 'p') AND reltuples >= %s",
            [list(tables), rows],
        )
        counted = {name for (name,) in cursor.fetchall()}
    return [model for table, model in tables.items() if table not in counted]
