"""Every foreign-key and many-to-many choice of the store-scoped admin forms offers (and so
accepts) the administrator's own stores' records only, whatever the model."""
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory

from aftersales.admin import StoreScopedAdmin
from aftersales.models import Store, User

pytestmark = pytest.mark.django_db


def scoped_admins():
    return [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, StoreScopedAdmin)]


def test_there_are_store_scoped_admin_forms():
    assert len(scoped_admins()) >= 3


def _clean(field, record):
    value = field.clean([record.pk] if isinstance(field, ModelMultipleChoiceField) else record.pk)
    return list(value) if isinstance(field, ModelMultipleChoiceField) else [value]


def test_every_scoped_choice_offers_the_admins_stores_only(personas, make_user, store_a, store_b):
    stranger = make_user("advisor", [store_b])
    request = RequestFactory().get("/admin/")
    request.user = personas["admin"]
    checked = 0
    for model_admin in scoped_admins():
        form = model_admin.get_form(request)()
        for name, field in form.fields.items():
            if not isinstance(field, ModelChoiceField):
                continue
            model = field.queryset.model
            if model is Store:
                assert set(field.queryset) == {store_a}, (model_admin, name)
                assert _clean(field, store_a) == [store_a]
                with pytest.raises(ValidationError):
                    _clean(field, store_b)
                checked += 1
            elif model is User:
                assert _clean(field, personas["advisor"]) == [personas["advisor"]], (model_admin, name)
                with pytest.raises(ValidationError):
                    _clean(field, stranger)
                checked += 1
            elif hasattr(model, "STORE_LOOKUP") or any(f.name == "store" for f in model._meta.get_fields()):
                lookup = getattr(model, "STORE_LOOKUP", "store")
                assert not field.queryset.exclude(**{lookup: store_a}).exists(), (model_admin, name)
                checked += 1
    assert checked >= 3
