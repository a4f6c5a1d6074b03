"""A user's own language (User.language): kept by the language switch, followed on a computer
where the switch was never used, and by every report and reminder emailed to them."""
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def switch(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": "/"})


def test_switching_language_signed_in_keeps_it_on_the_user(client, personas):
    advisor = personas["advisor"]
    client.force_login(advisor)
    switch(client, "en")
    advisor.refresh_from_db()
    assert advisor.language == "en" and advisor.working_language == "en"


def test_a_language_that_is_not_offered_is_not_kept(client, personas):
    advisor = personas["advisor"]
    client.force_login(advisor)
    switch(client, "fr")
    advisor.refresh_from_db()
    assert advisor.language == "" and advisor.working_language == "zh-hans"


def test_a_new_computer_opens_in_the_users_own_language(client, personas):
    manager = personas["manager"]
    manager.language = "en"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    page = client.get(reverse("customers:list"))
    assert '<html lang="en">' in page.content.decode()


def test_the_switch_on_this_computer_wins_over_the_users_language(client, personas):
    manager = personas["manager"]
    manager.language = "en"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("customers:list")).content.decode()


def test_switching_on_the_login_page_changes_no_user(client, personas):
    response = switch(client, "en")
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not type(personas["advisor"]).objects.exclude(language="").exists()
