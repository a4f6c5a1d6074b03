from django.contrib import admin

from aftersales.scoping import for_user

from .models import MysteryShopperPolicy, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["store", "month", "figure", "value", "set_by", "updated_at"]
    list_filter = ["store", "figure", "month"]
    readonly_fields = ["set_by", "updated_at"]

    def get_queryset(self, request):
        return for_user(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            from aftersales.models import Store

            kwargs["queryset"] = for_user(Store.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MysteryShopperPolicy)
class MysteryShopperPolicyAdmin(admin.ModelAdmin):
    list_display = ["store", "poor_below", "target"]

    def get_queryset(self, request):
        return for_user(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            from aftersales.models import Store

            kwargs["queryset"] = for_user(Store.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
