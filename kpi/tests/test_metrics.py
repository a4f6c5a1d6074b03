"""Each figure's definition on a hand-built month (kpi/tests/month.py), zero denominators, and
the drill-down lists counting exactly the records of each figure."""
import pytest
from django.http import QueryDict
from django.test import RequestFactory

from appointments.filters import AppointmentFilter
from complaints.filters import ComplaintFilter
from customers.filters import CustomerFilter, ServiceVisitFilter
from customers.models import Customer, ServiceVisit
from kpi import metrics
from kpi.metrics import EMPTY, FIGURES, Period
from visits.filters import DissatisfactionFilter, FollowUpFilter, SurveyFilter

from .month import EXPECTED, OCTOBER, SHANGHAI, build_october


@pytest.fixture
def october(store_a, personas):
    return build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])


def month_table(store, **kwargs):
    return metrics.compute(store_ids=[store.pk], period=Period.month(*OCTOBER), zone=SHANGHAI, **kwargs)


@pytest.mark.django_db
def test_every_figure_of_the_hand_built_month(store_a, october):
    row = month_table(store_a).get(())
    got = {key: (row[key].numerator, row[key].denominator, row[key].value) for key in EXPECTED}
    assert got == EXPECTED


@pytest.mark.django_db
def test_a_store_s_month_costs_one_query_per_source(store_a, october, django_assert_num_queries):
    with django_assert_num_queries(len(metrics.SOURCES)):
        month_table(store_a)


@pytest.mark.django_db
def test_figures_by_store_match_the_store_s_own(store_a, store_b, october):
    by_store = metrics.compute(store_ids=[store_a.pk, store_b.pk], period=Period.month(*OCTOBER), zone=SHANGHAI,
                               by=("store",))
    assert by_store.get((store_a.pk,), "return_visit_rate").value == EXPECTED["return_visit_rate"][2]
    assert by_store.get((store_b.pk,)) == {}


@pytest.mark.django_db
def test_monthly_buckets_split_september_from_october(store_a, october):
    table = metrics.compute(store_ids=[store_a.pk], period=Period("span", Period.month(2026, 9).start,
                            Period.month(2026, 11).end), zone=SHANGHAI, bucket="month")
    september = table.get((Period.month(2026, 9).start,))
    october_row = table.get((Period.month(*OCTOBER).start,))
    november = table.get((Period.month(2026, 11).start,))
    assert september["complaints"].numerator == 1  # c1
    assert october_row["complaints"].numerator == 3
    assert october_row["return_visit_rate"].value == EXPECTED["return_visit_rate"][2]
    assert november["satisfaction_rate"].numerator == 1  # f6's survey
    assert "churn_rate" not in october_row  # a snapshot has no history


@pytest.mark.django_db
def test_by_kind_of_call_and_by_department(store_a, october):
    by_type = month_table(store_a, by=("repair_type",))
    assert by_type.get(("warranty",), "return_visit_rate").value == 50
    assert by_type.get(("maintenance",), "return_visit_rate").value == 100  # f1, f2, f5 all made
    by_department = month_table(store_a, by=("department",))
    assert by_department.get((october["department"].pk,), "reopened").numerator == 1
    assert "return_visit_rate" not in by_department.get((october["department"].pk,))


@pytest.mark.django_db
def test_zero_denominators_show_a_dash(store_a):
    row = month_table(store_a).get(())
    for key, value in row.items():
        if FIGURES[key].denominator:
            assert (value.denominator, value.value, value.display) == (0, None, EMPTY), key
        else:
            assert value.display == "0", key
    for key in FIGURES:
        value = metrics.empty_value(key, Period.month(*OCTOBER))
        if FIGURES[key].denominator:
            assert value.value is None and value.display == EMPTY
        else:
            assert value.display == "0"


@pytest.mark.django_db
def test_calls_due_but_none_made_have_no_contact_rate(store_a):
    from aftersales.tests.factories import FollowUpFactory
    import datetime as dt

    FollowUpFactory(store=store_a, due_on=dt.date(2026, 10, 5))
    row = month_table(store_a).get(())
    assert (row["return_visit_rate"].display, row["contact_rate"].display) == ("0.0%", EMPTY)


def _request(user, url):
    path, _sep, query = url.partition("?")
    request = RequestFactory().get(path, QueryDict(query))
    request.user = user
    return request, QueryDict(query)


@pytest.mark.django_db
def test_every_drill_down_lists_exactly_what_its_figure_counts(store_a, october, personas):
    manager = personas["manager"]
    row = month_table(store_a, by=("store",)).get((store_a.pk,))
    checked = 0
    for key, value in row.items():
        url = value.drill_url
        if url is None:
            continue
        request, params = _request(manager, url)
        if url.startswith("/appointments/"):
            count = AppointmentFilter(params, request=request).qs.count()
        elif url.startswith("/visits/"):
            count = _visits_list_count(url, params, request)
        elif url.startswith("/complaints/"):
            count = ComplaintFilter(params, request=request).qs.count()
        elif url.startswith("/customers/repair-orders/"):
            count = ServiceVisitFilter(params, queryset=ServiceVisit.objects.filter(store=store_a),
                                       request=request).qs.count()
        else:
            count = CustomerFilter(params, queryset=Customer.objects.active(), request=request).qs.count()
        expected = value.denominator if value.figure.drill_counts == "denominator" else value.numerator
        assert count == expected, (key, url)
        checked += 1
    assert checked >= 17 + 4 + 2 * 7


VISITS_LISTS = {"/visits/calls/": FollowUpFilter, "/visits/surveys/": SurveyFilter,
                "/visits/dissatisfactions/": DissatisfactionFilter}


def _visits_list_count(url, params, request):
    return VISITS_LISTS[url.partition("?")[0]](params, request=request).qs.count()


CALL_AND_SURVEY_FIGURES = ["return_visit_rate", "contact_rate", "warranty_return_visit_rate", "satisfaction_rate",
                           "average_score", "fixed_right_first_time", "dissatisfactions",
                           *[f"satisfaction_{name}" for name in ("booking", "advisor", "pickup_price")]]


@pytest.mark.django_db
@pytest.mark.parametrize("by", [(), ("advisor",), ("repair_type",)])
def test_the_call_and_survey_lists_count_exactly_each_call_and_survey_figure(store_a, october, personas, by):
    from customers.models import ServiceVisit

    # Two advisors' repair orders, so that the advisor's drill-down is not the whole store's.
    f1, f2, *_rest = october["followups"]
    ServiceVisit.objects.filter(pk__in=[f1.visit_id, f2.visit_id]).update(advisor=personas["advisor"])
    table = month_table(store_a, by=by, figures=CALL_AND_SURVEY_FIGURES)
    checked = 0
    for key, row in table.rows.items():
        for figure_key in CALL_AND_SURVEY_FIGURES:
            value = row.get(figure_key)
            if value is None or value.drill_url is None:
                continue
            request, params = _request(personas["manager"], value.drill_url)
            expected = value.denominator if value.figure.drill_counts == "denominator" else value.numerator
            assert _visits_list_count(value.drill_url, params, request) == expected, (by, key, figure_key)
            checked += 1
    assert checked >= len(CALL_AND_SURVEY_FIGURES)


@pytest.mark.django_db
def test_calls_without_a_repair_order_have_no_drill_down_by_repair_type(store_a, october, personas):
    from visits.models import FollowUp

    FollowUp.objects.filter(pk=october["followups"][0].pk).update(visit=None)
    by_type = month_table(store_a, by=("repair_type",), figures=["return_visit_rate"])
    assert by_type.get((None,), "return_visit_rate").drill_url is None
    value = by_type.get(("maintenance",), "return_visit_rate")
    request, params = _request(personas["manager"], value.drill_url)
    assert FollowUpFilter(params, request=request).qs.count() == value.numerator


@pytest.mark.django_db
def test_the_calls_drill_down_by_kind_of_call(store_a, october, personas):
    row = month_table(store_a, by=("kind",), figures=["return_visit_rate"])
    for key, values in row.rows.items():
        value = values["return_visit_rate"]
        request, params = _request(personas["manager"], value.drill_url)
        assert "kind=" in value.drill_url
        assert FollowUpFilter(params, request=request).qs.count() == value.numerator, key


@pytest.mark.django_db
def test_appointment_figures_by_channel_and_advisor(store_a, october, personas):
    by_channel = month_table(store_a, by=("channel",))
    assert by_channel.get(("online",), "no_show_rate").value == 100
    assert by_channel.get(("maintenance_reminder",), "show_rate").value == 100
    assert "appointment_rate" not in by_channel.get(("online",))  # a walk-in has no channel
    by_advisor = month_table(store_a, by=("advisor",))
    mine = by_advisor.get((personas["advisor"].pk,))
    assert (mine["appointment_rate"].numerator, mine["appointment_rate"].denominator) == (2, 3)
    assert (mine["show_rate"].numerator, mine["show_rate"].denominator) == (2, 2)
    request, params = _request(personas["manager"], mine["d2_confirmation_rate"].drill_url)
    assert AppointmentFilter(params, request=request).qs.count() == 2
    assert by_advisor.get((None,), "no_show_rate").numerator == 1  # a2, booked online
    assert by_advisor.get((None,), "no_show_rate").drill_url is None


@pytest.mark.django_db
def test_care_figures_by_month_bucket(store_a, october):
    table = metrics.compute(store_ids=[store_a.pk], period=Period("span", Period.month(2026, 9).start,
                            Period.month(2026, 11).end), zone=SHANGHAI, bucket="month", figures=["won_back",
                            "renewal_rate", "show_rate"])
    september = table.get((Period.month(2026, 9).start,))
    november = table.get((Period.month(2026, 11).start,))
    assert (september["won_back"].numerator, september["won_back"].denominator) == (0, 1)  # w3
    assert (november["renewal_rate"].numerator, november["renewal_rate"].denominator) == (1, 1)  # r7
    assert (november["show_rate"].numerator, november["show_rate"].denominator) == (0, 1)  # a5


@pytest.mark.django_db
def test_the_appointment_list_counts_exactly_each_appointment_figure(store_a, october, personas):
    row = month_table(store_a).get(())
    for key in ("appointment_rate", "show_rate", "no_show_rate", "online_share", "d2_confirmation_rate"):
        request, params = _request(personas["manager"], row[key].drill_url)
        assert AppointmentFilter(params, request=request).qs.count() == row[key].numerator, key
