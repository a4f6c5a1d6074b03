from django.contrib import admin

from .models import CalendarDay, CalendarYear


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


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "published", "loaded_at"]
