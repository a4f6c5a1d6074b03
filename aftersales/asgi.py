import os

from django.core.asgi import get_asgi_application

from aftersales.server import settle_startup_heap

# A server started without DJANGO_SETTINGS_MODULE must not fall back to development settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.production")
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "15000")

application = get_asgi_application()
settle_startup_heap()
