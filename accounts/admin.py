from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import SecurityEvent
from core import access, usernames
from core.admin import SuperuserOnlyMixin


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


# --- users, groups and permissions: superusers only ---------------------------------------------------------
# Officials open and revoke accounts on the portal's accounts pages, scoped by region (facilities.views.
# accounts, accounts.views.tokens). The admin's user and group pages could grant anything (superuser status,
# staff status, every permission), so nobody else reaches them; accounts.privileges logs every change of
# those fields and refuses one made on behalf of anyone but a superuser.

User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


class UserCreationForm(auth_forms.AdminUserCreationForm):
    def clean_username(self):
        try:
            return usernames.clean_new_username(self.cleaned_data.get("username", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


@admin.register(User)
class UserAdmin(SuperuserOnlyMixin, auth_admin.UserAdmin):
    add_form = UserCreationForm


@admin.register(Group)
class GroupAdmin(SuperuserOnlyMixin, auth_admin.GroupAdmin):
    pass
