from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Heartbeat, Store, User


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    autocomplete_fields = ["head"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "phone", "opens_at", "closes_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "store", "head"]
    list_filter = ["kind", "store"]
    search_fields = ["name", "store__name"]
    list_select_related = ["store", "head"]
    autocomplete_fields = ["head"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "department", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "stores", "all_stores"]
    search_fields = ["username", "full_name", "mobile", "email"]
    list_select_related = ["department"]
    filter_horizontal = ["stores", "groups", "user_permissions"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "mobile", "email")}),
        (_("Where they work"), {"fields": ("stores", "all_stores", "department")}),
        (_("Role"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "password1", "password2")}),
        (_("Where they work"), {"fields": ("stores", "all_stores", "department", "groups")}),
    )


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
    readonly_fields = ["name", "beat_at"]
