from django.contrib import admin

from aftersales.admin import StoreScopedAdmin

from .models import LoyaltyPolicy


@admin.register(LoyaltyPolicy)
class LoyaltyPolicyAdmin(StoreScopedAdmin):
    """Each store tunes how it grades its customers (see customers/loyalty.py for the rule)."""

    list_display = ["store", "window_months", "loyal_min_visits", "lapsing_after_months", "churned_after_months"]
    list_select_related = ["store"]
