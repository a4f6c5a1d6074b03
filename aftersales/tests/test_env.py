"""Reading Redis URLs: the embedded Redis is a unix socket, which Celery spells differently."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from kombu.utils.url import url_to_parts

from aftersales.settings.env import celery_broker_url, env_bool, env_int, redis_with_db


def test_unix_socket_url_keeps_its_path_with_another_db():
    assert redis_with_db("unix:///srv/redis.sock?db=0", 15) == "unix:///srv/redis.sock?db=15"


def test_tcp_url_gets_another_db():
    assert redis_with_db("redis://127.0.0.1:6379/0", 15) == "redis://127.0.0.1:6379/15"


def test_celery_reads_the_socket_path_and_db():
    broker = celery_broker_url("unix:///srv/app/.data/redis.sock?db=15")
    parts = url_to_parts(broker)
    assert parts.scheme == "redis+socket"
    assert "/" + parts.path.lstrip("/") == "/srv/app/.data/redis.sock"
    assert parts.hostname is None
    assert parts.query == {"virtual_host": "15"}


def test_tcp_url_is_used_by_celery_as_it_is():
    assert celery_broker_url("redis://cache:6379/2") == "redis://cache:6379/2"


def test_bad_boolean_and_integer_are_refused(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env_int("COUNT", 1)


def test_database_url_of_a_socket_directory_round_trips():
    import dj_database_url

    from aftersales.dburl import database_url

    settings_dict = {"HOST": "/srv/app/.data/postgres", "PORT": "", "USER": "postgres",
                     "PASSWORD": "", "NAME": "aftersales_bench"}
    parsed = dj_database_url.parse(database_url(settings_dict))
    assert (parsed["HOST"], parsed["NAME"], parsed["USER"]) == (
        "/srv/app/.data/postgres", "aftersales_bench", "postgres"
    )
