"""Backups: a real pg_dump, rotation, and a restore into an empty database."""
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from aftersales.backups import ServerParams, list_backups
from aftersales.models import Store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database():
    params = ServerParams.from_settings()
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with params.connect(dbname="postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with params.connect(dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_round_trip(tmp_path, empty_database, capsys):
    Store.objects.create(code="rt", name="往返测试店")
    call_command("backup", "--dir", str(tmp_path))
    [dump] = list_backups(tmp_path)
    assert dump.stat().st_size > 0
    call_command("restore", str(dump), "--database-name", empty_database)
    with ServerParams.from_settings().connect(dbname=empty_database) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM aftersales_store")]
        triggers = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%'"
        ).fetchone()[0]
    assert names == ["往返测试店"]
    # The history triggers come back too, so the restored database keeps recording.
    assert triggers > 0


def test_backup_keeps_only_the_newest(tmp_path):
    for _ in range(4):
        call_command("backup", "--dir", str(tmp_path), "--keep", "2")
    assert len(list_backups(tmp_path)) == 2


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    call_command("backup", "--dir", str(tmp_path))
    [dump] = list_backups(tmp_path)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump), "--database-name", connection.settings_dict["NAME"])


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "nothing.dump"))


def test_a_failed_dump_leaves_no_file_and_says_why(tmp_path, monkeypatch):
    from django.db import connection as db

    # A pg_dump of the server's version that fails half way, as a full disk would make it.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    major = db.pg_version // 10000
    fake = fake_bin / "pg_dump"
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) {major}.0"; exit 0; fi\n'
        'for a in "$@"; do case $a in --file=*) echo partial > "${a#--file=}";; esac; done\n'
        "echo 'No space left on device' >&2; exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PG_BIN_DIR", str(fake_bin))
    backups = tmp_path / "backups"
    with pytest.raises(CommandError, match="No space left"):
        call_command("backup", "--dir", str(backups))
    assert list(backups.iterdir()) == []


def test_admin_backup_button_runs_a_backup_in_the_worker(
    client, personas, celery_worker, tmp_path, settings
):
    import time

    from django.urls import reverse

    settings.BACKUP_DIR = tmp_path
    client.force_login(personas["admin"])
    response = client.post(reverse("request_backup"))
    assert response.status_code == 302
    deadline = time.monotonic() + 30
    while not list_backups(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(list_backups(tmp_path)) == 1
