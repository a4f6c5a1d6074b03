import datetime as dt

from django.utils import translation

from aftersales.tests.factories import ServiceVisitFactory, VehicleFactory

from .. import selectors
from ..models import Appointment
from ..services import link_repair_orders, record_walk_in
from .factories import NOW, TUESDAY, at, book


def make_day(store, personas):
    advisor = personas["advisor"]
    shown = book(store, advisor, advisor=advisor)
    shown.confirm(by=advisor, now=NOW)
    shown.arrive(by=advisor, now=at(TUESDAY, 9, 50))
    book(store, None, source=Appointment.Source.ONLINE).mark_no_show(now=at(TUESDAY, 11))
    book(store, advisor).cancel(by=advisor, reason="改天", now=NOW)
    book(store, advisor, starts_at=at(TUESDAY, 15))
    record_walk_in(store=store, vehicle=VehicleFactory(owner__store=store), by=advisor, advisor=advisor,
                   now=at(TUESDAY, 11))
    return advisor


def test_counts_for_the_kpis(store_a, personas):
    advisor = make_day(store_a, personas)
    assert selectors.appointment_counts(store_a, TUESDAY, TUESDAY) == {
        "due": 3, "shown": 1, "no_shows": 1, "cancelled": 1, "online": 1}
    assert selectors.arrival_counts(store_a, TUESDAY, TUESDAY) == {"booked": 1, "walk_in": 1, "all": 2}
    assert selectors.appointment_rate(store_a, TUESDAY, TUESDAY) == 0.5
    assert selectors.confirmation_counts(store_a, TUESDAY, TUESDAY) == {"to_confirm": 3, "confirmed": 1}
    assert selectors.arrival_counts(store_a, TUESDAY, TUESDAY, by="advisor")[advisor.pk] == {
        "booked": 1, "walk_in": 1, "all": 2}
    by_source = selectors.appointment_counts(store_a, TUESDAY, TUESDAY, by="source")
    assert by_source["online"]["no_shows"] == 1 and by_source["phone"]["due"] == 2
    assert selectors.appointment_counts(store_a, TUESDAY + dt.timedelta(days=1), TUESDAY + dt.timedelta(days=1))[
        "due"] == 0


def test_masking():
    assert selectors.mask_name("张三", "male") == "张**Mr"
    assert selectors.mask_plate("京A12345") == "京A·***45"


def test_the_kpi_counts_agree_with_the_store_counts(store_a, personas):
    from zoneinfo import ZoneInfo

    advisor = make_day(store_a, personas)
    zone = ZoneInfo("Asia/Shanghai")
    week = {"store_ids": [store_a.pk], "start": TUESDAY, "end": TUESDAY + dt.timedelta(days=1), "zone": zone}
    [row] = selectors.kpi_appointment_counts(**week)
    assert {key: row[key] for key in ("due", "shown", "no_shows", "cancelled", "online")} == \
        selectors.appointment_counts(store_a, TUESDAY, TUESDAY)
    assert (row["confirmed"], row["from_reminder"]) == (1, 0)
    assert selectors.kpi_arrival_counts(**week) == [selectors.arrival_counts(store_a, TUESDAY, TUESDAY)]
    by_channel = {r["channel"]: r for r in selectors.kpi_appointment_counts(**week, by=("channel",))}
    assert by_channel["online"]["no_shows"] == 1 and by_channel["phone"]["due"] == 2
    [by_advisor] = [r for r in selectors.kpi_arrival_counts(**week, by=("store", "advisor"), bucket="month")
                    if r["advisor"] == advisor.pk]
    assert (by_advisor["store"], by_advisor["bucket"], by_advisor["all"]) == (store_a.pk, dt.date(2026, 12, 1), 2)
    assert selectors.kpi_today(store_ids=[store_a.pk], day=TUESDAY, zone=zone) == {"due": 3, "shown": 1}
    next_day = {**week, "start": week["end"], "end": week["end"] + dt.timedelta(days=1)}
    assert selectors.kpi_arrival_counts(**next_day) == [{"booked": 0, "walk_in": 0, "all": 0}]


def test_arrivals_have_no_channel(store_a):
    import pytest
    from zoneinfo import ZoneInfo

    with pytest.raises(ValueError, match="not grouped"):
        selectors.kpi_arrival_counts(store_ids=[store_a.pk], start=TUESDAY, end=TUESDAY, zone=ZoneInfo("UTC"),
                                     by=("channel",))


# --- The welcome board's status (seed 001: 欢迎板) ------------------------------------------------
def _arrived_with_order(store, personas, **visit_fields):
    appointment = book(store, personas["advisor"])
    appointment.arrive(by=personas["advisor"], now=at(TUESDAY, 10))
    ServiceVisitFactory(vehicle=appointment.vehicle, opened_at=at(TUESDAY, 10, 5), **visit_fields)
    link_repair_orders(store=store, now=at(TUESDAY, 12))
    return appointment


def _board_statuses(store):
    return [row["status"] for row in selectors.welcome_board(store, TUESDAY)]


def test_board_says_expected_before_the_customer_arrives(store_a, personas):
    book(store_a, personas["advisor"])
    assert _board_statuses(store_a) == ["expected"]


def test_board_says_arrived_until_the_repair_order_is_opened(store_a, personas):
    book(store_a, personas["advisor"]).arrive(by=personas["advisor"], now=at(TUESDAY, 10))
    assert _board_statuses(store_a) == ["arrived"]


def test_board_says_in_the_workshop_while_the_repair_order_is_open(store_a, personas):
    _arrived_with_order(store_a, personas, status="open", closed_at=None)
    assert _board_statuses(store_a) == ["in_workshop"]


def test_board_says_ready_when_the_repair_order_is_closed(store_a, personas):
    _arrived_with_order(store_a, personas, status="closed", closed_at=at(TUESDAY, 11, 30))
    assert _board_statuses(store_a) == ["ready"]


def test_board_status_reads_in_the_users_language(store_a, personas):
    _arrived_with_order(store_a, personas, status="open", closed_at=None)
    with translation.override("zh-hans"):
        assert selectors.welcome_board(store_a, TUESDAY)[0]["status_label"] == "维修中"
