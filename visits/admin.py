from django.contrib import admin

from aftersales.admin import StoreScopedAdmin

from .models import CallPolicy, FollowUpRule


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(StoreScopedAdmin):
    """Each store's return-visit rules (defaults from seed 001, installed by the morning job)."""

    list_display = ["store", "trigger", "repair_type", "offsets_days", "window_days", "priority", "is_active"]
    list_filter = ["trigger", "is_active", ("store", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["store"]


@admin.register(CallPolicy)
class CallPolicyAdmin(StoreScopedAdmin):
    """How long a claim lasts and how often an unanswered call is retried, per store."""

    list_display = ["store", "lease_minutes", "retry_after_minutes", "max_attempts_per_day", "max_attempts"]
    list_select_related = ["store"]
