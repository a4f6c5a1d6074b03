import threading

from django.core.cache import cache


def test_every_cache_call_uses_one_client_per_pool_and_reads_what_it_wrote():
    cache.set("client-test", {"answer": 42}, 30)
    first = cache._cache.get_client("client-test")
    assert cache._cache.get_client("other", write=True) is first
    assert cache.get("client-test") == {"answer": 42}
    assert cache.get_many(["client-test", "missing"]) == {"client-test": {"answer": 42}}
    cache.delete("client-test")
    assert cache.get("client-test") is None


def test_threads_share_the_client_and_each_gets_its_answer():
    answers, errors = {}, []

    def read_and_write(n):
        try:
            cache.set(f"thread-{n}", n, 30)
            answers[n] = cache.get(f"thread-{n}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(error)

    threads = [threading.Thread(target=read_and_write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and answers == {n: n for n in range(8)}
    cache.delete_many([f"thread-{n}" for n in range(8)])
