"""Call scripts (话术) with placeholders: the admin writes {客户}{称呼} once, the agent reads
"张伟先生" on the call screen. One list of placeholders serves both the rendering and the check
made when a script is saved, so a script can only use what the call screen fills."""
import re

from django.utils import timezone

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,30})\}")


def _name(followup):
    return followup.customer.name


def _title_zh(followup):
    return {"male": "先生", "female": "女士"}.get(followup.customer.gender, "先生/女士")


def _title_en(followup):
    return {"male": "Mr.", "female": "Ms."}.get(followup.customer.gender, "Mr./Ms.")


def _store(followup):
    return followup.store.name


def _vehicle(followup):
    vehicle = followup.vehicle
    return " ".join(part for part in (vehicle.brand, vehicle.model, vehicle.plate or vehicle.vin) if part)


def _plate(followup):
    return followup.vehicle.plate or followup.vehicle.vin


def _visit(attribute):
    def value(followup):
        visit = followup.visit
        return attribute(visit) if visit is not None else ""
    return value


def _local_day(moment):
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _advisor(visit):
    return str(visit.advisor) if visit.advisor_id else visit.advisor_name


# (Chinese name, English name, how the call fills it; None: the title, in the name's language)
PLACEHOLDERS = [
    ("客户", "customer", _name),
    ("称呼", "title", None),
    ("门店", "store", _store),
    ("车辆", "vehicle", _vehicle),
    ("车牌", "plate", _plate),
    ("工单号", "order_no", _visit(lambda visit: visit.order_no)),
    ("维修类型", "repair_type", _visit(lambda visit: str(visit.get_repair_type_display()))),
    ("服务顾问", "advisor", _visit(_advisor)),
    ("进店日期", "opened_on", _visit(lambda visit: _local_day(visit.opened_at))),
    ("交车日期", "closed_on", _visit(lambda visit: _local_day(visit.closed_at))),
    ("回访日期", "due_on", lambda followup: followup.due_on.isoformat()),
]

_FILL = {}
for _zh, _en, _fill in PLACEHOLDERS:
    _FILL[_zh] = _fill or _title_zh
    _FILL[_en] = _fill or _title_en


def known_placeholders():
    return list(_FILL)


def unknown_placeholders(script: str) -> list[str]:
    """The {names} of a script the call screen would not fill, in the order they appear."""
    unknown = []
    for name in PLACEHOLDER.findall(script or ""):
        if name not in _FILL and name not in unknown:
            unknown.append(name)
    return unknown


def render_script(script: str, followup) -> str:
    """The script as the agent reads it to this customer."""
    def fill(match):
        value = _FILL.get(match.group(1))
        return match.group(0) if value is None else str(value(followup) or "")
    return PLACEHOLDER.sub(fill, script or "")
