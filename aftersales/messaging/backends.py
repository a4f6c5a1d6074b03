"""Where messages leave the system, chosen in settings like Django's email backends.

A provider is one small class with `send(message) -> provider message id`. Every call carries
the message's idempotency key, so a send repeated after a crash is recognised by the provider
and delivered once.
"""
import json
import os
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


class SendError(Exception):
    """The provider did not take the message; it will be retried."""


class ConsoleSmsBackend:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, message):
        with self._lock:
            self.stream.write(f"SMS to {message.to} [{message.idempotency_key}]: {message.body}\n")
        return f"console-{message.pk}"


class FileSmsBackend:
    """One JSON file per message, named by its idempotency key: a repeated send finds the
    file and does not write a second one (as a provider that honours the key would)."""

    def __init__(self, directory=None):
        self.directory = Path(directory or settings.SMS_FILE_PATH)

    def send(self, message):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self._write(message)

    def send_many(self, messages):
        """A batch: the directory checked once, then a file each (O_EXCL: the key decides)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return [self._write(message) for message in messages]

    def _write(self, message):
        name = _safe(message.idempotency_key)
        content = json.dumps({"mobile": message.to, "text": message.body,
                              "idempotency_key": message.idempotency_key}, ensure_ascii=False).encode()
        try:
            handle = os.open(self.directory / f"{name}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return f"file-{name}"
        try:
            os.write(handle, content)
        finally:
            os.close(handle)
        return f"file-{name}"


class HttpSmsBackend:
    """A JSON POST to the provider: mobile, text, sign name and idempotency key."""

    def __init__(self, url=None, token=None, timeout=10):
        self.url = url or settings.SMS_HTTP_URL
        self.token = token or settings.SMS_HTTP_TOKEN
        self.timeout = timeout

    def send(self, message):
        payload = json.dumps({
            "mobile": message.to,
            "text": message.body,
            "sign_name": message.sign_name,
            "idempotency_key": message.idempotency_key,
        }, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url, data=payload, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                     "Idempotency-Key": message.idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SendError(f"SMS provider: {error}") from error
        return str(body.get("message_id", ""))


class DjangoEmailBackend:
    """Email through Django's configured email backend."""

    def send(self, message):
        email = EmailMessage(
            subject=message.subject, body=message.body, to=[message.to],
            headers={"X-Idempotency-Key": message.idempotency_key},
        )
        try:
            email.send()
        except Exception as error:  # SMTP errors of every kind are retried
            raise SendError(f"email: {error}") from error
        return message.idempotency_key


def _safe(key):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:150]


_backends = {}


def backend_for(channel):
    """The configured backend of a channel (one instance per process)."""
    if channel not in _backends:
        path = settings.SMS_BACKEND if channel == "sms" else settings.EMAIL_MESSAGE_BACKEND
        _backends[channel] = import_string(path)()
    return _backends[channel]


def reset_backends():
    _backends.clear()
