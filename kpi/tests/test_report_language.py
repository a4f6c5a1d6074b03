"""The monthly report email is written in each reader's own language (User.language); the
figures kept are the same for every reader."""
import pytest

from aftersales.messaging.models import OutboundMessage
from kpi.services import build_monthly_reports

from .month import build_october
from .test_monthly_job import FIRST_OF_NOVEMBER

pytestmark = pytest.mark.django_db


def test_a_director_who_works_in_english_reads_the_monthly_report_in_english(make_user, store_a, personas):
    manager = make_user("manager", [store_a], username="ma", email="ma@example.cn")
    director = make_user("manager", [], username="dir", email="dir@example.cn", all_stores=True, language="en")
    build_october(store_a, agent=personas["cs_agent"], supervisor=personas["cs_supervisor"],
                  advisor=personas["advisor"])
    build_monthly_reports(now=FIRST_OF_NOVEMBER)
    english = OutboundMessage.objects.get(kind="monthly_report", to=director.email)
    chinese = OutboundMessage.objects.get(kind="monthly_report", to=manager.email)
    assert english.language == "en" and "Return-visit rate: 80.0%" in english.context["summary"]
    assert chinese.language == "zh-hans" and "回访率: 80.0%" in chinese.context["summary"]
