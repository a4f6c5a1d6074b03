"""Reached without a staff login: by the SMS provider (and, later, the public pages)."""
from django.urls import path

from . import webhooks

app_name = "messaging_public"
urlpatterns = [
    path("sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
]
