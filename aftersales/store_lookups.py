"""A store's departments as the list pages' filters offer them, kept in the cache.

The complaint list of a one-store user offers that store's departments on every request: read
from the database, a query and its rows, about 1 ms. They change when an administrator edits a
department, which replaces the version their entries are keyed by (`access.CacheVersion`); an
entry lives at most DEPARTMENTS_TTL seconds, for a change made around the ORM.
"""
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from .access import CacheVersion
from .models import Department

DEPARTMENTS_TTL = 600
DEPARTMENTS_VERSION = CacheVersion("departments:version")


def store_departments(store_id) -> tuple[tuple[int, str, str], ...]:
    """(id, name, name_en) of the store's departments, by kind and name."""
    key = f"departments:{DEPARTMENTS_VERSION.current()}:{store_id}"
    found = cache.get(key)
    if found is None:
        found = tuple(Department.objects.filter(store_id=store_id).order_by("kind", "name")
                      .values_list("pk", "name", "name_en"))
        cache.set(key, found, DEPARTMENTS_TTL)
    return found


def connect_signals():
    post_save.connect(DEPARTMENTS_VERSION.replace, sender=Department, dispatch_uid="departments-save")
    post_delete.connect(DEPARTMENTS_VERSION.replace, sender=Department, dispatch_uid="departments-delete")
