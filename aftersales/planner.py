"""Keeping PostgreSQL's planner informed when a transaction fills nearly empty tables.

Autovacuum cannot see rows a transaction has not committed, so inside a long loading
transaction (the demo data, a store's first import, a test) the planner still believes the
tables are empty and plans nested loops over sequential scans: quadratic time. ANALYZE run in
the same transaction counts its own new rows."""
from django.db import connection


def refresh_statistics(*models) -> None:
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
