from django.contrib import admin

from aftersales.admin import StoreScopedAdmin

from .calendar import calendar_changed
from .models import CalendarDay, CalendarYear, DeadlinePolicy


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Corrections to the holiday arrangement; a day saved here is kept when a year is reloaded."""

    list_display = ["day", "is_working_day", "name", "source"]
    list_filter = ["is_working_day", "source"]
    readonly_fields = ["source"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)
        # A day moved to another date changes the deadlines counted over both.
        calendar_changed(min(form.initial.get("day") or obj.day, obj.day))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed(obj.day)

    def delete_queryset(self, request, queryset):
        first = min(queryset.values_list("day", flat=True), default=None)
        super().delete_queryset(request, queryset)
        if first is not None:
            calendar_changed(first)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "published", "loaded_at"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(StoreScopedAdmin):
    """Each store's deadlines per category and severity; the most specific row applies."""

    list_display = ["store", "category", "severity", "acknowledge_hours", "answer_working_days",
                    "callback_working_days", "escalate_every_hours"]
    list_filter = ["store", "category", "severity"]
