import pytest
from django.core.management import call_command

from aftersales.demo import PROVINCES, DemoData
from aftersales.models import Department, Store, User
from aftersales.roles import ROLES
from aftersales.seeding import DEMO_PASSWORD
from customers.vin import is_valid_vin

pytestmark = pytest.mark.django_db


def counts():
    return Store.objects.count(), Department.objects.count(), User.objects.count()


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first == (2, 10, 13)


def test_every_role_has_a_user_in_each_store_who_can_log_in():
    call_command("seed_demo")
    for store in Store.objects.all():
        for role in ROLES:
            user = User.objects.get(username=f"{role}_{store.code}")
            assert user.role.name == role
            assert list(user.stores.all()) == [store]
            assert user.check_password(DEMO_PASSWORD)


def test_seed_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "cs_agent_bj" in out and "director" in out


def test_demo_identities_are_realistic():
    demo = DemoData(seed=1)
    for _ in range(200):
        assert is_valid_vin(demo.vin())
        mobile = demo.mobile()
        assert len(mobile) == 11 and mobile.startswith("1")
        plate = demo.plate()
        assert len(plate) == 7 and plate[0] in PROVINCES
        assert len(demo.plate(new_energy=True)) == 8
        assert 2 <= len(demo.person_name()) <= 3
