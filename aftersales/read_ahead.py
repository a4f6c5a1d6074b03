"""Producing a stream's next items in a second thread while the consumer works on the last.

A DMS import reads and checks rows in Python and then waits on PostgreSQL to write them. Python
releases the GIL while it waits on the database, so the next batch can be read and checked in
that time instead of after it: the import's two halves overlap instead of taking turns.

The producer thread must not touch the database: it would open a connection of its own,
outside the consumer's transaction. It runs with the consumer's time zone and language
activated (Django keeps both per thread), so dates and messages come out as the consumer's
would.
"""
import queue
import threading
from contextlib import contextmanager

from django.utils import timezone, translation

# How long the producer waits for room before it looks again whether the consumer has gone.
_POLL_S = 0.05


class _Stopped(Exception):
    """The consumer left: the producer ends quietly."""


class _ReadAhead:
    def __init__(self, iterable, depth):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce,
            args=(iterable, timezone.get_current_timezone(), translation.get_language()),
            name="read-ahead", daemon=True,
        )

    def _put(self, entry):
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=_POLL_S)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _produce(self, iterable, time_zone, language):
        iterator = iter(iterable)
        try:
            with timezone.override(time_zone), translation.override(language):
                for item in iterator:
                    self._put((True, item))
            self._put((False, None))
        except _Stopped:
            pass
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer's thread
            try:
                self._put((False, error))
            except _Stopped:
                pass
        finally:
            # A generator left half-way is closed here, in its own thread, before the
            # consumer closes what it reads from (the file, the workbook).
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def __iter__(self):
        while True:
            more, value = self._queue.get()
            if more:
                yield value
            elif value is None:
                return
            else:
                raise value

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()


@contextmanager
def read_ahead(iterable, depth=2):
    """Iterate `iterable` in a producer thread, at most `depth` items ahead of the consumer.

    Items come in order; an exception the producer meets is raised in the consumer at that
    point of the stream. Leaving the block (done, broken off or failed) stops the producer and
    waits for it, so nothing it reads from is closed under it."""
    stream = _ReadAhead(iterable, depth)
    stream.start()
    try:
        yield iter(stream)
    finally:
        stream.stop()
