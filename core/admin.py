"""Django's admin, scoped by core.access on top of Django's model permissions: scoping only ever narrows what
those allow, and superusers see and change everything.

- `ScopedAdminMixin`: rows are `for_user(user, view_action)`; a row is changed or deleted by whoever may
  `write_action` it, and added by whoever holds a role that may (a district official, by default). Foreign
  keys and many-to-many fields offer only the rows the user may write (a district official's own district,
  its towns, funds, facilities…), so nothing can be attached to another district.
- `ReferenceDataMixin`: rules and reference data — read by every staff user with the view permission,
  changed by superusers only.
- `ReadOnlyAdminMixin`: records written only by the services (or the database).
- `ServiceSaveMixin`: rows the admin saves through their app's service, like every other write.
- `VersionedAdminMixin` (part of the others): the change form of a versioned record carries its version and
  refuses a save over a newer one (core.versioning), for the main form and its inlines alike.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core import access, privacy
from core.access import Action
from core.formatting import listing
from core.forms import versioned
from core.versioning import StaleVersion


def _without_version(fields):
    return None if fields is None else [f for f in fields if f != "version"]


def _is_versioned(model) -> bool:
    return any(f.name == "version" for f in model._meta.concrete_fields) and not getattr(
        model, "version_in_service", False
    )


class VersionedAdminMixin:
    """The version as a hidden field of the change form (and of each inline row), checked on save."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not _is_versioned(self.model) or "version" in flatten_fieldsets(fieldsets):
            return fieldsets
        *rest, (name, options) = fieldsets
        return [*rest, (name, {**options, "fields": [*options["fields"], "version"]})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not _is_versioned(self.model):
            return super().get_form(request, obj, change=change, **kwargs)
        fields = (
            kwargs.pop("fields")
            if "fields" in kwargs
            else flatten_fieldsets(self.get_fieldsets(request, obj))
        )
        kwargs.setdefault("form", versioned(self.form))
        return super().get_form(request, obj, change, fields=_without_version(fields), **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        if not _is_versioned(self.model):
            return super().get_formset(request, obj, **kwargs)
        fields = (
            kwargs.pop("fields")
            if "fields" in kwargs
            else flatten_fieldsets(self.get_fieldsets(request, obj))
        )
        kwargs.setdefault("form", versioned(self.form))
        return super().get_formset(request, obj, fields=_without_version(fields), **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except StaleVersion as refusal:  # lost the race after the form's own check: nothing was written
            messages.error(request, refusal.message)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceSaveMixin:
    """The admin saves a row through its service: `save_service` is called with the acting user as `user`
    (unless `save_user` is False), the edited row's `save_fields` (a service argument named differently
    from its field is mapped in `save_renamed`), and, on a change, the row itself as `save_instance`. The
    saved row is copied back so the admin's log and redirect name it."""

    save_service: Callable[..., Model]  # staticmethod(<service>), or a method calling it
    save_fields: tuple[str, ...] = ()
    save_renamed: dict[str, str] = {}  # service argument -> field
    save_user = True
    save_instance: str | None = None  # the service's argument for the row being changed

    def save_model(self, request, obj, form, change):
        arguments = {name: getattr(obj, name) for name in self.save_fields}
        arguments.update({argument: getattr(obj, field) for argument, field in self.save_renamed.items()})
        if self.save_user:
            arguments["user"] = request.user
        if self.save_instance:
            arguments[self.save_instance] = obj if change else None
        saved = self.save_service(**arguments)
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db


class ReferenceDataMixin(VersionedAdminMixin):
    """Anyone with the view permission reads these rows; only superusers change them."""

    def has_add_permission(self, request, *args):
        return access.unrestricted(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return access.unrestricted(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return access.unrestricted(request.user) and super().has_delete_permission(request, obj)


class SuperuserOnlyMixin(VersionedAdminMixin):
    """Rows that widen or reveal someone's access (grants, the security log): superusers only."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if access.unrestricted(request.user) else queryset.none()

    def has_module_permission(self, request):
        return access.unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return access.unrestricted(request.user)

    def has_add_permission(self, request, *args):
        return access.unrestricted(request.user)

    def has_change_permission(self, request, obj=None):
        return access.unrestricted(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.unrestricted(request.user)


class ScopedAdminMixin(VersionedAdminMixin):
    """Rows and objects scoped by core.access. Set `view_action` and `write_action` (None: read-only)."""

    view_action: Action = Action.DASHBOARD
    write_action: Action | None = Action.MANAGE
    # Which region level a foreign key to a place may point at, by field name.
    region_levels = {"district": ("district",), "town": ("town",), "region": ("district", "town")}

    def scoped_model(self):
        return self.model

    def get_queryset(self, request):
        return access.for_user(request.user, self.view_action, super().get_queryset(request))

    def may_view(self, request, obj) -> bool:
        return access.can(request.user, self.view_action, obj)

    def may_write(self, request, obj=None) -> bool:
        if access.unrestricted(request.user):
            return True
        if self.write_action is None:
            return False
        if obj is None:
            model = self.scoped_model()
            return access.has_role(request.user, *model.scope.roles_for(self.write_action))
        return access.can(request.user, self.write_action, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or self.may_view(request, obj))

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self.may_write(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    # Private fields (core.privacy): a stored ID number is shown masked, read-only, to all but superusers; an
    # internal note is left out for those who may not read it.
    def get_exclude(self, request, obj=None):
        hidden = privacy.form_hidden(self.model, request.user, obj)
        excluded = super().get_exclude(request, obj)
        return [*(excluded or ()), *hidden] if hidden else excluded

    def get_fields(self, request, obj=None):
        hidden = privacy.form_hidden(self.model, request.user, obj)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if set(privacy.of(self.model).id_numbers) & set(privacy.form_hidden(self.model, request.user, obj)):
            return [*fields, "masked_id_numbers"]
        return fields

    @admin.display(description=_("身份证号"))
    def masked_id_numbers(self, obj):
        return listing(privacy.mask_id_number(getattr(obj, f)) for f in privacy.of(type(obj)).id_numbers)

    def writable(self, request, model, field_name: str):
        """The rows of `model` a non-superuser may attach to a row they write."""
        queryset = access.for_user(request.user, self.write_action or Action.MANAGE, model)
        if model._meta.label == "targets.Region":
            queryset = queryset.filter(level__in=self.region_levels.get(field_name, ("district", "town")))
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if not access.unrestricted(request.user) and hasattr(model, "scope"):
            kwargs.setdefault("queryset", self.writable(request, model, db_field.name))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if not access.unrestricted(request.user) and hasattr(model, "scope"):
            kwargs.setdefault("queryset", self.writable(request, model, db_field.name))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ScopedInlineMixin(VersionedAdminMixin):
    """An inline: rows scoped like their model; `obj` is the parent row, and the rows are written when the
    parent may be (`write_action` on the parent)."""

    view_action: Action = Action.VIEW
    write_action: Action | None = Action.MANAGE

    def get_queryset(self, request):
        return access.for_user(request.user, self.view_action, super().get_queryset(request))

    def may_write(self, request, parent=None) -> bool:
        if access.unrestricted(request.user):
            return True
        if self.write_action is None:
            return False
        return parent is None or access.can(request.user, self.write_action, parent)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self.may_write(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)
