"""The Celery app: Redis broker, JSON only, settings read from Django's `CELERY_*` settings.

Run one worker pool per machine and exactly one beat per deployment::

    celery -A aftersales worker -l info
    celery -A aftersales beat -l info      # exactly one, ever

Schedules live in `aftersales/schedules.py`; beat reads them from the database
(django-celery-beat), where `manage.py setup_periodic_tasks` installs them.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.production")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
