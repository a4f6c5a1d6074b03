"""Appointments' calls in the one callback queue (visits): the D-2 confirmation (seed 001:
在预约入厂日前2日对已预约的客户再次致电, 进行预约确认) and the rebook after a no-show. They are
registered with visits.services.call_outcomes in AppConfig.ready, so visits needs no import of ours;
the call screen hands the customer's answer to `answer_confirmation_call`."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import capacity
from .models import Appointment

CONFIRM, OTHER_TIME, CANCELS = "confirm", "other_time", "cancels"
CONFIRMATION_TRIGGER, REBOOK_TRIGGER = "appointment_confirm", "no_show_rebook"
CONFIRMATION_SCRIPT = (
    "您好，请问是{客户}先生/女士吗？我是{门店}的客服专员。您预约了{时间}来店（车牌{车牌}），"
    "服务顾问已为您做好准备，想跟您确认一下时间是否方便？如需改期，我现在就可以帮您调整。"
)
REBOOK_SCRIPT = (
    "您好，我是{门店}的客服专员。您预约的时间我们没有等到您，是否一切都好？"
    "需要我帮您重新预约一个方便的时间吗？"
)
WORKING_DAYS_BEFORE = 2


def confirmation_ref(appointment):
    return f"appointment:{appointment.pk}:v{appointment.version}"


def register_calls():
    from visits.services.call_outcomes import CallKind, register

    register(CallKind(
        trigger=CONFIRMATION_TRIGGER, priority=2, script=CONFIRMATION_SCRIPT, handler=answer_confirmation_call,
        results=((CONFIRM, gettext_lazy("Confirms the appointment")),
                 (OTHER_TIME, gettext_lazy("Wants another time")),
                 (CANCELS, gettext_lazy("Cancels the appointment"))),
        needs_time=(OTHER_TIME,),
    ))
    register(CallKind(trigger=REBOOK_TRIGGER, priority=1, script=REBOOK_SCRIPT, handler=None, results=()))


# How far back from an appointment's day its confirmation call may fall (two working days, a
# week-long holiday between them).
_CALENDAR_REACH = dt.timedelta(days=20)


def confirmation_day(store, day, calendar=None):
    """Two working days before `day` (the shared working-day calendar of complaints); `calendar`
    when the caller has read the days around it already."""
    from complaints.calendar import WorkingCalendar

    calendar = calendar or WorkingCalendar(day - _CALENDAR_REACH, day)
    count, due = WORKING_DAYS_BEFORE, day
    while count:
        due -= dt.timedelta(days=1)
        count -= calendar.is_working_day(due)
    return due


def schedule_confirmation_calls(*, now=None):
    """Put the D-2 call of every booked (unconfirmed) appointment whose day has come in the
    queue, once per appointment and version. Safe twice and late: a missed day's calls are
    made on the next run while the appointment is still ahead. Returns how many were made."""
    from complaints.calendar import WorkingCalendar
    from visits.services.call_outcomes import schedule_call

    now = now or timezone.now()
    made = 0
    horizon = dt.timedelta(days=12)
    upcoming = (Appointment.objects.filter(status=Appointment.Status.BOOKED, starts_at__gt=now,
                                           starts_at__lt=now + horizon)
                .select_related("store", "customer", "vehicle"))
    # The calendar read once for the run, not once per appointment (a day of a group's
    # appointments is thousands); a day either side for the stores' time zones.
    calendar = WorkingCalendar(now.date() - _CALENDAR_REACH - dt.timedelta(days=1),
                               (now + horizon).date() + dt.timedelta(days=1))
    for appointment in upcoming:
        store = appointment.store
        day = capacity.local(store, appointment.starts_at).date()
        today = capacity.local(store, now).date()
        due = confirmation_day(store, day, calendar)
        booked_on = capacity.local(store, appointment.created_at).date()
        # Booked inside the window: the customer agreed the time a moment ago; no call.
        if due > today or booked_on >= due or today >= day:
            continue
        made += schedule_call(store=store, customer=appointment.customer, vehicle=appointment.vehicle,
                              trigger=CONFIRMATION_TRIGGER, ref=confirmation_ref(appointment), due_on=due,
                              expires_on=day - dt.timedelta(days=1))
    return made


def withdraw_calls(appointment, *, now=None):
    """The confirmation calls of an appointment that was moved, cancelled or missed."""
    from visits.services.call_outcomes import cancel_calls

    cancel_calls(f"appointment:{appointment.pk}:", now=now)


def schedule_rebook_call(appointment, *, now):
    from visits.services.call_outcomes import schedule_call

    today = capacity.local(appointment.store, now).date()
    schedule_call(store=appointment.store, customer=appointment.customer, vehicle=appointment.vehicle,
                  trigger=REBOOK_TRIGGER, ref=f"no-show:{appointment.pk}", due_on=today,
                  expires_on=today + dt.timedelta(days=7))


def _appointment_of(followup):
    try:
        _kind, pk, version = followup.external_ref.split(":")
        appointment = Appointment.objects.select_related("store").get(pk=int(pk), store_id=followup.store_id)
    except (ValueError, Appointment.DoesNotExist):
        raise ValidationError(_("The appointment of this call no longer exists.")) from None
    if f"v{appointment.version}" != version:
        raise ValidationError(_("The appointment was moved since this call was made; see the newer call."))
    return appointment


def answer_confirmation_call(followup, result, agent, data, now):
    """confirm / wants another time (moved here, or the nearest free times are shown) / cancels."""
    from .forms import SlotField
    from .services import reschedule

    appointment = _appointment_of(followup)
    if result == CONFIRM:
        appointment.confirm(by=agent, note=_("Confirmed on the D-2 call"), now=now)
    elif result == CANCELS:
        appointment.cancel(by=agent, reason=(data.get("note") or "").strip() or _("Cancelled on the D-2 call"),
                           now=now)
    elif result == OTHER_TIME:
        field = SlotField(store=appointment.store, required=True)
        try:
            new_time = field.clean(data.get("new_time", ""))
        except ValidationError:
            raise ValidationError(_("Give the new time the customer wants.")) from None
        reschedule(appointment, by=agent, starts_at=new_time, note=_("Moved on the D-2 call"), now=now)
