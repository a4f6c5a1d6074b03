"""A DATABASE_URL for a Django connection's settings, for child processes (a benchmark's
import, a Celery worker started by a test) that must reach the same database."""
from urllib.parse import quote


def database_url(settings_dict) -> str:
    host = settings_dict.get("HOST") or ""
    # A unix-socket directory goes in the host part, percent-encoded (dj-database-url's form).
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = ""
    if user:
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "") + "@"
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"
