"""Reached without a staff login: by the SMS provider, and by customers."""
from django.urls import path

from . import preferences, webhooks

app_name = "messaging_public"
urlpatterns = [
    path("sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
    path("<slug:store_code>/sms/", preferences.sms_preferences, name="sms_preferences"),
]
