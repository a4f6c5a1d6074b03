"""Settings shared by every flavour. Everything that differs per machine comes from the environment."""
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pgtrigger
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from .env import celery_broker_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / ".data")))

SECRET_KEY = env_str("SECRET_KEY", required=True)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Form widgets render through TEMPLATES (FORM_RENDERER below), so Django's own widget
    # templates must be found there too.
    "django.forms",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "csp",
    "aftersales",
    "customers",
    "visits",
    "complaints",
    "appointments",
    "kpi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Django's `date` filter, written by strftime for the numeric formats the pages use.
            "builtins": ["aftersales.templatetags.fast_dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.navigation.navigation",
            ],
        },
    },
    # The rows of the longest tables only, included from Django templates by `{% jinja %}`
    # (aftersales/templatetags/jinja.py): fifty rows of ten cells through Django's engine took
    # 4.4 ms on a slow machine, through Jinja2 0.7 ms. The cells arrive as plain text.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "aftersales.jinja.environment"},
    },
]

# Widgets render through the project's templates, so templates/django/forms/widgets/select.html
# can write a select's options in one loop: Django's includes two templates per option, which on
# a filter form with a few hundred options (stores, departments) cost more than the list's queries.
# The plain <input> widgets are written in Python (aftersales/widget_rendering.py), three
# templates fewer per field.
FORM_RENDERER = "aftersales.widget_rendering.WidgetRenderer"

# --- History ---------------------------------------------------------------------------------
# Statement-level history triggers: one INSERT of event rows per statement, so an import of
# 100,000 rows writes its history in a few statements instead of 100,000 trigger calls.
PGHISTORY_LEVEL = pgtrigger.Statement
# Only requests that may write carry the user and URL to the triggers. For a GET, pghistory would
# wrap every query of the page to look for a write to tag (1–2 ms on the customer page), and GET
# pages write nothing.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- Database --------------------------------------------------------------------------------
# Web processes (wsgi.py, asgi.py, runserver) default to a 15 s statement timeout so one slow
# query cannot pin a worker; everything else (Celery, migrations, backups, imports) runs
# without one unless DB_STATEMENT_TIMEOUT_MS says otherwise.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 0)
DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000)


def _database(url):
    database = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
    database.setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
        f" -c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}"
    )
    # Prepared statements are allowed on the connection, and made only by
    # aftersales.prepared.fetch_prepared: Django's cursors bind on the client and never prepare,
    # and the threshold is never reached by psycopg's own counting.
    database["OPTIONS"]["prepare_threshold"] = 2 ** 31 - 1
    return database


DATABASES = {"default": _database(env_str("DATABASE_URL", required=True))}
# A streaming replica of the same database for the KPI pages, reports and exports
# (aftersales/db_routers.py): they read there and say "as of" its replay time; everything else
# and every write stays on the primary. Django's own test runner would treat it as a mirror.
REPORTS_DATABASE_URL = env_str("REPORTS_DATABASE_URL", "")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = {**_database(REPORTS_DATABASE_URL), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["aftersales.db_routers.ReportsRouter"]
# A replica further behind than this is flagged on the pages (and not used for the kept report).
REPORTS_MAX_LAG_SECONDS = env_int("REPORTS_MAX_LAG_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", required=True)
CACHES = {
    "default": {
        "BACKEND": "aftersales.cache.PooledClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aftersales",
    }
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Must exceed the longest task time limit, or Redis re-delivers a task that is still running.
    "visibility_timeout": 2 * 60 * 60,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 50 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60 * 60)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env_str("TIME_ZONE", "Asia/Shanghai")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Authentication --------------------------------------------------------------------------
AUTH_USER_MODEL = "aftersales.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend's rules, with each user's permissions and groups kept in the cache (access.py).
    "aftersales.access.CachedModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force lockout: per username and address, so one user cannot lock out a whole office.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aftersales.views.locked_out"
# Behind a reverse proxy the client's address is in X-Forwarded-For (read with django-ipware).
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# --- Security headers that hold in every flavour ---------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from Redis (one round trip, not a query per request) and written through to
# the database, so a restarted Redis logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Forms -----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Outbound messages -------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "aftersales.messaging.backends.ConsoleSmsBackend")
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(DATA_DIR / "sms")))
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET", "")
EMAIL_MESSAGE_BACKEND = "aftersales.messaging.backends.DjangoEmailBackend"
# Where staff reach the application, for links in emails (they are sent by jobs, with no request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
MARKETING_DAILY_CAP = env_int("MARKETING_DAILY_CAP", 1)

# --- Operations ------------------------------------------------------------------------------
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
# A beat heartbeat older than this means the scheduler is not running.
BEAT_HEARTBEAT_MAX_AGE = timedelta(seconds=env_int("BEAT_HEARTBEAT_MAX_AGE_SECONDS", 120))
HEALTH_WORKER_PING_TIMEOUT = float(env_str("HEALTH_WORKER_PING_TIMEOUT", "1.0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # axes logs every start and every login at INFO; keep lockouts and warnings only.
        "axes": {"level": "WARNING"},
    },
}
