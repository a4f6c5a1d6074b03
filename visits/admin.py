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


# Customer care (visits.care): service intervals per model line, and each store's care policy.
from .models import CarePolicy, ServiceInterval  # noqa: E402


@admin.register(ServiceInterval)
class ServiceIntervalAdmin(StoreScopedAdmin):
    """Every N km or M months, whichever first; the first service after X km or Y months."""

    list_display = ["store", "model_line", "every_km", "every_months", "first_km", "first_months"]
    list_filter = [("store", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["store"]


@admin.register(CarePolicy)
class CarePolicyAdmin(StoreScopedAdmin):
    """When a store reminds, calls and greets."""

    list_display = ["store", "reminder_days_before", "call_after_days", "max_unanswered_reminders",
                    "insurance_call_days", "greet_birthdays", "greet_festivals"]
    list_select_related = ["store"]
