"""The mixes and wording of the generated complaints: weighted draws, delays, texts."""
import datetime as dt

COMPLAINTS_PER_CUSTOMER = 0.5
OPEN_SHARE = 0.05
CANCELLED_SHARE = 0.04  # of the finished ones; half of them duplicates
REPEAT_SHARE = 0.08  # of the closed ones: the customer complains again later
HOUR, DAY = 3600, 86400
EMAIL_DOMAIN = "dealer.example"

# (value, cumulative weight)
CHANNELS = (("phone", 34), ("walk_in", 52), ("return_visit", 74), ("online", 82), ("email", 85),
            ("social_media", 90), ("manufacturer", 100))
CATEGORIES = (("repair_quality", 30), ("waiting_time", 47), ("service_attitude", 64), ("price", 79),
              ("parts", 89), ("sales", 94), ("other", 100))
SEVERITIES = (("general", 84), ("escalated", 97), ("major", 100))
OPEN_STATUSES = (("new", 20), ("assigned", 70), ("answered", 100))
# How long an open complaint has waited in its step, in hours (low, high, cumulative weight):
# about a quarter past the deadline (24 hours, 3 working days, 1 working day).
STEP_AGE_HOURS = {
    "new": ((0.2, 20, 75), (24, 72, 100)),
    "assigned": ((1, 72, 75), (96, 288, 100)),
    "answered": ((1, 20, 75), (48, 144, 100)),
}
ROUNDS = ((1, 88), (2, 98), (3, 100))
# Department kind by category (a second kind with its share).
DEPARTMENT_OF = {
    "repair_quality": ("workshop", None, 0),
    "waiting_time": ("workshop", "customer_service", 0.2),
    "service_attitude": ("workshop", "customer_service", 0.4),
    "price": ("workshop", "customer_service", 0.3),
    "parts": ("parts", None, 0),
    "sales": ("sales", None, 0),
    "other": ("customer_service", None, 0),
}
HEADED = ("workshop", "parts", "sales")

DESCRIPTIONS = {
    "repair_quality": (
        "保养后发动机有异响，回店检查后仍未解决", "更换刹车片后刹车时有尖锐异响", "空调维修后仍然不制冷",
        "维修后发动机故障灯再次亮起", "四轮定位后方向盘仍然跑偏", "钣喷后车门颜色与原车有色差",
        "更换机油后发现机油渗漏", "车辆维修后车内有明显异味",
    ),
    "waiting_time": (
        "预约了保养，到店后仍等待两个多小时", "承诺下午四点交车，拖到晚上七点才交",
        "配件等待时间过长，车辆停厂一周多", "接待区排队时间太长，无人引导", "结算排队时间过长",
    ),
    "service_attitude": (
        "服务顾问态度冷淡，问题解释不清楚", "多次致电服务热线无人接听", "接车时未做环车检查，态度敷衍",
        "前台人员说话生硬，不耐烦", "服务顾问未经同意挪动车内物品",
    ),
    "price": (
        "结算金额比报价高出三百多元", "未经同意增加维修项目并收费", "工时费收费不透明，无明细",
        "保养套餐价格与宣传不符", "质保期内的维修被要求付费",
    ),
    "parts": (
        "怀疑更换的配件不是原厂件", "配件缺货，多次预约都无法维修", "旧件未按要求交还客户",
        "新换的蓄电池不到一个月就亏电", "订购的配件迟迟不到货",
    ),
    "sales": (
        "购车时承诺的赠品至今未兑现", "新车交付时发现漆面有划痕", "上牌手续一拖再拖",
        "贷款手续费与合同约定不符", "交车时随车工具不全",
    ),
    "other": (
        "停车场内车辆被刮蹭", "客户休息区卫生差", "发票开具错误，多次要求重开", "会员积分未到账",
        "代步车安排不到位",
    ),
}
INVESTIGATIONS = (
    "调取维修记录并与当班技师核实", "查看接待区监控并询问当班人员", "邀请客户回店复检车辆",
    "核对结算单、报价单与客户签字的委托书", "与配件部核对订货及到货记录", "电话了解客户详细诉求并现场核实",
)
ROOT_CAUSES = {
    "repair_quality": ("技师未按作业标准紧固", "故障诊断不彻底，只处理了表面问题", "质检环节漏检"),
    "waiting_time": ("当日进厂车辆超出产能", "预约未按时段分流，集中在上午高峰", "配件未提前备货"),
    "service_attitude": ("服务顾问沟通技巧不足", "高峰时段人手不足，未及时回应", "服务流程执行不到位"),
    "price": ("增项未经客户签字确认", "报价时遗漏工时费", "收费标准未向客户解释清楚"),
    "parts": ("配件供应商延迟发货", "库存信息更新不及时", "旧件交还流程未执行"),
    "sales": ("销售顾问承诺超出政策范围", "交车前检查(PDI)不细致", "手续办理环节衔接不畅"),
    "other": ("现场管理不到位", "财务开票信息录入错误", "积分系统同步延迟"),
}
CORRECTIVE_ACTIONS = (
    "对相关人员进行培训并纳入月度考核", "修订作业标准，增加质检复核环节", "调整预约时段，高峰期增派人手",
    "增项必须经客户签字确认后施工", "与供应商约定到货时限并每日跟踪",
)
RESOLUTIONS = (
    "免费返修并赠送一次常规保养", "退还多收费用并致歉", "赠送工时费代金券200元", "免费更换原厂配件",
    "上门致歉并提供免费代步车", "重新开具发票并快递给客户", "安排专人跟进，优先预约",
)
ASSIGN_NOTES = ("", "", "", "请尽快核实处理", "客户情绪较大，请优先处理")
SATISFIED_WORDS = ("满意", "问题已解决，满意", "处理及时，谢谢", "基本满意", "满意，希望以后注意")
UNHAPPY_WORDS = ("问题仍未解决", "异响依旧，希望再次检查", "对补偿方案不满意", "要求退还多收的费用",
                 "希望店长出面给个说法")
INVALID_REASONS = ("客户撤回投诉", "非本店业务，已转交相关单位", "经核实不属于投诉，已解释说明")
REGISTERED = "已登记"  # the note register_complaint writes, in the UI's first language

# Delays in hours: (low, high, cumulative weight).
ACK_HOURS = ((0.1, 2, 45), (2, 8, 75), (8, 24, 92), (24, 72, 100))
ANSWER_HOURS = ((3, 24, 40), (24, 72, 85), (72, 168, 100))
CALLBACK_HOURS = ((1, 8, 55), (8, 30, 90), (30, 72, 100))


def draw(rng, table):
    x = rng.random() * table[-1][-1]
    for row in table:
        if x < row[-1]:
            return row[0] if len(row) == 2 else row
    return table[-1][0] if len(table[-1]) == 2 else table[-1]


def draw_hours(rng, table) -> int:
    low, high, _ = draw(rng, table)
    return int(rng.uniform(low, high) * HOUR)


def local_year(epoch: int) -> int:
    return dt.date.fromordinal(int(epoch + 8 * HOUR) // DAY + 719163).year


def moment(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
