"""Change history for domain records, written by database triggers (django-pghistory).

Triggers see every write, so bulk updates, imports and raw SQL are recorded as well as form
saves. A model opts in with one decorator::

    @tracked()
    class Complaint(models.Model): ...

The request's user and URL are attached by pghistory's middleware; jobs and commands attach
their own with `pghistory.context(job=...)`.
"""
from dataclasses import dataclass

import pghistory
from django.apps import apps
from django.db.models import Model

def tracked(**options):
    """Record inserts, updates and deletes of the decorated model."""
    # Fresh tracker instances per model: pghistory binds each one to the model it tracks.
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options
    )


def is_tracked(model: type[Model]) -> bool:
    return any(
        getattr(candidate, "pgh_tracked_model", None) is model
        for candidate in apps.get_models()
    )


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


def describe(event, model: type[Model]) -> list[FieldChange]:
    """An event's changes in the model's own field names (verbose, translated).

    An update lists the fields that changed; an insert or delete lists the row as it was.
    """
    # Only what people edit; derived columns (search keys, timestamps) would drown the change.
    labels = {
        field.attname: field.verbose_name
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    # A model names the fields whose values the history shows masked, e.g. mobile numbers.
    maskers = getattr(model, "HISTORY_MASKED_FIELDS", {})

    def shown(name, value):
        return maskers[name](value) if name in maskers and value else value

    if event.pgh_diff:
        return [
            FieldChange(labels[name], shown(name, old), shown(name, new))
            for name, (old, new) in event.pgh_diff.items()
            if name in labels
        ]
    return [
        FieldChange(labels[name], None, shown(name, value))
        for name, value in (event.pgh_data or {}).items()
        if name in labels
    ]


def events_for(obj: Model, *, limit: int):
    """The newest `limit` events of one object, with the context (user, URL) they carry."""
    return (
        pghistory.models.MiddlewareEvents.objects.tracks(obj)
        .select_related("user")
        .order_by("-pgh_created_at", "-pgh_id")[:limit]
    )
