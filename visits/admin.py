from django.contrib import admin

from aftersales.admin import StoreScopedAdmin

from .models import FollowUpRule


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(StoreScopedAdmin):
    """Each store's return-visit rules (defaults from seed 001, installed by the morning job)."""

    list_display = ["store", "trigger", "repair_type", "offsets_days", "window_days", "priority", "is_active"]
    list_filter = ["trigger", "is_active", ("store", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["store"]
