"""The admin site speaks the user's language: it has the language switch, and every app and
model it lists (third-party ones included) is named in Chinese."""
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = pytest.mark.django_db


def test_every_app_and_model_of_the_admin_site_has_a_chinese_name():
    untranslated = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            names = [str(model._meta.verbose_name_plural), str(apps.get_app_config(model._meta.app_label).verbose_name)]
            untranslated += [f"{model._meta.label}: {name}" for name in names if not CJK.search(name)]
    assert not untranslated, untranslated


def test_the_admin_index_shows_no_english_third_party_labels(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "x-very-secret-1")
    client.force_login(superuser)
    body = client.get(reverse("admin:index")).content.decode()
    for english in ("Access attempts", "Access logs", "Access failures", "Axes"):
        assert english not in body, english


def test_the_admin_site_has_the_language_switch(client, personas):
    client.force_login(personas["admin"])
    body = client.get(reverse("admin:index")).content.decode()
    assert 'data-testid="language-switch"' in body and f'action="{reverse("set_language")}"' in body
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("admin:index")})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert '<html lang="en"' in client.get(reverse("admin:index")).content.decode()
