"""Store scoping: the one place that decides which rows a user may see.

Every list and object view goes through `for_user` or `get_for_user_or_404`; a row of a store
the user does not belong to behaves as if it did not exist (404), so its existence leaks nothing.
A model names the path to its store in `STORE_LOOKUP` (default ``"store"``).
"""
from django.db import DEFAULT_DB_ALIAS, models
from django.http import Http404


def sees_every_store(user) -> bool:
    return bool(user.is_active and (user.is_superuser or getattr(user, "all_stores", False)))


def store_lookup(model) -> str:
    return getattr(model, "STORE_LOOKUP", "store")


def for_user(queryset: models.QuerySet, user) -> models.QuerySet:
    """Only the rows of `queryset` that belong to a store `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if sees_every_store(user):
        return queryset
    # A subquery, not a list: no extra round trip and no stale membership.
    member_of = user.stores.through.objects.filter(user_id=user.pk).values("store_id")
    return queryset.filter(**{f"{store_lookup(queryset.model)}__in": member_of})


def for_user_in_order(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows `for_user` gives, scoped by a literal list of the user's stores (one query more).

    For the long list pages, read newest first: with the membership as a subquery PostgreSQL
    cannot know which stores it means, and walks an index over every store's rows until it has
    found a page of the user's; with `store IN (1, 2)` it reads a per-store index in order."""
    if not user.is_authenticated or not user.is_active or sees_every_store(user):
        return for_user(queryset, user)
    store_ids = list(user.stores.through.objects.filter(user_id=user.pk).values_list("store_id", flat=True))
    return queryset.filter(**{f"{store_lookup(queryset.model)}__in": store_ids})


def visible_stores(user, *, active_only=False) -> list:
    """The stores `user` may see (those `for_user` gives), by code, as Store instances holding
    `access.STORE_FIELDS` only: what a list page offers in its store filter and scopes its rows
    by, read from the user's cached access (`access.store_rows`) instead of the database."""
    from .access import STORE_FIELDS, store_rows
    from .models import Store

    if not user.is_authenticated or not user.is_active:
        return []
    return [Store.from_db(DEFAULT_DB_ALIAS, STORE_FIELDS, row) for row in store_rows(user)
            if row[-1] or not active_only]


def get_for_user_or_404(queryset_or_model, user, **lookup):
    queryset = (
        queryset_or_model
        if isinstance(queryset_or_model, models.QuerySet)
        else queryset_or_model._default_manager.all()
    )
    try:
        return for_user(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.") from None


class StoreScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return for_user(self, user)
