"""Admin for message wording (with a preview) and a read-only view of the outbox.

A store's administrator edits the wording of their own stores; the group-wide wording (store
empty) is shown to them read-only and changed only by someone who sees every store."""
from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from aftersales.admin import StoreScopedAdmin
from aftersales.models import Store
from aftersales.scoping import for_user, sees_every_store

from .kinds import KINDS, Purpose
from .models import Channel, MessageTemplate, OutboundMessage
from .selectors import masked_address, shows_text

# A believable value for every variable any kind may use, per language.
SAMPLE_VALUES = {
    "zh-hans": {
        "store": "北京朝阳4S店", "store_phone": "010-12345678", "name": "张伟", "code": "482913",
        "minutes": "10", "number": "TS20260508001", "outcome": "已为您免费更换空调滤芯",
        "plate": "京A12345", "time": "5月8日 09:30", "due": "2026年6月1日", "holiday": "春节",
        "offer": "本月保养工时8折", "date": "2026-05-08", "summary": "回访42位，满意39位，待跟进3位",
    },
    "en": {
        "store": "Chaoyang Service Centre", "store_phone": "010-12345678", "name": "Zhang Wei",
        "code": "482913", "minutes": "10", "number": "TS20260508001",
        "outcome": "the cabin filter was replaced free of charge", "plate": "京A12345",
        "time": "8 May, 09:30", "due": "1 June 2026", "holiday": "Spring Festival",
        "offer": "20% off service labour this month", "date": "2026-05-08",
        "summary": "42 called back, 39 satisfied, 3 to follow up",
    },
}
DEFAULT_OPT_OUT = Store._meta.get_field("sms_opt_out_wording").default


def sample_context(template):
    values = dict(SAMPLE_VALUES.get(template.language) or SAMPLE_VALUES["zh-hans"])
    if template.store_id:
        values["store"] = template.store.name
        values["store_phone"] = template.store.phone or values["store_phone"]
    kind = KINDS.get(template.kind)
    names = kind.variables if kind else ()
    return {name: values.get(name, f"<{name}>") for name in names}


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "channel", "language", "store", "subject", "body"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_store(self):
        store = self.cleaned_data.get("store")
        if store is None and self.request is not None and not sees_every_store(self.request.user):
            raise forms.ValidationError(
                _("Choose your store: only a group-wide administrator changes the wording every store uses.")
            )
        return store


@admin.register(MessageTemplate)
class MessageTemplateAdmin(StoreScopedAdmin):
    form = MessageTemplateForm
    list_display = ["kind", "channel", "language", "store_or_group", "updated_at"]
    # Only stores that have wording of their own, among those the admin may see.
    list_filter = ["kind", "channel", "language", ("store", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["store"]
    search_fields = ["body", "subject"]
    ordering = ["kind", "channel", "language", "store__name"]
    readonly_fields = ["allowed_variables", "preview"]
    fieldsets = (
        (None, {"fields": ("kind", "channel", "language", "store")}),
        (_("Wording"), {"fields": ("subject", "body", "allowed_variables")}),
        (_("Preview"), {"fields": ("preview",)}),
    )

    def get_queryset(self, request):
        templates = admin.ModelAdmin.get_queryset(self, request)
        if sees_every_store(request.user):
            return templates
        # The group's wording is visible (read-only) to every store: it is what they send.
        stores = for_user(Store.objects.all(), request.user)
        return templates.filter(Q(store__isnull=True) | Q(store__in=stores))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def _may_edit(self, request, obj):
        return obj is None or obj.store_id is not None or sees_every_store(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    @admin.display(description=_("store"), ordering="store__name")
    def store_or_group(self, obj):
        return obj.store.name if obj.store_id else _("Group-wide")

    @admin.display(description=_("variables"))
    def allowed_variables(self, obj):
        kind = KINDS.get(obj.kind) if obj else None
        if kind is None:
            return _("Save the kind first; its variables are listed here.")
        return ", ".join("{%s}" % name for name in sorted(kind.variables))

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None or obj.kind not in KINDS:
            return _("Save to see a preview.")
        try:
            subject, body = obj.render(sample_context(obj))
        except (KeyError, IndexError, ValueError, AttributeError) as error:
            return format_html('<span class="errornote">{}: {}</span>', _("The wording cannot be shown"), error)
        if KINDS[obj.kind].purpose == Purpose.MARKETING and obj.channel == Channel.SMS:
            opt_out = obj.store.sms_opt_out_wording if obj.store_id else DEFAULT_OPT_OUT
            body = f"{body} {opt_out}".strip()
        rows = []
        if obj.channel == Channel.EMAIL:
            rows.append((_("Subject"), subject))
        rows.append((_("Text"), body))
        rows.append((_("Length"), _("%(count)d characters") % {"count": len(body)}))
        return format_html(
            '<div data-testid="template-preview">{}</div>',
            format_html_join("", "<p><strong>{}:</strong> {}</p>", rows),
        )


class _Masked:
    """A message that reads as "Appointment reminder → 138****5678"."""

    def __init__(self, message):
        self._message = message

    def __getattr__(self, name):
        return getattr(self._message, name)

    def __str__(self):
        return f"{self._message.get_kind_display()} → {masked_address(self._message)}"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(StoreScopedAdmin):
    """The outbox as it is: nobody adds, edits or deletes a message here."""

    list_display = ["created_at", "store", "kind", "channel", "masked_to", "status",
                    "suppression_reason", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "purpose", ("store", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["store"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = ["store", "customer", "kind", "purpose", "channel", "masked_to", "language",
              "status", "suppression_reason", "attempts", "send_after", "created_at", "sent_at",
              "provider_message_id", "last_error", "subject", "visible_text", "idempotency_key"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    # The model's str() holds the whole number; the admin's titles and breadcrumbs show it
    # masked.
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["original"] = _Masked(obj)
            context["subtitle"] = str(context["original"])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            masked = _Masked(obj)
            extra_context = {**(extra_context or {}), "object": masked,
                             "title": _("Change history: %s") % masked}
        return super().history_view(request, object_id, extra_context)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def masked_to(self, obj):
        return masked_address(obj)

    @admin.display(description=_("text"))
    def visible_text(self, obj):
        return obj.body if shows_text(obj) else _("Hidden (contains a verification code)")
