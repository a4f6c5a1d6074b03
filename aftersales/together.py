"""Several small querysets read in one statement.

A page that needs a handful of short lists (a store's booking rules: its settings, weekly
hours, peaks, special days, absences) pays for each one a round trip, PostgreSQL's planning
and Django's cursor handling, which for rows this few is nearly all of the cost. `read_together`
sends them as one SELECT of scalar subqueries, each list aggregated to JSON, and builds the model
instances from that, through each field's own `to_python`, as Django would from their rows.

Only for querysets of one model's own columns (no joins, no annotations, no `values()`): the
JSON keys are the columns' names. Numbers are read as Decimal or int, never float.
"""
import json
from decimal import Decimal

from django.db import connections
from django.db.models import JSONField


def read_together(*querysets, using="default") -> list[list]:
    """The model instances of each queryset, in one query, in the querysets' order."""
    parts, params = [], []
    for queryset in querysets:
        query = queryset.query
        if query.annotations or query.values_select or query.select_related or query.deferred_loading[0]:
            raise ValueError("read_together takes plain querysets of one model's columns")
        if any(isinstance(field, JSONField) for field in queryset.model._meta.concrete_fields):
            raise ValueError("read_together cannot keep the numbers of a JSONField as they were")
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"(SELECT json_agg(part)::text FROM ({sql}) AS part)")
        params.extend(part_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        texts = cursor.fetchone()
    return [_instances(queryset.model, text, using) for queryset, text in zip(querysets, texts, strict=True)]


def _instances(model, text, using):
    if text is None:
        return []
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    return [
        model.from_db(using, names, [field.to_python(row[field.column]) for field in fields])
        for row in json.loads(text, parse_float=Decimal)
    ]
