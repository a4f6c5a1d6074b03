from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from aftersales.admin import StoreScopedAdmin

from . import capacity
from .models import (
    AdvisorAbsence, AdvisorCapacity, Appointment, CapacitySettings, OpeningHours, PeakWindow, ServiceType,
    SpecialDay, WorkshopAbsence,
)


class RefreshesCapacity:
    """A change to what a store can take rewrites the capacity of its counters to come."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        capacity.refresh_capacity(obj.store)

    def delete_model(self, request, obj):
        store = obj.store
        super().delete_model(request, obj)
        capacity.refresh_capacity(store)


@admin.register(CapacitySettings)
class CapacitySettingsAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "reception_per_slot", "online_slot_percent", "online_day_percent", "technicians",
                    "hours_per_technician", "horizon_days"]
    readonly_fields = ["welcome_board_token"]
    actions = ["rotate_welcome_board_link"]

    @admin.action(description=_("Rotate the welcome board link"))
    def rotate_welcome_board_link(self, request, queryset):
        for settings in queryset:
            settings.rotate_board_token()
        self.message_user(request, _("The old welcome board links no longer work."), messages.SUCCESS)


@admin.register(OpeningHours)
class OpeningHoursAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "weekday", "opens_at", "closes_at", "is_closed"]
    list_filter = ["store"]


@admin.register(PeakWindow)
class PeakWindowAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "starts_at", "ends_at", "percent"]
    list_filter = ["store"]


@admin.register(SpecialDay)
class SpecialDayAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "day", "is_open", "note"]
    list_filter = ["store", "is_open"]


@admin.register(ServiceType)
class ServiceTypeAdmin(StoreScopedAdmin):
    list_display = ["store", "name", "repair_type", "labour_hours", "bookable_online", "is_active"]
    list_filter = ["store", "repair_type", "is_active"]


@admin.register(WorkshopAbsence)
class WorkshopAbsenceAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "day", "technician_hours", "reason"]
    list_filter = ["store"]


@admin.register(AdvisorCapacity)
class AdvisorCapacityAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "advisor", "per_slot", "is_bookable"]
    list_filter = ["store"]


@admin.register(AdvisorAbsence)
class AdvisorAbsenceAdmin(RefreshesCapacity, StoreScopedAdmin):
    list_display = ["store", "advisor", "day", "starts_at", "ends_at", "reason"]
    list_filter = ["store"]


@admin.register(Appointment)
class AppointmentAdmin(StoreScopedAdmin):
    """Read-only: appointments change through their pages, which keep capacity and timeline."""

    list_display = ["starts_at", "store", "vehicle", "status", "source", "advisor"]
    list_filter = ["store", "status", "source"]
    list_select_related = ["store", "vehicle", "advisor"]
    raw_id_fields = ["customer", "vehicle", "advisor", "visit", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
