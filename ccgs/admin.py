from django.contrib import admin

from ccgs.models import CCG, STP, Region, RegisterEntry


class RegisterEntryInline(admin.TabularInline):
    model = RegisterEntry
    extra = 0
    fields = ["year", "name", "ons_code", "stp"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # entries come from the ONS files, through import_ccgs


@admin.register(CCG)
class CCGAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "ons_code", "stp", "region_name", "successor"]
    list_filter = ["stp__region", "stp", "register_entries__year"]
    search_fields = ["ods_code", "ons_code", "name", "register_entries__name"]
    list_select_related = ["stp__region", "successor"]
    autocomplete_fields = ["successor"]
    readonly_fields = ["ods_code", "ons_code", "name", "stp"]
    inlines = [RegisterEntryInline]

    @admin.display(description="NHS region", ordering="stp__region__name")
    def region_name(self, obj):
        return obj.stp.region.name

    def save_model(self, request, obj, form, change):
        if "successor" in form.changed_data:
            obj.successor_basis = CCG.SuccessorBasis.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(STP)
class STPAdmin(admin.ModelAdmin):
    list_display = ["ons_code", "ods_code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "ons_code", "ods_code"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["ons_code", "ods_code", "name"]
