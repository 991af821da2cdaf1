"""Read-only admin of the letters: documents, runs and the outbox are written by the service."""

from django.contrib import admin

from letters.models import Document, Download, OutboxMessage, RenderJob, RenderRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["submission", "kind", "version", "sha256", "rendered_at"]
    list_filter = ["kind", "submission__cycle"]
    search_fields = ["submission__ccg__name", "submission__ccg__ods_code"]


@admin.register(RenderRun)
class RenderRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "cycle", "requested_by", "requested_at", "source"]


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "run", "submission", "kind", "status", "attempts"]
    list_filter = ["status", "kind"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["document", "recipient", "status", "sent_at"]
    list_filter = ["status"]


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    list_display = ["document", "user", "at"]
