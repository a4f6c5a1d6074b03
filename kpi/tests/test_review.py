"""The monthly review: advisor scorecard, mystery-shopper checks and corrective actions."""
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import ServiceVisit
from kpi import metrics
from kpi.metrics import Period
from kpi.models import CorrectiveAction, MysteryShopperCheck, MysteryShopperPolicy
from kpi.views_review import scorecard_rows

from .month import SHANGHAI, build_october

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)


@pytest.fixture
def october(store_a, personas):
    return build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                         advisor=personas["advisor"])


@pytest.fixture
def advisors(make_user, store_a, october, personas):
    one = make_user("advisor", [store_a], username="adv1", full_name="甲顾问")
    two = make_user("advisor", [store_a], username="adv2", full_name="乙顾问")
    f1, f2, f3, _f4, f5, *_rest = october["followups"]
    ServiceVisit.objects.filter(pk__in=[f1.visit_id, f5.visit_id]).update(advisor=one)
    ServiceVisit.objects.filter(pk__in=[f2.visit_id, f3.visit_id]).update(advisor=two)
    for score, day in ((80, 5), (92, 20)):
        MysteryShopperCheck.objects.create(store=store_a, advisor=one, kind="secret", checked_on=dt.date(2026, 10, day),
                                           score=score, recorded_by=personas["cs_supervisor"])
    return one, two


def test_the_scorecard_shows_each_advisor_s_results(store_a, advisors):
    one, two = advisors
    rows, _policy = scorecard_rows(store_a, OCTOBER)
    by_name = {row["advisor"].username: row for row in rows}
    first, second = by_name["adv1"]["values"], by_name["adv2"]["values"]
    # adv1: f1 (reached, 5) and f5 (reached, 1, a dissatisfaction and its complaint c4).
    assert (first["return_visit_rate"].value, first["satisfaction_rate"].value) == (100, 50)
    assert (first["dissatisfactions"].numerator, first["complaints"].numerator) == (1, 1)
    assert first["mystery_shopper_score"].value == 86 and by_name["adv1"]["ms_band"] == "short"
    # adv2: f2 (reached, 3) and f3 (unreachable); no complaint, no check.
    assert (second["return_visit_rate"].value, second["contact_rate"].value) == (100, 50)
    assert second["complaints"].numerator == 0 and second["mystery_shopper_score"].display == "—"
    # The advisor of the month's appointments: a1 and a4 came, with one walk-in; both confirmed.
    booked = by_name["advisor_a"]["values"]
    assert (booked["appointment_rate"].numerator, booked["appointment_rate"].denominator) == (2, 3)
    assert (booked["show_rate"].value, booked["d2_confirmation_rate"].value) == (100, 100)


def test_the_scorecard_exports_to_excel(client, personas, advisors, settings):
    client.force_login(personas["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("kpi:store_scorecard_xlsx", args=["a", 2026, 10]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    one = next(row for row in rows if row[0] == "甲顾问")
    assert one[header.index("Mystery-shopper score")] == 86.0
    assert client.get(reverse("kpi:store_scorecard", args=["a", 2026, 10])).status_code == 200


def test_the_store_s_thresholds_decide_the_bands(store_a):
    MysteryShopperPolicy.objects.create(store=store_a, poor_below=80, target=95)
    policy = MysteryShopperPolicy.for_store(store_a.pk)
    assert [policy.band(score) for score in (79, 80, 94, 95)] == ["poor", "short", "short", "good"]
    assert MysteryShopperPolicy.for_store(0).band(86) == "short"  # the seed's 85 / 90


def test_customer_service_records_a_check_and_bad_input_changes_nothing(client, personas, store_a, make_user):
    advisor = make_user("advisor", [store_a], username="adv")
    client.force_login(personas["cs_supervisor"])
    url = reverse("kpi:mystery_shopper")
    data = {"advisor": advisor.pk, "kind": "open", "checked_on": "2026-10-09", "score": "120",
            "passed_items": ["greeting", "delivery"]}
    response = client.post(url, data)
    assert response.status_code == 200 and "score" in response.context["form"].errors
    assert MysteryShopperCheck.objects.count() == 0
    assert client.post(url, {**data, "score": "88"}).status_code == 302
    check = MysteryShopperCheck.objects.get()
    assert (check.score, check.passed_items, check.recorded_by) == (88, ["greeting", "delivery"],
                                                                    personas["cs_supervisor"])
    client.force_login(personas["manager"])
    assert client.get(url).status_code == 200
    assert client.post(url, {**data, "score": "90"}).status_code == 403
    client.force_login(personas["cs_agent"])
    assert client.get(url).status_code == 403


def test_a_corrective_action_from_a_red_figure_shows_before_and_after(client, personas, store_a, october):
    manager, owner = personas["manager"], personas["dept_head"]
    client.force_login(manager)
    url = reverse("kpi:actions")
    response = client.post(f"{url}?store=a", {"title": "投诉当天受理", "figure": "acknowledged_24h",
                                              "owner": owner.pk, "due_on": "2026-12-31"})
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()
    assert action.figure_before  # this month's value when it was opened
    # Neither a figure nor a complaint: refused with the reason.
    response = client.post(url, {"title": "x", "owner": owner.pk, "due_on": "2026-12-31"})
    assert response.context["form"].non_field_errors()
    response = client.post(url, {"title": "x", "complaint": "NOPE-1", "owner": owner.pk, "due_on": "2026-12-31"})
    assert "complaint" in response.context["form"].errors and CorrectiveAction.objects.count() == 1
    # The owner moves it; someone else without the right may not.
    client.force_login(personas["cs_agent"])
    assert client.get(reverse("kpi:action_update", args=[action.pk])).status_code == 403
    client.force_login(owner)
    assert client.post(reverse("kpi:action_update", args=[action.pk]),
                       {"state": "done", "note": "早班专人受理"}).status_code == 302
    action.refresh_from_db()
    assert action.state == "done" and action.done_at is not None
    client.force_login(manager)
    report = client.get(reverse("kpi:store_report", args=["a", 2026, 10]))
    item = report.context["actions"][0]
    assert (item["before"], item["after"]) == (action.figure_before, "33.3%")


def test_an_action_from_a_complaint(client, personas, store_a, october):
    complaint = october["complaints"][1]
    client.force_login(personas["manager"])
    response = client.post(reverse("kpi:actions"), {"title": "排队叫号", "complaint": complaint.number.lower(),
                                                    "owner": personas["manager"].pk, "due_on": "2026-12-31"})
    assert response.status_code == 302
    assert CorrectiveAction.objects.get().complaint == complaint


def test_another_store_s_action_is_404(client, personas, store_b, make_user):
    other = make_user("manager", [store_b], username="mb")
    action = CorrectiveAction.objects.create(store=store_b, title="x", figure="churn_rate", owner=other,
                                             due_on=dt.date(2026, 12, 1), opened_by=other)
    client.force_login(personas["manager"])
    assert client.get(reverse("kpi:action_update", args=[action.pk])).status_code == 404


def test_mystery_shopper_score_is_a_figure_with_its_seed_target(store_a, advisors):
    table = metrics.compute(store_ids=[store_a.pk], period=OCTOBER, zone=SHANGHAI)
    assert table.get((), "mystery_shopper_score").value == 86
