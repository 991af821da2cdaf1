"""Read-only admin of improvement support: every change is written by support.services."""

from django.contrib import admin

from support.models import ImprovementSession, SessionEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImprovementSession)
class ImprovementSessionAdmin(ReadOnlyAdmin):
    list_display = ["submission", "status", "offered_on", "booked_for", "held_on", "declined_on"]
    list_filter = ["status", "submission__cycle"]


@admin.register(SessionEvent)
class SessionEventAdmin(ReadOnlyAdmin):
    list_display = ["session", "from_status", "to_status", "actor", "at"]
