"""The main navigation: each entry names who sees it, so each role sees what it uses.

Modules add their entries to NAVIGATION; the template shows the ones `visible_to` the user.
Entries of one module share a group: shown as one menu when the user sees more than one of
them, so a supervisor's bar fits on one line; a user who sees one sees it as a plain link.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str | None = None
    staff_only: bool = False
    group: str | None = None
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


GROUPS = {
    "calls": pgettext_lazy("navigation", "Calls"),
    "complaints": _("Complaints"),
    "appointments": pgettext_lazy("navigation", "Bookings"),
    "reports": _("Reports"),
    "system": _("System"),
}

NAVIGATION = [
    NavItem("home", _("Workbench"), "home"),
    # Short English labels (context "navigation"): the English bar must fit on one line at 1280 px.
    NavItem("customers", pgettext_lazy("navigation", "Customers"), "customers:list", permission="customers.view_customer"),
    NavItem(
        "repair_orders", pgettext_lazy("navigation", "Orders"), "customers:visit_list",
        permission="customers.view_servicevisit",
    ),
    NavItem(
        "queue", pgettext_lazy("navigation", "Call queue"), "visits:queue", permission="visits.work_queue", group="calls"
    ),
    NavItem(
        "calls_today", _("Calls today"), "visits:today",
        permission="visits.view_call_reports", group="calls",
    ),
    NavItem(
        "call_summary", _("Daily call report"), "visits:summary",
        permission="visits.view_call_reports", group="calls",
    ),
    # Inside the calls menu (who sees it sees "Calls today" too): the bar does not grow.
    NavItem(
        "call_records", _("Call records"), "visits:followup_list",
        permission="visits.view_call_reports", group="calls",
    ),
    NavItem(
        "campaigns", _("Campaigns"), "visits:campaigns",
        permission="visits.manage_campaigns", group="calls",
    ),
    NavItem(
        "complaints", pgettext_lazy("navigation", "Complaints"), "complaints:list",
        permission="complaints.view_complaint", group="complaints",
    ),
    NavItem(
        "complaint_inbox", _("Department inbox"), "complaints:inbox",
        permission="complaints.answer_complaint", only_if=_answers_for_a_department, group="complaints",
    ),
    NavItem(
        "triage", _("Triage"), "complaints:triage",
        permission="complaints.triage_complaint", group="complaints",
    ),
    NavItem(
        "day_book", _("Day book"), "appointments:day_book",
        permission="appointments.view_appointment", group="appointments",
    ),
    NavItem(
        "appointment_list", _("Appointment list"), "appointments:list",
        permission="appointments.view_appointment", group="appointments",
    ),
    NavItem(
        "my_appointments", _("My appointments today"), "appointments:my_today",
        permission="appointments.receive_appointment", group="appointments",
    ),
    NavItem(
        "kpi_dashboard", _("Dashboard"), "kpi:dashboard", permission="kpi.view_dashboard", group="reports",
    ),
    NavItem(
        "kpi_report", _("Monthly report"), "kpi:report", permission="kpi.view_dashboard", group="reports",
    ),
    NavItem(
        "kpi_targets", _("Targets"), "kpi:targets", permission="kpi.set_targets", group="reports",
    ),
    NavItem(
        "kpi_scorecard", _("Advisor scorecard"), "kpi:scorecard", permission="kpi.view_dashboard", group="reports",
    ),
    NavItem(
        "kpi_ms", _("Mystery shopper"), "kpi:mystery_shopper", permission="kpi.view_mysteryshoppercheck",
        group="reports",
    ),
    NavItem(
        "kpi_actions", _("Corrective actions"), "kpi:actions", permission="kpi.view_correctiveaction",
        group="reports",
    ),
    NavItem(
        "messages", _("Delivery log"), "messaging:log",
        permission="aftersales.view_outboundmessage", group="system",
    ),
    NavItem(
        "imports", _("DMS import"), "customers:imports:upload",
        permission="customers.import_repair_orders", group="system",
    ),
    NavItem("stores", _("Stores"), "store_list", permission="aftersales.view_store", group="system"),
    NavItem(
        "health", _("System health"), "system_health",
        permission="aftersales.view_system_health", group="system",
    ),
    NavItem("admin", _("Administration"), "admin:index", staff_only=True, group="system"),
]


@dataclass(frozen=True)
class StartPage:
    """Where the home page sends a role's users: a module's page named by its URL (the core
    imports no module; the name is resolved when the page is asked for)."""

    role: str
    url_name: str
    permission: str


# Managers start on their store's dashboard (the kpi module).
START_PAGES = [StartPage("manager", "kpi:dashboard", "kpi.view_dashboard")]


def start_page(user) -> str | None:
    role = getattr(user, "role", None)
    for page in START_PAGES:
        if role is not None and role.name == page.role and user.has_perm(page.permission):
            return reverse(page.url_name)
    return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": [], "navigation_menu": []}
    current = getattr(request.resolver_match, "view_name", None)
    items = [
        {
            "key": item.key,
            "label": item.label,
            "url": _url(item.url_name, get_urlconf(settings.ROOT_URLCONF), get_script_prefix()),
            "active": current == item.url_name,
            "group": item.group,
        }
        for item in NAVIGATION
        if item.visible_to(user)
    ]
    return {"navigation": items, "navigation_menu": _menu(items)}


@lru_cache(maxsize=256)
def _url(url_name, urlconf, script_prefix):
    """A menu entry's address, reversed once per URL configuration and prefix (the bar reverses
    twenty of them on every page)."""
    return reverse(url_name, urlconf=urlconf)


def _menu(items):
    """The bar: ungrouped entries as links, a group of several entries as one dropdown (in the order of
    its first entry), a group of which the user sees one entry as that entry's link."""
    groups = {}
    for item in items:
        if item["group"] is not None:
            groups.setdefault(item["group"], []).append(item)
    menu = []
    for item in items:
        group = item["group"]
        if group is None or len(groups[group]) == 1:
            menu.append(item)
        elif groups[group][0] is item:
            members = groups[group]
            menu.append({
                "key": group,
                "label": GROUPS[group],
                "children": members,
                "active": any(member["active"] for member in members),
            })
    return menu


# The top bar's own words (jinja2/navbar.html): translated here, where makemessages finds them.
NAVBAR_TEXT = {
    "main": _("Main navigation"),
    "brand": pgettext_lazy("navbar brand", "After-sales"),
    "toggle": _("Toggle navigation"),
    "search_placeholder": _("Name, mobile, plate, VIN"),
    "search_label": _("Search customers"),
    "password": _("Change password"),
    "logout": _("Log out"),
}
NAVBAR_URLS = {"home": "home", "search": "customers:search", "password_change": "password_change",
               "logout": "logout"}


def navbar(context) -> dict:
    """What the staff pages' top bar shows (`{% navbar %}`, written by Jinja2: through Django's
    engine the bar cost every page more than most of its queries)."""
    user = getattr(context.get("request"), "user", None)
    signed_in = user is not None and user.is_authenticated
    urlconf, prefix = get_urlconf(settings.ROOT_URLCONF), get_script_prefix()
    role = user.role if signed_in else None
    return language_switch(context) | {
        "menu": context.get("navigation_menu") or [],
        "text": NAVBAR_TEXT,
        "urls": {key: _url(name, urlconf, prefix) for key, name in NAVBAR_URLS.items()},
        "can_search": signed_in and user.has_perm("customers.view_customer"),
        "user_name": str(user) if signed_in else "",
        "role_label": role.label if role else "",
    }


def language_switch(context) -> dict:
    """What the language switch shows (jinja2/language_switch.html), on the staff pages' bar and
    on the login and public pages: the languages, the current one marked, and the page to return to."""
    request = context.get("request")
    current = translation.get_language()
    return {
        "csrf_token": context.get("csrf_token") or "",
        "next_path": request.get_full_path() if request is not None else "",
        "set_language_url": _url("set_language", get_urlconf(settings.ROOT_URLCONF), get_script_prefix()),
        "languages": [{"code": code, "name_local": name, "current": code == current} for code, name in _languages()],
    }


@lru_cache(maxsize=1)
def _languages():
    return tuple((code, translation.get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES)
