"""The canonical columns of a repair-order import and the names DMS exports give them.

A DMS export names its columns as its vendor likes (工单号, 委托书号, RO No., ...). Headers are
compared after normalising (full-width to half-width, case, spaces and punctuation dropped),
so "RO No.", "ro_no" and "ＲＯ　Ｎｏ" all match `order_no`.
"""
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models.service import RepairType
from ..normalize import clean_text


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    # The header written in the downloadable template.
    template_header: str
    synonyms: tuple[str, ...]
    required: bool = False


COLUMNS = (
    Column(
        "order_no", _("Repair order no."), "工单号",
        ("工单号", "工单编号", "委托书号", "委托书编号", "维修单号", "维修工单号", "单据号",
         "RO No.", "RO Number", "RO", "Repair Order", "Repair Order No.", "Order No.",
         "Order Number", "Work Order", "Work Order No."),
        required=True,
    ),
    Column(
        "opened_at", _("Opened"), "进厂日期",
        ("进厂日期", "进厂时间", "开单日期", "开单时间", "入厂日期", "入厂时间", "接车日期",
         "Opened", "Open Date", "Opened At", "Date In", "RO Date", "Created"),
        required=True,
    ),
    Column(
        "closed_at", _("Closed"), "结算日期",
        ("结算日期", "结算时间", "完工日期", "完工时间", "出厂日期", "出厂时间", "交车日期",
         "Closed", "Close Date", "Closed At", "Date Out", "Settlement Date", "Completed"),
    ),
    Column(
        "repair_type", _("Repair type"), "维修类型",
        ("维修类型", "工单类型", "维修类别", "业务类型", "服务类型",
         "Repair Type", "RO Type", "Order Type", "Service Type", "Job Type"),
        required=True,
    ),
    Column(
        "plate", _("Plate"), "车牌号",
        ("车牌号", "车牌", "车牌号码", "牌照号", "号牌号码", "Plate", "Plate No.",
         "License Plate", "Licence Plate", "Registration", "Reg No."),
    ),
    Column(
        "vin", _("VIN"), "VIN",
        ("VIN", "VIN码", "车架号", "车辆识别代号", "车辆识别码", "底盘号", "Chassis No.",
         "Chassis Number", "Frame No."),
    ),
    Column(
        "customer_name", _("Customer name"), "客户姓名",
        ("客户姓名", "客户名称", "客户", "车主", "车主姓名", "送修人", "Customer",
         "Customer Name", "Owner", "Owner Name", "Name"),
        required=True,
    ),
    Column(
        "mobile", _("Mobile"), "联系电话",
        ("联系电话", "手机", "手机号", "手机号码", "电话", "客户电话", "车主电话", "联系方式",
         "Mobile", "Mobile No.", "Phone", "Phone No.", "Telephone", "Tel", "Cell"),
    ),
    Column(
        "mileage", _("Mileage (km)"), "行驶里程",
        ("行驶里程", "进厂里程", "里程", "里程数", "公里数", "Mileage", "Odometer", "KM", "Kilometers"),
    ),
    Column(
        "advisor_name", _("Service advisor"), "服务顾问",
        ("服务顾问", "接待员", "接待顾问", "业务接待", "服务接待", "Service Advisor", "Advisor", "SA"),
    ),
    Column(
        "technician", _("Technician"), "维修技师",
        ("维修技师", "技师", "维修工", "主修人", "Technician", "Tech", "Mechanic"),
    ),
    Column(
        "amount", _("Amount (yuan)"), "结算金额",
        ("结算金额", "金额", "工单金额", "总金额", "合计金额", "实收金额", "Amount", "Total",
         "Total Amount", "Invoice Amount"),
    ),
    Column("brand", _("Brand"), "品牌", ("品牌", "车辆品牌", "厂牌", "Brand", "Make")),
    Column("model", _("Model"), "车型", ("车型", "车系", "车型名称", "Model", "Vehicle Model")),
    Column(
        "from_appointment", _("From an appointment"), "是否预约",
        ("是否预约", "预约", "预约进厂", "Appointment", "From Appointment", "Booked"),
    ),
    Column(
        "declined_work", _("Work recommended but declined"), "建议未做项目",
        ("建议未做项目", "建议维修项目", "未做项目", "客户拒绝项目", "Declined Work",
         "Declined", "Recommended Not Done", "Recommendations"),
    ),
)
BY_FIELD = {column.field: column for column in COLUMNS}
FIELDS = tuple(BY_FIELD)
REQUIRED = tuple(column.field for column in COLUMNS if column.required)
# A row names its vehicle by VIN or plate; the file must have at least one of the two columns.
VEHICLE_FIELDS = ("vin", "plate")

_HEADER_NOISE = re.compile(r"[\s._\-/:：()（）#№*]+")


def header_key(header) -> str:
    """What a header is compared by: "RO No." → "rono", "ＶＩＮ码" → "vin码"."""
    return _HEADER_NOISE.sub("", clean_text(header)).lower()


_SYNONYMS = {header_key(synonym): column.field for column in COLUMNS for synonym in column.synonyms}


def match_header(header) -> str | None:
    return _SYNONYMS.get(header_key(header))


def auto_match(headers, saved=None) -> dict[str, str]:
    """{field: header} for the headers of a file: the store's saved mapping first (where the
    header is still in the file), then the synonyms. Each header serves one field at most."""
    present = [h for h in headers if h]
    mapping, used = {}, set()
    for field, header in (saved or {}).items():
        if field in BY_FIELD and header in present and header not in used:
            mapping[field] = header
            used.add(header)
    for header in present:
        field = match_header(header)
        if field and field not in mapping and header not in used:
            mapping[field] = header
            used.add(header)
    return mapping


def opened_from_closed(mapping) -> bool:
    """Many DMS exports have one date, the settlement's: it then gives the open date too."""
    return not mapping.get("opened_at") and bool(mapping.get("closed_at"))


def missing_columns(mapping) -> list[str]:
    """The labels of the required fields `mapping` leaves out (the vehicle counts as one; the
    open date is not missing when the settlement date can stand for it)."""
    missing = [
        str(BY_FIELD[field].label) for field in REQUIRED
        if not mapping.get(field) and not (field == "opened_at" and opened_from_closed(mapping))
    ]
    if not any(mapping.get(field) for field in VEHICLE_FIELDS):
        missing.append(str(_("VIN or plate")))
    return missing


# --- Values of the repair type -----------------------------------------------------------
_REPAIR_TYPE_SYNONYMS = {
    RepairType.MINOR_REPAIR: (
        "小修", "一般维修", "机修", "普通维修", "维修", "钣喷", "钣金", "喷漆", "钣金喷漆",
        "minor repair", "minor", "repair", "general repair", "mechanical", "body and paint",
    ),
    RepairType.MAINTENANCE: (
        "保养", "常规保养", "定期保养", "首保", "首次保养", "例行保养", "一级维护", "小保养",
        "大保养", "maintenance", "routine maintenance", "service", "regular service",
        "scheduled maintenance", "first service",
    ),
    RepairType.SECONDARY_MAINTENANCE: (
        "二级维护", "二保", "二级保养", "二维", "secondary maintenance", "level 2 maintenance",
        "second-level maintenance",
    ),
    RepairType.MAJOR_OVERHAUL: (
        "总成大修", "大修", "发动机大修", "整车大修", "总成修理", "major overhaul", "overhaul",
        "major repair",
    ),
    RepairType.WARRANTY: (
        "索赔", "保修", "三包", "质保", "保修索赔", "索赔维修", "warranty", "warranty claim", "claim",
    ),
    RepairType.ACCIDENT: (
        "事故车", "事故", "事故维修", "保险", "保险理赔", "理赔", "事故车维修", "accident",
        "insurance", "accident repair", "collision", "accident / insurance",
    ),
    RepairType.RECALL: (
        "召回", "召回活动", "服务活动", "技术服务活动", "活动", "recall", "campaign",
        "recall / campaign", "service campaign",
    ),
}


def value_key(value) -> str:
    return _HEADER_NOISE.sub("", clean_text(value)).lower()


_REPAIR_TYPES = {
    value_key(synonym): repair_type
    for repair_type, synonyms in _REPAIR_TYPE_SYNONYMS.items()
    for synonym in (*synonyms, repair_type.value)
}


def match_repair_type(value, extra=None) -> str | None:
    """The RepairType value for what the DMS wrote, or None. `extra` is the store's own
    {value as written: repair type} mapping, confirmed on an earlier import."""
    key = value_key(value)
    if extra:
        for written, repair_type in extra.items():
            if value_key(written) == key and repair_type in RepairType.values:
                return repair_type
    return _REPAIR_TYPES.get(key)
