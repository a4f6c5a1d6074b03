"""The UI speaks Simplified Chinese first, and English; the catalogue is complete and compiled."""
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_compiled_catalogue_matches_the_source():
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.pofile(str(PO))
              if not e.obsolete}
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))
                if e.msgid}
    assert compiled == source, "run scripts/compile_messages.py and commit locale/"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_catalogue_holds_every_translatable_string_in_the_code(tmp_path):
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".data", ".git", "node_modules", "vendor",
                                      "staticfiles", "__pycache__", "*.mo"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy, check=True, capture_output=True,
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / PO.relative_to(root)))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"


@pytest.mark.django_db
def test_pages_speak_chinese_by_default(client, personas):
    client.force_login(personas["advisor"])
    body = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in body
    assert "工作台" in body and "退出登录" in body


@pytest.mark.django_db
def test_language_switch_turns_the_page_english(client, personas):
    client.force_login(personas["advisor"])
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    body = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in body
    assert "Workbench" in body and "Log out" in body


@pytest.mark.django_db
def test_language_switch_works_before_login(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    body = client.get(reverse("login")).content.decode()
    assert "Log in" in body


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    body = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"}).content
    assert "登录" in body.decode()


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert 'lang="zh-hans"' in client.get(reverse("login")).content.decode()
