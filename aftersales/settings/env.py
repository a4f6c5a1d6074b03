"""Reading settings from the environment, kept apart so every flavour parses alike."""
import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def redis_with_db(url, db):
    """The same Redis server, another logical database (tests keep to their own)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = parse_qs(parts.query)
        query["db"] = [str(db)]
        # Built by hand: urlunsplit drops the empty authority ("unix:/path" is not understood).
        return f"unix://{parts.path}?{urlencode(query, doseq=True)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def celery_broker_url(url):
    """Celery spells a Redis unix socket `redis+socket://`; redis-py and Django spell it `unix://`."""
    parts = urlsplit(url)
    if parts.scheme != "unix":
        return url
    query = parse_qs(parts.query)
    db = query.pop("db", ["0"])[0]
    query["virtual_host"] = [db]
    return f"redis+socket://{parts.path}?{urlencode(query, doseq=True)}"
