"""The test suite's own machinery (aftersales/testing/, conftest.py, settings/test.py): each
process's copy of the migrated template, the fast way back to it after a transactional test,
one Redis database per parallel worker, and the floor of tests that must run."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection

from aftersales.testing import database as testdb
from aftersales.models import Store
from aftersales.tests.factories import StoreFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


def role_groups():
    return {group.name: sorted(group.permissions.values_list("pk", flat=True)) for group in Group.objects.all()}


def write_and_change_seeds():
    store = StoreFactory(code="x")
    UserFactory(username="someone", stores=[store])
    Group.objects.get(name="advisor").delete()
    Permission.objects.filter(codename="view_store").update(name="renamed by a test")


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_s_rows_go_and_the_seeds_it_changed_come_back():
    baseline = testdb.BASELINES["default"]
    groups = role_groups()
    assert "advisor" in groups and groups["advisor"]
    write_and_change_seeds()

    emptied = baseline.restore(connection)

    assert {"public.aftersales_store", "public.aftersales_user", "public.auth_group"} <= emptied
    assert not Store.objects.exists()
    assert role_groups() == groups
    assert Permission.objects.get(codename="view_store").name == "Can view store"
    # Nothing else is left over, history rows of the deleted store included.
    assert baseline.dirty_tables(connection) == set()


@pytest.mark.django_db(transaction=True)
def test_without_superuser_rights_the_way_back_is_a_truncate(monkeypatch):
    baseline = testdb.BASELINES["default"]
    monkeypatch.setattr(baseline, "superuser", False)
    groups = role_groups()
    write_and_change_seeds()

    emptied = baseline.restore(connection)

    # TRUNCATE takes every table that references an emptied one along.
    assert "public.customers_customer" in emptied
    assert role_groups() == groups
    assert baseline.dirty_tables(connection) == set()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_that_wrote_nothing_empties_nothing():
    assert testdb.BASELINES["default"].restore(connection) == set()


@pytest.mark.django_db
def test_the_test_database_is_a_copy_of_the_template_for_the_current_migrations():
    template = f"test_{settings.DATABASES['default']['NAME'].removeprefix('test_').split('_gw')[0]}_tpl_{testdb.schema_key()}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT datistemplate, datallowconn FROM pg_database WHERE datname = %s", [template])
        assert cursor.fetchone() == (True, False)


def settings_under(worker):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["DJANGO_SETTINGS_MODULE"] = "aftersales.settings.test"
    env.pop("TEST_REDIS_DB", None)
    if worker:
        env["PYTEST_XDIST_WORKER"] = worker
    code = (
        "from django.conf import settings; "
        "print(settings.REDIS_URL); print(settings.CACHES['default']['LOCATION']); "
        "print(settings.CELERY_BROKER_URL)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(("worker", "db"), [(None, "15"), ("gw0", "14"), ("gw1", "13"), ("gw2", "12")])
def test_each_parallel_worker_has_its_own_redis_database_for_cache_and_broker(worker, db):
    redis_url, cache, broker = settings_under(worker)
    assert redis_url.endswith(f"db={db}") or redis_url.endswith(f"/{db}")
    assert cache == redis_url
    assert broker.endswith(f"virtual_host={db}") or broker.endswith(f"/{db}")


def test_the_real_celery_worker_consumes_this_process_s_broker_database(celery_worker):
    assert celery_worker.app.conf.broker_url == settings.CELERY_BROKER_URL
    consuming = celery_worker.consumer.connection.default_channel.client
    assert str(consuming.connection_pool.connection_kwargs["db"]) == settings.REDIS_URL.rsplit("=", 1)[-1]


def run_pytest_with_floor(tmp_path, floor):
    (tmp_path / "floor").write_text(f"{floor}\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    tests = tmp_path / "test_three.py"
    tests.write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_counts(n):
            assert n
    """))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    # The plugin on its own (no Django, no other plugin), as conftest.py loads it.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(tests), "-c", str(tmp_path / "pytest.ini"),
         "-p", "aftersales.testing.floor", "-p", "no:cacheprovider", "--test-floor", str(tmp_path / "floor")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )


def test_a_run_with_fewer_tests_than_the_floor_fails_and_says_so(tmp_path):
    result = run_pytest_with_floor(tmp_path, 4)
    assert result.returncode == 1, result.stdout
    assert "tests run: 3 in" in result.stdout
    assert "1 fewer tests ran than the floor" in result.stdout


def test_a_run_at_the_floor_passes_and_prints_the_count_and_wall_time(tmp_path):
    result = run_pytest_with_floor(tmp_path, 3)
    assert result.returncode == 0, result.stdout
    assert "tests run: 3 in" in result.stdout and "s wall; the floor is 3" in result.stdout
