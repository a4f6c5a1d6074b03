"""Several small row sets read in one statement.

A page that needs a handful of short lists (a store's booking rules: its settings, weekly
hours, peaks, special days, absences) pays for each one a round trip, PostgreSQL's planning
and the ORM building and compiling the query, which for rows this few is nearly all of the
cost. `read_sets` runs one fixed SELECT of scalar subqueries (`json_set`), each set of rows
aggregated to JSON, and builds the model instances from that through each field's own
`to_python`, as the ORM would from their rows.

Numbers are read as Decimal or int, never float, so models with a JSONField are refused (its
numbers would change type).
"""
import json
from decimal import Decimal

from django.db import connections
from django.db.models import JSONField


def json_set(model, where: str) -> str:
    """One column of a `read_sets` statement: `model`'s rows where `where` holds (SQL over the
    alias `t`, with named placeholders), as JSON text."""
    if any(isinstance(field, JSONField) for field in model._meta.concrete_fields):
        raise ValueError("read_sets cannot keep the numbers of a JSONField as they were")
    table = connections["default"].ops.quote_name(model._meta.db_table)
    return f"(SELECT json_agg(t)::text FROM {table} AS t WHERE {where})"


def read_sets(sql: str, params: dict, models, *, using="default") -> list[list]:
    """The instances of each model in the order of the statement's `json_set` columns, in one
    query."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        texts = cursor.fetchone()
    return [_instances(model, text, using) for model, text in zip(models, texts, strict=True)]


def _instances(model, text, using):
    if text is None:
        return []
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    return [
        model.from_db(using, names, [field.to_python(row[field.column]) for field in fields])
        for row in json.loads(text, parse_float=Decimal)
    ]
