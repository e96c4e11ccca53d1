from django.contrib import admin

from accounts.models import SecurityEvent
from core import access


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, read-only: events are written by accounts.security, never by hand. It spans
    every district (and names people and addresses), so only superusers read it."""

    list_display = ["at", "kind", "username", "ip_address", "method", "path", "status", "reason"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "ip_address", "path"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return access.unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return access.unrestricted(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
