"""aftersales.together: several small querysets read in one statement, each row the instance
the ORM would have built."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.messaging.models import OutboundMessage
from aftersales.models import Store
from aftersales.together import read_together

pytestmark = pytest.mark.django_db


def as_fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_several_querysets_take_one_query(store_a, store_b, make_user, django_assert_num_queries):
    make_user("advisor", [store_a])
    with django_assert_num_queries(1):
        stores, users = read_together(Store.objects.order_by("code"), get_user_model().objects.all())
    assert [store.code for store in stores] == ["a", "b"]
    assert len(users) == 1


def test_each_row_is_the_instance_the_orm_builds(store_a, make_user):
    user = make_user("advisor", [store_a])
    get_user_model().objects.filter(pk=user.pk).update(
        last_login=dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=dt.UTC))
    Store.objects.filter(pk=store_a.pk).update(opens_at=dt.time(7, 45), is_active=False)
    (store,), (read_user,) = read_together(Store.objects.filter(pk=store_a.pk),
                                           get_user_model().objects.filter(pk=user.pk))
    assert as_fields(store) == as_fields(Store.objects.get(pk=store_a.pk))
    assert as_fields(read_user) == as_fields(get_user_model().objects.get(pk=user.pk))
    assert read_user.last_login == dt.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=dt.UTC)
    assert store.opens_at == dt.time(7, 45) and store.is_active is False
    assert not store._state.adding


def test_an_empty_queryset_gives_an_empty_list(store_a):
    assert read_together(Store.objects.filter(code="nowhere"), Store.objects.all()) == [[], [store_a]]


def test_filters_slices_and_order_are_kept(store_a, store_b):
    assert read_together(Store.objects.order_by("-code")[:1]) == [[store_b]]
    assert read_together(Store.objects.filter(code="a")) == [[store_a]]


@pytest.mark.parametrize("narrowed", [
    lambda users: users.values("username"), lambda users: users.only("username"),
    lambda users: users.select_related("department"),
], ids=["values", "only", "select_related"])
def test_a_queryset_that_is_not_a_model_s_own_columns_is_refused(narrowed):
    with pytest.raises(ValueError):
        read_together(narrowed(get_user_model().objects.all()))


def test_a_model_with_a_json_field_is_refused():
    with pytest.raises(ValueError):
        read_together(OutboundMessage.objects.filter(created_at__lte=timezone.now()))
