"""Message wording in the admin (preview, validation, store scoping), the read-only outbox
admin, and the seed_message_templates and send_outbox commands."""
import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from aftersales.messaging.backends import reset_backends
from aftersales.messaging.kinds import KINDS
from aftersales.messaging.models import MessageTemplate, OutboundMessage
from aftersales.messaging.services import queue_message
from aftersales.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:aftersales_messagetemplate_add")


def change_url(template):
    return reverse("admin:aftersales_messagetemplate_change", args=[template.pk])


def form_data(**fields):
    data = {"kind": "appointment_reminder", "channel": "sms", "language": "zh-hans", "store": "",
            "subject": "", "body": "", "_save": "1"}
    data.update({k: ("" if v is None else v) for k, v in fields.items()})
    return data


@pytest.fixture
def group_admin(make_user):
    return make_user("admin", [], username="group_admin", all_stores=True)


@pytest.fixture
def seeded(db):
    call_command("seed_message_templates", stdout=StringIO())


@pytest.fixture
def console_sms():
    reset_backends()
    with override_settings(SMS_BACKEND="aftersales.messaging.backends.ConsoleSmsBackend"):
        yield
    reset_backends()


# --- Admin: preview and validation -----------------------------------------------------------
def test_change_page_previews_the_wording_with_sample_values(client, group_admin, seeded):
    template = MessageTemplate.objects.get(kind="verification_code", language="zh-hans", store=None)
    client.force_login(group_admin)
    body = client.get(change_url(template)).content.decode()
    assert 'data-testid="template-preview"' in body
    assert "您的验证码是482913，10分钟内有效。" in body
    assert "{code}, {minutes}, {store}, {store_phone}" in body  # the variables the kind allows


def test_preview_of_a_store_marketing_sms_uses_the_store_and_its_opt_out(client, personas, store_a, seeded):
    template = MessageTemplate.objects.create(
        kind="birthday", channel="sms", language="zh-hans", store=store_a, body="【{store}】{name}生日快乐"
    )
    client.force_login(personas["admin"])
    body = client.get(change_url(template)).content.decode()
    assert f"【{store_a.name}】张伟生日快乐 回复TD退订" in body


def test_a_typo_in_a_variable_is_refused_on_save(client, group_admin):
    client.force_login(group_admin)
    response = client.post(ADD, form_data(body="【{store}】{nmae}您好，{plate}已预约{time}。"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "{nmae}" in errors["body"][0] and "{name}" in errors["body"][0]
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("body", ["{name您好", "{name}}您好", "您好 name}", "{}"])
def test_broken_braces_are_refused_on_save(client, group_admin, body):
    client.force_login(group_admin)
    response = client.post(ADD, form_data(body=body))
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert not MessageTemplate.objects.exists()


def test_an_unknown_variable_in_an_email_subject_is_refused(client, group_admin):
    client.force_login(group_admin)
    response = client.post(ADD, form_data(channel="email", subject="{plate} {mileage}", body="{name}"))
    assert "{mileage}" in response.context["adminform"].form.errors["subject"][0]


def test_a_valid_template_is_saved_with_escaped_braces(client, group_admin, store_a):
    client.force_login(group_admin)
    response = client.post(ADD, form_data(body="【{store}】{name}您好，{{提醒}}{plate}于{time}到店。"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = MessageTemplate.objects.get()
    assert template.store is None
    assert "{提醒}" in client.get(change_url(template)).content.decode()


def test_the_same_kind_channel_language_twice_group_wide_is_refused(client, group_admin, seeded):
    client.force_login(group_admin)
    response = client.post(ADD, form_data(kind="birthday", body="{name}生日快乐"))
    assert response.status_code == 200
    assert MessageTemplate.objects.filter(kind="birthday", language="zh-hans").count() == 1


# --- Admin: store scoping --------------------------------------------------------------------
def test_store_admin_sees_but_cannot_edit_the_group_wide_wording(client, personas, seeded):
    template = MessageTemplate.objects.get(kind="birthday", language="zh-hans", store=None)
    client.force_login(personas["admin"])
    page = client.get(change_url(template))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert 'name="body"' not in page.content.decode()
    response = client.post(change_url(template), form_data(kind="birthday", body="改掉了{name}"))
    assert response.status_code == 403
    template.refresh_from_db()
    assert "改掉了" not in template.body
    delete = reverse("admin:aftersales_messagetemplate_delete", args=[template.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert MessageTemplate.objects.filter(pk=template.pk).exists()


def test_store_admin_cannot_make_a_group_wide_template(client, personas):
    client.force_login(personas["admin"])
    response = client.post(ADD, form_data(body="{name}您好"))
    assert response.status_code == 200
    assert "store" in response.context["adminform"].form.errors
    assert not MessageTemplate.objects.exists()


def test_store_admin_writes_wording_for_their_store_only(client, personas, store_a, store_b):
    client.force_login(personas["admin"])
    response = client.post(ADD, form_data(store=store_a.pk, body="【{store}】{name}，{plate}请于{time}到店"))
    assert response.status_code == 302
    assert MessageTemplate.objects.get().store == store_a
    refused = client.post(ADD, form_data(language="en", store=store_b.pk, body="{name}"))
    assert "store" in refused.context["adminform"].form.errors
    theirs = MessageTemplate.objects.create(kind="birthday", channel="sms", language="en", store=store_b, body="{name}")
    listing = client.get(reverse("admin:aftersales_messagetemplate_changelist")).content.decode()
    assert store_a.name in listing and store_b.name not in listing
    assert client.get(change_url(theirs)).status_code == 302  # the admin's "no such object"


def test_group_admin_edits_the_group_wide_wording(client, group_admin, seeded):
    template = MessageTemplate.objects.get(kind="birthday", language="en", store=None)
    client.force_login(group_admin)
    response = client.post(
        change_url(template), form_data(kind="birthday", language="en", body="[{store}] Happy birthday, {name}!")
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "[{store}] Happy birthday, {name}!"


# --- Admin: the outbox, read-only ------------------------------------------------------------
def test_outbox_admin_is_read_only_masked_and_scoped(client, personas, store_a, store_b):
    ours = queue_message(store=store_a, kind="appointment_reminder", to="13812345678",
                         idempotency_key="adm-1", context={"name": "张伟"})
    theirs = queue_message(store=store_b, kind="appointment_reminder", to="13912345678",
                           idempotency_key="adm-2")
    client.force_login(personas["admin"])
    listing = client.get(reverse("admin:aftersales_outboundmessage_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "138****5678" in body and "13812345678" not in body and "139****5678" not in body
    page = client.get(reverse("admin:aftersales_outboundmessage_change", args=[ours.pk]))
    assert page.status_code == 200 and "13812345678" not in page.content.decode()
    assert "138****5678" in page.content.decode()
    history = client.get(reverse("admin:aftersales_outboundmessage_history", args=[ours.pk]))
    assert history.status_code == 200 and "13812345678" not in history.content.decode()
    assert client.get(reverse("admin:aftersales_outboundmessage_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:aftersales_outboundmessage_add")).status_code == 403
    delete = reverse("admin:aftersales_outboundmessage_delete", args=[ours.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:aftersales_outboundmessage_change", args=[ours.pk]),
                       {"status": "sent"}).status_code == 403
    ours.refresh_from_db()
    assert ours.status == OutboundMessage.Status.QUEUED


# --- Commands --------------------------------------------------------------------------------
def test_seed_message_templates_is_idempotent_and_keeps_edits():
    from aftersales.management.commands.seed_message_templates import EMAIL_WORDING

    seeded = 2 * len(KINDS) + 2 * len(EMAIL_WORDING)
    out = StringIO()
    call_command("seed_message_templates", stdout=out)
    assert f"{seeded} created" in out.getvalue()
    templates = MessageTemplate.objects.filter(store=None, channel="sms")
    assert templates.count() == 2 * len(KINDS)
    assert {(t.kind, t.language) for t in templates} == {(k, lang) for k in KINDS for lang in ("zh-hans", "en")}
    for template in templates:
        template.full_clean()
    code = templates.get(kind="verification_code", language="zh-hans")
    assert code.body.startswith("您的验证码是{code}，{minutes}分钟内有效。")
    code.body = "【{store}】验证码{code}"
    code.save()
    again = StringIO()
    call_command("seed_message_templates", stdout=again)
    assert "0 created" in again.getvalue()
    assert MessageTemplate.objects.count() == seeded
    code.refresh_from_db()
    assert code.body == "【{store}】验证码{code}"


def _quiet_now(store):
    """Quiet hours that cover this moment at `store`."""
    local = timezone.now().astimezone(zoneinfo.ZoneInfo(store.time_zone))
    store.quiet_hours_start = (local - dt.timedelta(hours=1)).time().replace(microsecond=0)
    store.quiet_hours_end = (local + dt.timedelta(hours=1)).time().replace(microsecond=0)
    store.save()


def test_send_outbox_prints_each_outcome(capsys, seeded, console_sms, store_a, store_b):
    store_a.quiet_hours_start = store_a.quiet_hours_end = dt.time(0, 0)  # no quiet hours
    store_a.save()
    _quiet_now(store_b)
    customer = CustomerFactory(store=store_a, name="李娜", mobile="13812345678")
    queue_message(store=store_a, kind="verification_code", to="13812345678",
                  context={"code": "204817", "minutes": 10}, idempotency_key="cmd-code")
    queue_message(store=store_a, customer=customer, kind="appointment_reminder",
                  context={"name": "李娜", "plate": "京A12345", "time": "明天 09:30"},
                  idempotency_key="cmd-reminder")
    queue_message(store=store_a, customer=customer, kind="birthday", context={"name": "李娜"},
                  idempotency_key="cmd-birthday")  # no marketing consent
    queue_message(store=store_a, kind="verification_code", to="12345", context={"code": "1"},
                  idempotency_key="cmd-bad-number")
    queue_message(store=store_b, kind="maintenance_due", to="13912345678",
                  context={"name": "王强"}, idempotency_key="cmd-night")
    capsys.readouterr()
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue().splitlines() == [
        "sent: 2", "failed: 0", "retried: 0", "suppressed: 2", "deferred: 1",
    ]
    console = capsys.readouterr().out
    assert "您的验证码是204817，10分钟内有效。" in console
    assert "李娜您好，您的车辆京A12345已预约明天 09:30到店" in console
    assert console.count("SMS to ") == 2
    statuses = dict(OutboundMessage.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "cmd-code": "sent", "cmd-reminder": "sent", "cmd-birthday": "suppressed",
        "cmd-bad-number": "suppressed", "cmd-night": "queued",
    }
    again = StringIO()
    call_command("send_outbox", stdout=again)
    assert again.getvalue().splitlines()[0] == "sent: 0"  # nothing goes out twice
