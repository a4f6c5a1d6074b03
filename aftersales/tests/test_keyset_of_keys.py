"""aftersales.pagination.keyset_page_of_keys: the pages of rows already read, the same as
keyset_page gives of the same rows in the database."""
import datetime as dt
from collections import namedtuple

import pytest

from aftersales.pagination import keyset_page_of_keys

Key = namedtuple("Key", "created_at id")
ORDER = ("-created_at", "-id")
START = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)


def keys():
    # Ties on the time, so the id decides; given in no order.
    return [Key(START + dt.timedelta(hours=n // 2), n) for n in (5, 0, 3, 6, 1, 4, 2)]


def test_pages_follow_the_order_and_each_cursor_continues_where_its_page_ended():
    pages, cursor = [], None
    while True:
        page = keyset_page_of_keys(keys(), order=ORDER, cursor=cursor, size=3)
        pages.append([row.id for row in page])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == [[6, 5, 4], [3, 2, 1], [0]]


def test_an_ascending_order_pages_the_other_way():
    page = keyset_page_of_keys(keys(), order=("created_at", "id"), size=4)
    following = keyset_page_of_keys(keys(), order=("created_at", "id"), cursor=page.next_cursor, size=4)
    assert [row.id for row in page] == [0, 1, 2, 3] and [row.id for row in following] == [4, 5, 6]
    assert following.next_cursor is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0"])  # garbage; [1, 2]: numbers for a time
def test_a_cursor_it_did_not_make_starts_from_the_top(cursor):
    assert [row.id for row in keyset_page_of_keys(keys(), order=ORDER, cursor=cursor, size=2)] == [6, 5]


def test_an_order_of_both_directions_is_refused():
    with pytest.raises(ValueError):
        keyset_page_of_keys(keys(), order=("-created_at", "id"))
