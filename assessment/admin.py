from django.contrib import admin

from assessment.models import Criterion, Cycle, Domain, RaggBand, Rating


class RaggBandInline(admin.TabularInline):
    model = RaggBand
    extra = 0
    readonly_fields = ["code", "label", "minimum", "maximum"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # bands come from the framework file, through load_cycle


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["label", "framework_name", "phase", "submission_deadline", "register_year"]
    list_filter = ["phase"]
    readonly_fields = [
        "label",
        "slug",
        "framework_name",
        "indicator_name",
        "guidance_section",
        "guidance_title",
        "framework_version",
        "register_year",
        "period_start",
        "period_end",
        "bands_version",
        "source_sha256",
        "created_at",
        "updated_at",
    ]
    inlines = [RaggBandInline]


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0
    readonly_fields = ["code", "title", "description", "evidence_examples", "position"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["cycle", "code", "name"]
    list_filter = ["cycle"]
    readonly_fields = ["cycle", "code", "name", "summary"]
    inlines = [CriterionInline]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Final ratings are read-only here as everywhere (the database refuses changes too)."""

    list_display = ["submission", "total", "band_label", "bands_version", "source", "finalised_at"]
    list_filter = ["band_code", "source", "submission__cycle"]
    list_select_related = ["submission__ccg", "submission__cycle"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
