"""Shared set-up for the customer-care tests: repair orders on given days with readings."""
import datetime as dt

from django.utils import timezone

from aftersales.tests.factories import ServiceVisitFactory


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def visit(vehicle, day, mileage, repair_type="minor_repair", **fields):
    return ServiceVisitFactory(vehicle=vehicle, opened_at=at(day), closed_at=at(day, 16), mileage=mileage,
                               repair_type=repair_type, **fields)


def days_ago(n, today=None):
    return (today or timezone.localdate()) - dt.timedelta(days=n)
