"""Helpers for tests of concurrent behaviour, shared by every app's tests."""
import threading
import time

from django.db import connection


def run_concurrently(action, times):
    """Run `action()` in `times` threads released together; returns (results, errors).

    Each thread uses its own database connection and closes it, so the test database can be
    dropped afterwards."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # noqa: BLE001 - handed back to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def wait_for(condition, timeout=10.0):
    """Poll `condition()` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
