"""Links reversed once (aftersales/links.py) are the links reverse() gives."""
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from aftersales.links import path_of, url_of


def test_a_path_is_what_reverse_gives():
    assert path_of("complaints:list") == reverse("complaints:list")


def test_a_path_follows_the_script_prefix():
    try:
        set_script_prefix("/aftersales/")
        assert path_of("complaints:list") == reverse("complaints:list") == "/aftersales/complaints/"
    finally:
        set_script_prefix("/")
    assert path_of("complaints:list") == "/complaints/"


@override_settings(ROOT_URLCONF="aftersales.tests.urls_elsewhere")
def test_a_path_follows_another_url_configuration():
    assert path_of("complaints:list") == "/elsewhere/complaints/"


def test_a_row_link_is_what_reverse_gives_for_its_key():
    assert url_of("customers:detail")(42) == reverse("customers:detail", args=[42])
