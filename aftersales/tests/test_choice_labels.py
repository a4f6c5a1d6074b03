"""Choice labels come from a table per field, in the language active at the call."""
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from aftersales.choices import label_tables_for
from customers.models import ServiceVisit


def test_label_follows_the_active_language():
    visit = ServiceVisit(status=ServiceVisit.Status.CLOSED)
    with translation.override("en"):
        english = visit.get_status_display()
    with translation.override("zh-hans"):
        chinese = visit.get_status_display()
    assert english == "Closed"
    assert chinese != english and chinese


def test_unknown_value_is_shown_as_it_is():
    assert ServiceVisit(status="archived").get_status_display() == "archived"


def test_label_is_the_one_django_would_give_for_every_value():
    for value, _label in ServiceVisit.Status.choices:
        visit = ServiceVisit(status=value)
        assert visit.get_status_display() == models.Model._get_FIELD_display(
            visit, ServiceVisit._meta.get_field("status")
        )


@isolate_apps("aftersales")
def test_a_display_method_the_model_writes_itself_is_kept():
    class Shelf(models.Model):
        state = models.CharField(max_length=5, choices=[("a", "A")])

        def get_state_display(self):
            return "own"

        class Meta:
            app_label = "aftersales"

    label_tables_for([Shelf])
    assert Shelf(state="a").get_state_display() == "own"
