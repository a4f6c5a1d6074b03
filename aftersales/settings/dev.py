"""Development flavour: `make run` and `make test` start the servers and export their URLs."""
import os
from pathlib import Path
from urllib.parse import quote

_data = Path(__file__).resolve().parent.parent.parent / ".data"
# `make run` writes the URLs of the embedded servers here, so `manage.py shell` in another
# terminal talks to the same PostgreSQL and Redis without any setup.
_services_env = _data / "services.env"
if _services_env.exists():
    for _line in _services_env.read_text().splitlines():
        _key, _, _value = _line.partition("=")
        if _key and _value:
            os.environ.setdefault(_key, _value)

# Otherwise the embedded servers' sockets (scripts/dev.py puts them there), so commands that
# need no database (makemigrations --check, makemessages) work, and the others say plainly
# that nothing listens.
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@{quote(str(_data / 'postgres'), safe='')}/aftersales")
os.environ.setdefault("REDIS_URL", f"unix://{_data / 'redis' / 'redis.sock'}?db=0")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from .base import *  # noqa: E402,F401,F403

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Serve static files straight from static/ (no collectstatic in development and tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
