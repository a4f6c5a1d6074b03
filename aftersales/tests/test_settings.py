"""Settings come from the environment; production is locked down; pages carry a strict CSP."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
STRONG_KEY = "k3J9x-wQz7_VbN2mPa8RtYc5LdF4hGs6KjE1uIo0pAzXcVbNmQwErTyUiOp"


def run_manage(*args, env_overrides, drop=()):
    # The browser tests allow sync ORM calls beside Playwright's loop; a deployment never does.
    drop = {*drop, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_check_deploy_is_clean():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "aftersales.settings.production",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "service.example.cn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_required_variables(missing):
    env = {
        "DJANGO_SETTINGS_MODULE": "aftersales.settings.production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "service.example.cn",
    }
    env.pop(missing, None)
    result = run_manage("check", env_overrides=env, drop=[missing])
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_cookies_are_secure_and_hsts_is_on():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.DEBUG)",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "aftersales.settings.production",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "service.example.cn",
        },
    )
    assert result.stdout.split() == ["True", "True", "31536000", "True", "False"]


def test_defaults_are_shanghai_time_and_simplified_chinese():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_web_connections_have_statement_and_idle_timeouts():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        idle = cursor.fetchone()[0]
    assert statement == "15s"
    assert idle == "1min"


SHOW_OPTIONS = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"


def test_background_processes_run_without_statement_timeout():
    result = run_manage(
        "shell", "--no-imports", "-c", SHOW_OPTIONS,
        env_overrides={"DJANGO_SETTINGS_MODULE": "aftersales.settings.dev"},
        drop=["DB_STATEMENT_TIMEOUT_MS"],
    )
    assert "statement_timeout=0 " in result.stdout


def test_the_wsgi_server_gets_the_web_statement_timeout_and_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DB_STATEMENT_TIMEOUT_MS")}
    env.update(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="service.example.cn")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import aftersales.wsgi; " + SHOW_OPTIONS
         + "; print(s.SETTINGS_MODULE); import gc; print('frozen', gc.get_freeze_count())"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert "statement_timeout=15000 " in result.stdout, result.stderr
    assert "aftersales.settings.production" in result.stdout
    # The startup heap is frozen: full collections no longer walk Django and the apps.
    assert int(re.search(r"frozen (\d+)", result.stdout).group(1)) > 100_000


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, personas):
    client.force_login(personas["admin"])
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "home", "store_list", "system_health"])
def test_pages_have_no_inline_scripts_or_styles(client, personas, url_name):
    if url_name != "login":
        client.force_login(personas["admin"])
    body = client.get(reverse(url_name)).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, tag
    assert "<style" not in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"\son[a-z]+=", body)
