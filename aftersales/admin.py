"""The admin site for administrators. A store's administrator manages only their own stores,
and only a superuser can hand out superuser status, group-wide visibility or loose permissions."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Heartbeat, Store, User
from .scoping import for_user, sees_every_store


class StoreScopedAdmin(admin.ModelAdmin):
    """Rows and foreign-key choices limited to the stores the admin user works at."""

    def get_queryset(self, request):
        return for_user(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_field(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_field(field, request)


def _scope_field(field, request):
    if field is None or not hasattr(field, "queryset"):
        return field
    model = field.queryset.model
    if model is Store or hasattr(model, "STORE_LOOKUP") or any(
        f.name == "store" for f in model._meta.get_fields()
    ):
        field.queryset = for_user(field.queryset, request.user)
    elif model is User and not sees_every_store(request.user):
        field.queryset = field.queryset.filter(stores__in=for_user(Store.objects.all(), request.user)).distinct()
    return field


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    autocomplete_fields = ["head"]


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    list_display = ["code", "name", "phone", "opens_at", "closes_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    inlines = [DepartmentInline]

    def has_add_permission(self, request):
        # A new store changes the group; only group-wide administrators open one.
        return sees_every_store(request.user) and super().has_add_permission(request)


@admin.register(Department)
class DepartmentAdmin(StoreScopedAdmin):
    list_display = ["name", "name_en", "kind", "store", "head"]
    list_filter = ["kind", ("store", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_en", "store__name"]
    list_select_related = ["store", "head"]
    autocomplete_fields = ["head"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, StoreScopedAdmin):
    list_display = ["username", "full_name", "department", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "stores", "all_stores"]
    search_fields = ["username", "full_name", "mobile", "email"]
    list_select_related = ["department"]
    filter_horizontal = ["stores", "groups", "user_permissions"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "mobile", "email", "language")}),
        (_("Where they work"), {"fields": ("stores", "all_stores", "department")}),
        (_("Role"), {"fields": ("is_active", "groups", "is_staff", "is_superuser", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "password1", "password2")}),
        (_("Where they work"), {"fields": ("stores", "department", "groups")}),
    )
    # Fields that widen what someone may see or do beyond a store's roles.
    SUPERUSER_ONLY_FIELDS = ("is_superuser", "all_stores", "user_permissions", "is_staff")

    def get_queryset(self, request):
        users = admin.ModelAdmin.get_queryset(self, request)
        if sees_every_store(request.user):
            return users
        return users.filter(stores__in=for_user(Store.objects.all(), request.user)).distinct()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [f for f in self.SUPERUSER_ONLY_FIELDS if f not in readonly]
        return readonly


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
    readonly_fields = ["name", "beat_at"]


from .messaging import admin as messaging_admin  # noqa: E402,F401  (registers them)
