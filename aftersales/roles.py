"""Roles are Django groups with real permissions, defined here and nowhere else.

`sync_roles()` makes the groups match this table; it runs after every `migrate` and as
`python manage.py sync_roles`. A later module adds its permissions to the roles below.
"""
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    permissions: tuple[str, ...]
    # Staff status opens Django's admin site; only administrators need it.
    is_staff: bool = False


_SEE_STORES = ("aftersales.view_store", "aftersales.view_department")
_READ_FILES = (
    "customers.view_customer",
    "customers.view_vehicle",
    "customers.view_servicevisit",
    "customers.view_servicedocument",
)
_KEEP_FILES = _READ_FILES + (
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_vehicle",
    "customers.change_vehicle",
    "customers.add_servicevisit",
    "customers.change_servicevisit",
    "customers.add_servicedocument",
)
_CALL_CUSTOMERS = ("customers.reveal_mobile",)
_WORK_QUEUE = ("visits.work_queue", "visits.view_followup", "visits.add_callattempt")
_COMPLAINTS = ("complaints.view_complaint", "complaints.add_complaint", "complaints.callback_complaint")
_SUPERVISE_QUEUE = _WORK_QUEUE + ("visits.assign_followup", "visits.view_call_reports")
# Appointments: booking and moving them; receiving customers at reception; the admin's settings.
_BOOK_APPOINTMENTS = ("appointments.view_appointment", "appointments.add_appointment",
                      "appointments.change_appointment")
_RECEIVE_CUSTOMERS = ("appointments.receive_appointment",)
_SET_CAPACITY = tuple(
    f"appointments.{action}_{model}"
    for model in ("capacitysettings", "openinghours", "peakwindow", "specialday", "servicetype",
                  "workshopabsence", "advisorcapacity", "advisorabsence")
    for action in ("view", "add", "change", "delete")
)
# The KPI pages: dashboards and reports; managers also set their stores' targets.
_SEE_KPIS = ("kpi.view_dashboard", "kpi.view_mysteryshoppercheck", "kpi.view_correctiveaction")
_RUN_KPIS = _SEE_KPIS + ("kpi.set_targets", "kpi.add_correctiveaction", "kpi.change_correctiveaction")
# Customer care (visits.care): managers and supervisors send campaigns; agents work the calls.
_CAMPAIGNS = ("visits.manage_campaigns", "visits.view_campaign")
_RUN_FILES = (
    "customers.merge_customer",
    "customers.import_repair_orders",
    "customers.export_customers",
)

ROLES = {
    role.name: role
    for role in (
        Role(
            "advisor",
            _("Service advisor"),
            # Advisors bring the day's repair orders over from the DMS themselves.
            _SEE_STORES + _KEEP_FILES + _CALL_CUSTOMERS + ("customers.import_repair_orders",)
            + ("visits.add_surveyresponse",)
            + _BOOK_APPOINTMENTS + _RECEIVE_CUSTOMERS,
        ),
        Role(
            "cs_agent",
            _("Customer-service agent"),
            _SEE_STORES + _READ_FILES + ("customers.change_customer",) + _CALL_CUSTOMERS + _WORK_QUEUE
            + _COMPLAINTS + _BOOK_APPOINTMENTS,
        ),
        Role(
            "cs_supervisor",
            _("Customer-service supervisor"),
            _SEE_STORES + _KEEP_FILES + _CALL_CUSTOMERS + _RUN_FILES + _SUPERVISE_QUEUE
            + _COMPLAINTS + ("complaints.triage_complaint", "complaints.answer_complaint")
            + ("complaints.export_complaints",)
            + ("aftersales.view_history", "aftersales.view_outboundmessage")
            + _BOOK_APPOINTMENTS + _RECEIVE_CUSTOMERS + ("appointments.export_appointments",)
            + _SEE_KPIS + ("kpi.add_mysteryshoppercheck",)
            + _CAMPAIGNS,
        ),
        Role(
            "dept_head", _("Department head"),
            _SEE_STORES + _READ_FILES + ("complaints.view_complaint", "complaints.answer_complaint"),
        ),
        Role(
            "manager",
            _("After-sales manager"),
            _SEE_STORES
            + _READ_FILES
            + ("customers.import_repair_orders", "customers.export_customers")
            + ("visits.view_call_reports", "complaints.view_complaint", "complaints.export_complaints")
            + ("aftersales.view_history", "aftersales.view_outboundmessage")
            + ("appointments.view_appointment", "appointments.export_appointments")
            + _RUN_KPIS
            + _CAMPAIGNS,
        ),
        Role(
            "admin",
            _("Administrator"),
            _SEE_STORES
            + _KEEP_FILES
            + _RUN_FILES
            + (
                "aftersales.view_outboundmessage",
                "aftersales.view_messagetemplate",
                "aftersales.add_messagetemplate",
                "aftersales.change_messagetemplate",
                "aftersales.delete_messagetemplate",
                "visits.view_followuprule",
                "visits.add_followuprule",
                "visits.change_followuprule",
                "complaints.view_calendarday",
                "complaints.add_calendarday",
                "complaints.change_calendarday",
                "complaints.view_calendaryear",
                "complaints.change_calendaryear",
                "complaints.view_deadlinepolicy",
                "complaints.add_deadlinepolicy",
                "complaints.change_deadlinepolicy",
                "complaints.delete_deadlinepolicy",
                "visits.view_callpolicy",
                "visits.add_callpolicy",
                "visits.change_callpolicy",
                "visits.view_serviceinterval",
                "visits.add_serviceinterval",
                "visits.change_serviceinterval",
                "visits.delete_serviceinterval",
                "visits.view_carepolicy",
                "visits.add_carepolicy",
                "visits.change_carepolicy",
                "customers.add_loyaltypolicy",
                "customers.change_loyaltypolicy",
                "customers.view_loyaltypolicy",
                "aftersales.view_history",
                "aftersales.view_system_health",
                "aftersales.run_backup",
                "aftersales.add_store",
                "aftersales.change_store",
                "aftersales.add_department",
                "aftersales.change_department",
                "aftersales.delete_department",
                "aftersales.view_user",
                "aftersales.add_user",
                "aftersales.change_user",
                "django_celery_beat.view_periodictask",
                "django_celery_beat.change_periodictask",
                "django_celery_beat.view_crontabschedule",
                "django_celery_beat.view_intervalschedule",
                "axes.view_accessattempt",
                "axes.delete_accessattempt",
                "kpi.view_target",
                "kpi.add_target",
                "kpi.change_target",
                "kpi.delete_target",
                "kpi.view_mysteryshopperpolicy",
                "kpi.add_mysteryshopperpolicy",
                "kpi.change_mysteryshopperpolicy",
            ) + _SET_CAPACITY,
            is_staff=True,
        ),
    )
}


def role_of(user):
    """The first role (in ROLES order) among the user's groups, or None."""
    from .access import group_names

    if not user.is_authenticated:
        return None
    names = group_names(user)
    return next((role for name, role in ROLES.items() if name in names), None)


def _permissions(codes):
    condition = Q(pk__in=[])
    for code in codes:
        app_label, _dot, codename = code.partition(".")
        condition |= Q(content_type__app_label=app_label, codename=codename)
    found = Permission.objects.filter(condition).select_related("content_type")
    missing = set(codes) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise ImproperlyConfigured(f"Unknown permissions in ROLES: {', '.join(sorted(missing))}")
    return found


@transaction.atomic
def sync_roles():
    """Create or update one group per role with exactly its permissions. Idempotent."""
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set(_permissions(role.permissions))
