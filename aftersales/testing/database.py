"""The test database, migrated once, and a fast way back to it after a transactional
test. conftest.py uses this; nothing in the application imports it.

- **One migrated template per schema.** Running the migrations takes 15-25 s here. The first
  test process that needs a database migrates a template database (`test_<name>_tpl_<key>`),
  and every process (one per pytest-xdist worker, or the only one) gets its own copy with
  `CREATE DATABASE … TEMPLATE`, which takes well under a second. The key is a hash of
  everything migrating reads: every app's migrations (or models, for an app without
  migrations), the apps' `apps.py` and `roles.py` (post_migrate builds the role groups from
  them), the settings and requirements.txt. While the key stays the same the template is
  reused, also by the next run; a new key (a new migration, a new role) builds a new template
  and drops the old ones. `pytest --create-db` always rebuilds it. A fresh clone (CI) has no
  template, so it always migrates from scratch once.
- **A fast teardown for transactional tests.** Django's TransactionTestCase empties every
  table (one TRUNCATE of all of them) and runs post_migrate again to re-create content types,
  permissions and role groups: 1-4 s a test here. Instead, right after setup we note what
  migrations left (which tables hold rows: content types, permissions, role groups, the
  migration log; and those rows), and after a test we empty only the tables that now hold rows
  and put back only those seed rows that changed: with triggers off (DELETE as a superuser, the
  embedded server's case) or else by TRUNCATE of those tables and the ones referencing them.
  The next test starts from exactly the state migrations left, which is also what a plain `db`
  test sees (Django's flush, by contrast, left data migrations' rows deleted).
"""
import contextlib
import fcntl
import hashlib
import importlib
import os
import tempfile
import time
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

TEMPLATE_FORMAT = "1"  # bump to invalidate every template when this module changes what it builds

# alias -> Baseline of this process's test database (set by conftest's django_db_setup)
BASELINES = {}


# --- The key of the schema ------------------------------------------------------------------
def _package_files(module_name):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    paths = getattr(module, "__path__", None)
    if not paths:
        return [Path(module.__file__)]
    return sorted(path for root in paths for path in Path(root).rglob("*.py"))


def schema_key():
    """A hash of what `migrate` (and its post_migrate handlers) read to build the schema."""
    import django
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    digest.update(f"{TEMPLATE_FORMAT} django {django.get_version()}\n".encode())
    base_dir = Path(settings.BASE_DIR).resolve()
    files = []
    for config in apps.get_app_configs():
        digest.update(f"app {config.label} {config.name}\n".encode())
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        migration_files = _package_files(module_name) if module_name else None
        if migration_files:
            files += migration_files
        elif config.models_module is not None:
            files.append(Path(config.models_module.__file__))
        app_dir = Path(config.path).resolve()
        if base_dir in app_dir.parents or app_dir == base_dir:
            files += [app_dir / name for name in ("apps.py", "roles.py") if (app_dir / name).exists()]
    files += sorted((base_dir / "aftersales" / "settings").glob("*.py"))
    files.append(base_dir / "requirements.txt")
    for path in files:
        if path.exists():
            digest.update(f"file {path}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --- Building the template and the copies ----------------------------------------------------
@contextlib.contextmanager
def _server_lock(connection):
    """One process at a time builds the template or copies it, per database server."""
    params = connection.settings_dict
    ident = f"{params.get('HOST')}:{params.get('PORT')}:{params['NAME']}"
    path = Path(tempfile.gettempdir()) / f"aftersales-testdb-{hashlib.sha256(ident.encode()).hexdigest()[:16]}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _databases(cursor, like):
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
    return [row[0] for row in cursor.fetchall()]


def _drop(cursor, quote, name):
    # A template refuses DROP; a copy left by a killed run may still have sessions.
    cursor.execute(f"ALTER DATABASE {quote(name)} WITH IS_TEMPLATE false ALLOW_CONNECTIONS true")
    cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")


def _build_template(connection, template, stale_like, verbosity, run_id):
    from django.core.management import call_command

    creation = connection.creation
    quote = connection.ops.quote_name
    building = f"{template}_building"
    with creation._nodb_cursor() as cursor:
        for name in _databases(cursor, stale_like):
            _drop(cursor, quote, name)
        cursor.execute(f"CREATE DATABASE {quote(building)}")
    connection.close()
    connection.settings_dict["NAME"] = building
    try:
        call_command("migrate", verbosity=max(verbosity - 1, 0), interactive=False,
                     database=connection.alias, run_syncdb=True)
        call_command("createcachetable", database=connection.alias)
    finally:
        connection.close()
    with creation._nodb_cursor() as cursor:
        # Renamed only when complete: a run killed half way leaves no usable-looking template.
        cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
        cursor.execute(f"ALTER DATABASE {quote(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
        cursor.execute(f"COMMENT ON DATABASE {quote(template)} IS %s", [run_id])


def create_test_database(alias, *, rebuild=False, verbosity=0, log=print):
    """Give this process its own migrated test database; return what `destroy` needs."""
    connection = connections[alias]
    creation = connection.creation
    quote = connection.ops.quote_name
    original_name = connection.settings_dict["NAME"]
    target = creation._get_test_db_name()  # test_<name>, with _gwN under pytest-xdist
    base = f"test_{original_name}"
    template = f"{base}_tpl_{schema_key()}"
    stale_like = base.replace("_", r"\_") + r"\_tpl\_%"
    # --create-db under pytest-xdist: the first worker rebuilds, the others take its template.
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    with _server_lock(connection):
        with creation._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
            )
            row = cursor.fetchone()
        if row is None or (rebuild and row[0] != run_id):
            started = time.monotonic()
            _build_template(connection, template, stale_like, verbosity, run_id)
            log(f"migrated the test template database {template} in {time.monotonic() - started:.1f} s")
        with creation._nodb_cursor() as cursor:
            if _databases(cursor, target.replace("_", r"\_")):
                _drop(cursor, quote, target)
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(template)}")
    connection.close()
    settings.DATABASES[alias]["NAME"] = target
    connection.settings_dict["NAME"] = target
    connection.ensure_connection()
    return original_name


def destroy_test_database(alias, original_name):
    connection = connections[alias]
    target = connection.settings_dict["NAME"]
    connection.close()
    settings.DATABASES[alias]["NAME"] = original_name
    connection.settings_dict["NAME"] = original_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(target)} WITH (FORCE)")


# --- Back to the migrated state after a transactional test -----------------------------------
_TABLES = """
    SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname = ANY (current_schemas(false))
    ORDER BY 2
"""
_FOREIGN_KEYS = "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'"
_COLUMNS = """
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
    WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
"""


class Baseline:
    """The rows migrations left in the test database, and how to get back to them."""

    def __init__(self, connection):
        self.alias = connection.alias
        with connection.cursor() as cursor:
            cursor.execute(_TABLES)
            oids = dict(cursor.fetchall())
            by_name = {name: oid for oid, name in oids.items()}
            self.tables = sorted(by_name)
            cursor.execute(_FOREIGN_KEYS)
            # referenced table -> the tables whose foreign keys point at it
            self.referencing = {}
            for child, parent in cursor.fetchall():
                if child in oids and parent in oids and child != parent:
                    self.referencing.setdefault(oids[parent], set()).add(oids[child])
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.superuser = bool(cursor.fetchone()[0])
            self.seeds = {}  # table -> (columns, fingerprint, COPY data)
            for table, nonempty in zip(self.tables, self._nonempty(cursor, self.tables)):
                if nonempty:
                    cursor.execute(_COLUMNS, [by_name[table]])
                    columns = cursor.fetchone()[0]
                    self.seeds[table] = (columns, None, self._copy_out(connection, table, columns))
            for table, fingerprint in self._fingerprints(cursor).items():
                columns, _none, data = self.seeds[table]
                self.seeds[table] = (columns, fingerprint, data)

    @staticmethod
    def _nonempty(cursor, tables):
        if not tables:
            return []
        cursor.execute(" UNION ALL ".join(
            f"SELECT {index}, EXISTS (SELECT 1 FROM {table})" for index, table in enumerate(tables)
        ))
        found = dict(cursor.fetchall())
        return [found[index] for index in range(len(tables))]

    def _fingerprints(self, cursor):
        """Per seed table: its row count and an order-independent hash of its rows."""
        seeds = sorted(self.seeds)
        if not seeds:
            return {}
        cursor.execute(" UNION ALL ".join(
            f"SELECT {index}, count(*) || ':' || coalesce(sum(hashtextextended(row_::text, 0)), 0) "
            f"FROM {table} AS row_" for index, table in enumerate(seeds)
        ))
        found = dict(cursor.fetchall())
        return {table: found[index] for index, table in enumerate(seeds)}

    @staticmethod
    def _copy_out(connection, table, columns):
        with connection.connection.cursor() as raw, raw.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
            return b"".join(bytes(block) for block in copy)

    def dirty_tables(self, connection):
        """The tables a test left different from the baseline."""
        with connection.cursor() as cursor:
            others = [table for table in self.tables if table not in self.seeds]
            dirty = {table for table, rows in zip(others, self._nonempty(cursor, others)) if rows}
            for table, fingerprint in self._fingerprints(cursor).items():
                if fingerprint != self.seeds[table][1]:
                    dirty.add(table)
        return dirty

    def restore(self, connection):
        """Put the database back to the baseline; return the tables that were emptied."""
        dirty = self.dirty_tables(connection)
        if not dirty:
            return set()
        with transaction.atomic(using=self.alias), connection.cursor() as cursor:
            if self.superuser:
                # With triggers off (history triggers, and the foreign-key checks, which are
                # triggers too) a DELETE of the few rows a test wrote takes milliseconds; a
                # TRUNCATE makes new files for every table and index it names (0.2-0.6 s).
                cursor.execute("SET LOCAL session_replication_role = replica")
                emptied = dirty
                for table in sorted(emptied):
                    cursor.execute(f"DELETE FROM {table}")
            else:
                # TRUNCATE wants every table that references a truncated one in the statement.
                emptied, todo = set(dirty), list(dirty)
                while todo:
                    for child in self.referencing.get(todo.pop(), ()):
                        if child not in emptied:
                            emptied.add(child)
                            todo.append(child)
                cursor.execute(f"TRUNCATE {', '.join(sorted(emptied))}")
            for table in self._referenced_first([table for table in self.seeds if table in emptied]):
                columns, _fingerprint, data = self.seeds[table]
                with connection.connection.cursor() as raw, raw.copy(
                    f"COPY {table} ({columns}) FROM STDIN"
                ) as copy:
                    copy.write(data)
            if self.superuser:
                cursor.execute("SET LOCAL session_replication_role = origin")
        return emptied

    def _referenced_first(self, tables):
        """Order tables so a table comes after every table it references (deferred foreign
        keys would not mind, but a non-deferrable one would)."""
        remaining, ordered = set(tables), []
        while remaining:
            ready = sorted(
                table for table in remaining
                if not any(table in self.referencing.get(parent, ()) for parent in remaining if parent != table)
            ) or sorted(remaining)[:1]
            ordered += ready
            remaining -= set(ready)
        return ordered
