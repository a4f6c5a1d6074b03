"""Factories for every test in the project, in one place."""
import factory
from django.contrib.auth.models import Group

from aftersales.demo import DemoData
from aftersales.models import Department, Store, User
from aftersales.roles import ROLES

TEST_PASSWORD = "correct-horse-42"
_names = DemoData(seed=7)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"s{n:03d}")
    name = factory.Sequence(lambda n: f"测试{n}号4S店")
    address = "北京市朝阳区测试路1号"
    phone = "010-12345678"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    store = factory.SubFactory(StoreFactory)
    kind = Department.Kind.WORKSHOP
    name = factory.Sequence(lambda n: f"车间{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyFunction(_names.person_name)
    mobile = factory.LazyFunction(_names.mobile)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):
        if create and extracted:
            self.stores.set(extracted)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`UserFactory(role="advisor")` puts the user in that role's group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if ROLES[extracted].is_staff:
                self.is_staff = True
        if create:
            self.save()
