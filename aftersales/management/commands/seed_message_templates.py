"""Group-wide SMS wording in Chinese and English for every kind of message. Idempotent: a
template that exists (perhaps edited by an administrator) is left as it is."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aftersales.messaging.kinds import KINDS
from aftersales.messaging.models import Channel, MessageTemplate

# Marketing kinds get the opt-out wording (回复TD退订) appended when sent; it is not repeated here.
SMS_WORDING = {
    "verification_code": (
        "您的验证码是{code}，{minutes}分钟内有效。请勿告诉他人。",
        "[{store}] Your verification code is {code}, valid for {minutes} minutes. Do not share it.",
    ),
    "complaint_outcome": (
        "{name}您好，您反映的问题（编号{number}）已处理：{outcome}。如有疑问请致电{store_phone}。",
        "[{store}] Dear {name}, your complaint {number} has been resolved: {outcome}. "
        "Questions? Call {store_phone}.",
    ),
    "appointment_reminder": (
        "{name}您好，您的车辆{plate}已预约{time}到店，请准时前来。如需改期请致电{store_phone}。",
        "[{store}] Dear {name}, your appointment for {plate} is at {time}. "
        "To change it, call {store_phone}.",
    ),
    "appointment_booked": (
        "{name}您好，您已预约{time}到店（车牌{plate}）。查看、改期或取消：{link}",
        "[{store}] Dear {name}, you are booked for {time} ({plate}). See, move or cancel: {link}",
    ),
    "appointment_parts_late": (
        "{name}您好，您预约{time}（车牌{plate}）所需的配件无法按时到货，建议改到：{times}。请致电{store_phone}调整。",
        "[{store}] Dear {name}, parts for your appointment at {time} ({plate}) will be late. "
        "Free times after they arrive: {times}. Call {store_phone} to move it.",
    ),
    "maintenance_due": (
        "{name}您好，您的车辆{plate}预计将于{due}到达保养周期，在线预约：{link} ，或致电{store_phone}。",
        "[{store}] Dear {name}, {plate} is due for service around {due}. "
        "Book online at {link} or call {store_phone}.",
    ),
    "insurance_due": (
        "{name}您好，您的车辆{plate}的保险将于{due}到期，续保咨询请致电{store_phone}。",
        "[{store}] Dear {name}, the insurance of {plate} expires on {due}. "
        "For renewal, call {store_phone}.",
    ),
    "birthday": (
        "{name}，祝您生日快乐！感谢您一直以来对我们的信任与支持。",
        "[{store}] Happy birthday, {name}! Thank you for your trust.",
    ),
    "holiday": (
        "{name}您好，{holiday}将至，{store}全体员工祝您节日快乐，出行平安！",
        "[{store}] Dear {name}, everyone at {store} wishes you a happy {holiday} and safe travels!",
    ),
    "promotion": (
        "{name}您好，诚邀您参加：{offer}。报名预约：{link} ，详询{store_phone}。",
        "[{store}] Dear {name}, you are invited: {offer}. Book at {link} or call {store_phone}.",
    ),
    "daily_call_summary": (
        "{date}回访汇总：{summary}",
        "[{store}] Follow-up calls on {date}: {summary}",
    ),
    "weekly_findings": (
        "{department}{week}回访发现：{summary}",
        "[{store}] Findings for {department}, week of {week}: {summary}",
    ),
    "complaint_overdue": (
        "{count}条投诉已超时：{summary}",
        "[{store}] {count} complaints overdue: {summary}",
    ),
    "monthly_report": (
        "{scope}{month}满意度月报：{link}",
        "[{store}] Satisfaction report of {scope} for {month}: {link}",
    ),
    "action_overdue": (
        "{count}项整改措施已逾期：{link}",
        "[{store}] {count} corrective actions overdue: {link}",
    ),
}

# Reports to staff go by email: (subject, body) in Chinese and in English.
EMAIL_WORDING = {
    "daily_call_summary": (
        ("{store} {date} 回访日报", "{summary}"),
        ("{store}: follow-up calls on {date}", "{summary}"),
    ),
    "weekly_findings": (
        ("{store} {department} 回访周报（{week}起）", "{summary}"),
        ("{store}: findings for {department}, week of {week}", "{summary}"),
    ),
    "complaint_overdue": (
        ("{store} {count}条投诉已超时", "以下投诉已超过处理期限（编号、客户、环节、期限）：\n\n{summary}\n\n全部超时投诉：{link}"),
        ("{store}: {count} complaints overdue",
         "These complaints are past their deadline (number, customer, step, due):\n\n{summary}\n\n"
         "All overdue complaints: {link}"),
    ),
    "monthly_report": (
        ("{scope} {month} 满意度月报", "{scope} {month} 满意度月报（指标、目标、不满意客户和投诉）：\n\n{summary}\n\n完整报告：{link}"),
        ("{scope}: satisfaction report for {month}",
         "The satisfaction report of {scope} for {month} (figures against targets, dissatisfied customers, "
         "complaints):\n\n{summary}\n\nThe whole report: {link}"),
    ),
    "action_overdue": (
        ("{store} {count}项整改措施已逾期", "以下整改措施已过完成期限（措施、负责人、期限、升级情况、更新链接）：\n\n{summary}\n\n全部整改措施：{link}"),
        ("{store}: {count} corrective actions overdue",
         "These corrective actions are past their due date (action, owner, due, escalation, link to update it):"
         "\n\n{summary}\n\nAll corrective actions: {link}"),
    ),
}


class Command(BaseCommand):
    help = "Create the group-wide Chinese and English SMS and report email templates that are missing. Idempotent."

    def handle(self, *args, **options):
        missing = sorted(set(KINDS) - set(SMS_WORDING))
        if missing:
            raise CommandError(f"No wording for: {', '.join(missing)}")
        created = kept = 0
        with transaction.atomic():
            for kind in KINDS:
                for language, body in zip(("zh-hans", "en"), SMS_WORDING[kind]):
                    template = MessageTemplate(
                        kind=kind, channel=Channel.SMS, language=language, store=None, body=body
                    )
                    try:
                        template.clean()
                    except ValidationError as error:
                        raise CommandError(f"{kind}/{language}: {error}") from error
                    _template, was_created = MessageTemplate.objects.get_or_create(
                        kind=kind, channel=Channel.SMS, language=language, store=None,
                        defaults={"body": body},
                    )
                    created += was_created
                    kept += not was_created
            for kind, wordings in EMAIL_WORDING.items():
                for language, (subject, body) in zip(("zh-hans", "en"), wordings):
                    MessageTemplate(kind=kind, channel=Channel.EMAIL, language=language, store=None,
                                    subject=subject, body=body).clean()
                    _template, was_created = MessageTemplate.objects.get_or_create(
                        kind=kind, channel=Channel.EMAIL, language=language, store=None,
                        defaults={"subject": subject, "body": body},
                    )
                    created += was_created
                    kept += not was_created
        self.stdout.write(f"message templates: {created} created, {kept} kept")
