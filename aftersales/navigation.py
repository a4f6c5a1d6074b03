"""The main navigation: each entry names who sees it, so each role sees what it uses.

Modules add their entries to NAVIGATION; the template shows the ones `visible_to` the user.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str | None = None
    staff_only: bool = False
    # A further condition on the user, for an entry that the permission alone does not decide.
    only_if: Callable | None = None

    def visible_to(self, user):
        if self.staff_only and not user.is_staff:
            return False
        if self.only_if is not None and not self.only_if(user):
            return False
        return self.permission is None or user.has_perm(self.permission)


def _answers_for_a_department(user):
    """The inbox shows a department's complaints: the user's own, or any one to a supervisor."""
    return user.department_id is not None or user.has_perm("complaints.triage_complaint")


NAVIGATION = [
    NavItem("home", _("Workbench"), "home"),
    NavItem("customers", _("Customer files"), "customers:list", permission="customers.view_customer"),
    NavItem(
        "repair_orders", _("Repair orders"), "customers:visit_list",
        permission="customers.view_servicevisit",
    ),
    NavItem("queue", _("Callback queue"), "visits:queue", permission="visits.work_queue"),
    NavItem("calls_today", _("Calls today"), "visits:today", permission="visits.view_call_reports"),
    NavItem("call_summary", _("Daily call report"), "visits:summary", permission="visits.view_call_reports"),
    NavItem("complaints", _("Complaints"), "complaints:list", permission="complaints.view_complaint"),
    NavItem(
        "complaint_inbox", _("Department inbox"), "complaints:inbox",
        permission="complaints.answer_complaint", only_if=_answers_for_a_department,
    ),
    NavItem("triage", _("Triage"), "complaints:triage", permission="complaints.triage_complaint"),
    NavItem(
        "messages", _("Delivery log"), "messaging:log", permission="aftersales.view_outboundmessage"
    ),
    NavItem(
        "imports", _("DMS import"), "customers:imports:upload",
        permission="customers.import_repair_orders",
    ),
    NavItem("stores", _("Stores"), "store_list", permission="aftersales.view_store"),
    NavItem(
        "health", _("System health"), "system_health", permission="aftersales.view_system_health"
    ),
    NavItem("admin", _("Administration"), "admin:index", staff_only=True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = getattr(request.resolver_match, "view_name", None)
    items = [
        {
            "key": item.key,
            "label": item.label,
            "url": reverse(item.url_name),
            "active": current == item.url_name,
        }
        for item in NAVIGATION
        if item.visible_to(user)
    ]
    return {"navigation": items}
