"""The library in the Django admin: read only; decisions and consent go through the pages,
whose services check the permissions and keep the history."""

from django.contrib import admin

from library.models import ConsentEvent, GoodPracticeExample, PublicationConsent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GoodPracticeExample)
class GoodPracticeExampleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "cycle", "domain", "status", "decided_at"]
    list_filter = ["status", "cycle"]


@admin.register(PublicationConsent)
class PublicationConsentAdmin(ReadOnlyAdmin):
    list_display = ["ccg", "cycle", "consented", "recorded_at"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["ccg", "cycle", "consented", "recorded_by", "recorded_at"]
