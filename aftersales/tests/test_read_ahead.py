import threading

import pytest
from django.utils import timezone, translation

from aftersales.read_ahead import read_ahead


def test_items_arrive_in_order():
    with read_ahead(iter(range(1000)), depth=3) as items:
        assert list(items) == list(range(1000))


def test_the_next_item_is_produced_while_the_consumer_works_on_the_last():
    second_produced = threading.Event()

    def produce():
        yield 1
        second_produced.set()
        yield 2

    with read_ahead(produce()) as items:
        assert next(items) == 1
        # Without a producer thread the second item would only be made on the next `next()`.
        assert second_produced.wait(timeout=5)
        assert next(items) == 2


def test_the_producer_runs_at_most_depth_items_ahead():
    produced = []
    stalled = threading.Event()

    def produce():
        for number in range(100):
            produced.append(number)
            if len(produced) == 10:
                stalled.set()
            yield number

    with read_ahead(produce(), depth=2) as items:
        assert next(items) == 0
        stalled.wait(timeout=0.5)
        # One taken, two waiting in the queue, one made and waiting for room.
        assert len(produced) <= 4


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it():
    def produce():
        yield "first"
        raise ValueError("damaged")

    received = []
    with pytest.raises(ValueError, match="damaged"):
        with read_ahead(produce()) as items:
            for item in items:
                received.append(item)
    assert received == ["first"]


def test_leaving_early_closes_the_producer_before_the_block_ends():
    closed_in = []

    def produce():
        try:
            for number in range(1000):
                yield number
        finally:
            closed_in.append(threading.current_thread().name)

    with read_ahead(produce()) as items:
        assert next(items) == 0
    assert closed_in == ["read-ahead"]


def test_an_error_in_the_consumer_stops_the_producer():
    def produce():
        yield from range(1000)

    with pytest.raises(RuntimeError):
        with read_ahead(produce(), depth=1) as items:
            next(items)
            raise RuntimeError("the write failed")
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())


def test_the_producer_sees_the_consumers_time_zone_and_language():
    def produce():
        yield str(timezone.get_current_timezone()), translation.get_language()

    with timezone.override("Asia/Urumqi"), translation.override("en"):
        with read_ahead(produce()) as items:
            assert list(items) == [("Asia/Urumqi", "en")]
