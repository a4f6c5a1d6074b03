"""What a user may do (permissions), which groups they are in (their role) and which stores they
may see, read once and kept in the cache.

Every page needs the first two: the permission checks of the view, the navigation and the
templates, and the role for the start page and the masking of mobiles. Read from the database
they were three queries per request (the user's permissions, their groups' permissions, their
groups); from the cache they are two round trips to Redis. The list pages also offer the user's
stores in their filter and scope their rows by them: for a group's fifty stores, read and made
into instances on every request, about 1.5 ms.

An entry is keyed by a version that any change of membership (of a group or a store), of a
group's permissions or of a store replaces (also once the change commits, so a request that read
the old rows while the change was under way cannot keep them), and by the user's own flags that
widen what they see; it lives at most ACCESS_TTL seconds, for a change made around the ORM (raw
SQL, a restored backup).
"""
import time

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

ACCESS_TTL = 300
VERSION_KEY = "access:version"


class CacheVersion:
    """The version the keys of a family of cache entries begin with, which a change of what they
    hold replaces: at once and again once the change commits."""

    def __init__(self, key):
        self.key = key

    def current(self) -> str:
        version = cache.get(self.key)
        if version is None:
            # A fresh value, never a counter from 1: entries written under a version that was
            # evicted must not be read again when the counter starts over.
            version = str(time.time_ns())
            if not cache.add(self.key, version, None):
                version = cache.get(self.key) or version
        return version

    def replace(self, **_kwargs):
        """Every entry of the family is stale (a signal receiver)."""

        def bump():
            cache.set(self.key, str(time.time_ns()), None)

        bump()
        transaction.on_commit(bump)


# Replaced when a membership, a group's permissions or a store changes (`connect_signals`).
ACCESS_VERSION = CacheVersion(VERSION_KEY)


def _key(user) -> str:
    joined = user.date_joined.timestamp() if user.date_joined else 0
    every_store = int(bool(getattr(user, "all_stores", False)))
    return f"access:{ACCESS_VERSION.current()}:{user.pk}:{joined}:{int(user.is_superuser)}:{every_store}"


# What the list pages read of a store they offer and scope by; in the model's order of fields,
# which Model.from_db expects of a deferred instance's values, and with is_active last.
STORE_FIELDS = ("id", "code", "name", "time_zone", "is_active")


def _read(user) -> dict:
    from .models import Store
    from .scoping import for_user

    return {
        "permissions": frozenset(ModelBackend().get_all_permissions(user)),
        "groups": frozenset(user.groups.values_list("name", flat=True)),
        "stores": tuple(for_user(Store.objects.order_by("code"), user).values_list(*STORE_FIELDS)),
    }


def access_of(user) -> dict:
    """{"permissions": frozenset of "app.codename", "groups": frozenset of group names} of an
    active, saved user; read once per request object."""
    found = getattr(user, "_access_cache", None)
    if found is None:
        key = _key(user)
        found = cache.get(key)
        if found is None:
            found = _read(user)
            cache.set(key, found, ACCESS_TTL)
        user._access_cache = found
    return found


def store_rows(user) -> tuple:
    """(id, code, name, time_zone, is_active) of every store `user` may see, by code: the rows
    `scoping.for_user` gives, from the cache (`scoping.visible_stores` makes them stores)."""
    return access_of(user)["stores"]


def group_names(user) -> frozenset:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
    if prefetched is not None:
        # A list of staff read with prefetch_related("groups") shows each one's role from it.
        return frozenset(group.name for group in prefetched)
    return access_of(user)["groups"]


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend (the same permissions, the same rules for inactive users and
    superusers), with a user's permissions read through `access_of`."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(access_of(user_obj)["permissions"])
        return user_obj._perm_cache


def _read_at_login(sender, request, user, **_kwargs):
    # The first page after logging in then finds the user's access in the cache like every other.
    if user.is_active:
        access_of(user)


def connect_signals(user_model):
    from .models import Store

    user_logged_in.connect(_read_at_login, dispatch_uid="access-login")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through,
                    user_model.stores.through):
        m2m_changed.connect(ACCESS_VERSION.replace, sender=through, dispatch_uid=f"access-{through._meta.label}")
    for model in (Group, Permission, Store):
        post_save.connect(ACCESS_VERSION.replace, sender=model, dispatch_uid=f"access-save-{model._meta.label}")
        post_delete.connect(ACCESS_VERSION.replace, sender=model, dispatch_uid=f"access-delete-{model._meta.label}")
