from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import CCGRole, User


class CCGRoleInline(admin.TabularInline):
    model = CCGRole
    extra = 0
    autocomplete_fields = ["ccg"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "is_assessor",
        "is_moderator",
        "is_national_admin",
        "is_active",
    ]
    list_filter = [
        "is_assessor",
        "is_moderator",
        "is_national_admin",
        "is_active",
        "ccg_roles__role",
    ]
    search_fields = ["email", "full_name"]
    inlines = [CCGRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Roles", {"fields": ["is_assessor", "is_moderator", "is_national_admin"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(CCGRole)
class CCGRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "ccg", "cycle"]
    list_filter = ["role", "cycle"]
    search_fields = ["user__email", "user__full_name", "ccg__name", "ccg__ods_code"]
    autocomplete_fields = ["user", "ccg"]
    list_select_related = ["user", "ccg", "cycle"]
