"""A complaint opened from a survey is written as a sentence a department head can read, with
Chinese punctuation in Chinese and a proper sentence in English."""
import datetime as dt
import zoneinfo

import pytest
from django.utils import translation

from aftersales.tests.factories import FollowUpFactory
from complaints.models import Complaint
from visits.services import record_attempt

NOW = dt.datetime(2026, 11, 2, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
UNHAPPY = {"overall": 2, "booking": 5, "advisor": 5, "repair_quality": 2, "timeliness": 5, "facility": 5,
           "pickup_price": 5, "fixed_right": False, "comment": "刹车还是有异响"}

pytestmark = pytest.mark.django_db


def complaint_from_call(store, agent, answers, language):
    followup = FollowUpFactory(store=store, due_on=NOW.date())
    with translation.override(language):
        record_attempt(followup_id=followup.pk, agent=agent, outcome="reached", now=NOW, answers=answers)
    return Complaint.objects.get()


def test_in_chinese_the_finding_reads_as_a_sentence_with_chinese_punctuation(store_a, personas):
    text = complaint_from_call(store_a, personas["cs_agent"], UNHAPPY, "zh-hans").description
    assert text == "回访时客户对总体满意度（2分）和维修质量（2分）不满意，车辆问题未能一次修好。客户原话：“刹车还是有异响”。"
    assert ", " not in text and ": " not in text


def test_in_english_the_finding_reads_as_an_english_sentence(store_a, personas):
    text = complaint_from_call(store_a, personas["cs_agent"], UNHAPPY, "en").description
    assert text == (
        "On the return-visit call the customer was dissatisfied with overall satisfaction (2 of 5) and "
        "repair quality (2 of 5), and the problem was not fixed right the first time. "
        "In the customer's words: “刹车还是有异响”."
    )


def test_three_reasons_are_listed_with_the_chinese_enumeration_comma(store_a, personas):
    answers = {**UNHAPPY, "fixed_right": True, "timeliness": 1, "comment": ""}
    text = complaint_from_call(store_a, personas["cs_agent"], answers, "zh-hans").description
    assert text == "回访时客户对总体满意度（2分）、维修质量（2分）和及时性（1分）不满意。"


def test_only_not_fixed_right_reads_as_its_own_sentence(store_a, personas):
    answers = {**UNHAPPY, "overall": 4, "repair_quality": 4, "comment": ""}
    text = complaint_from_call(store_a, personas["cs_agent"], answers, "zh-hans").description
    assert text == "回访时客户反映车辆问题未能一次修好。"
