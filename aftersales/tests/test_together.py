"""aftersales.together: several small row sets read in one statement, each row the instance the
ORM would have built."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from aftersales.messaging.models import OutboundMessage
from aftersales.models import Store
from aftersales.together import json_set, read_sets

pytestmark = pytest.mark.django_db

User = get_user_model()
STORES_AND_USERS = "SELECT " + ", ".join([json_set(Store, "t.code = ANY(%(codes)s)"),
                                          json_set(User, "t.username = %(username)s")])


def as_fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_several_sets_take_one_query(store_a, store_b, make_user, django_assert_num_queries):
    make_user("advisor", [store_a], username="zhang")
    with django_assert_num_queries(1):
        stores, users = read_sets(STORES_AND_USERS, {"codes": ["a", "b"], "username": "zhang"}, [Store, User])
    assert sorted(store.code for store in stores) == ["a", "b"]
    assert [user.username for user in users] == ["zhang"]


def test_each_row_is_the_instance_the_orm_builds(store_a, make_user):
    user = make_user("advisor", [store_a], username="zhang")
    User.objects.filter(pk=user.pk).update(last_login=dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=dt.UTC))
    Store.objects.filter(pk=store_a.pk).update(opens_at=dt.time(7, 45), is_active=False)
    (store,), (read_user,) = read_sets(STORES_AND_USERS, {"codes": ["a"], "username": "zhang"}, [Store, User])
    assert as_fields(store) == as_fields(Store.objects.get(pk=store_a.pk))
    assert as_fields(read_user) == as_fields(User.objects.get(pk=user.pk))
    assert read_user.last_login == dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=dt.UTC)
    assert store.opens_at == dt.time(7, 45) and store.is_active is False
    assert not store._state.adding


def test_an_empty_set_is_an_empty_list(store_a):
    assert read_sets(STORES_AND_USERS, {"codes": ["a"], "username": "nobody"}, [Store, User]) == [[store_a], []]


def test_a_model_with_a_json_field_is_refused():
    with pytest.raises(ValueError):
        json_set(OutboundMessage, "true")
