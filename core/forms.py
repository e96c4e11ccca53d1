"""Form helpers every app's views share."""

from __future__ import annotations

from django import forms

from core.errors import ServiceError
from core.versioning import StaleVersion


def apply_service_error(form, error: ServiceError) -> None:
    """Show a service's refusal on the form: each field's messages beside that field (on the form as a whole
    when the form has no such field), or the message on the form when no field is named."""
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.message)
    if isinstance(error, StaleVersion):  # what changed meanwhile, one line a field
        for line in error.change_lines():
            form.add_error(None, line)
        if "version" in form.fields:
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = error.current_version


class VersionedFormMixin:
    """A model form over a versioned record (core.models.Versioned) carries the version it showed, in a
    hidden field, and refuses a save based on an older one: the user's input stays in the form, the error
    says what changed meanwhile, and the hidden version moves to the current one, so that saving again is a
    deliberate choice to keep their input. The model's save checks the version once more (the race)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.fields:
            self.fields["version"] = version_field()
        if self.instance.pk is not None:  # a new row has no version to check yet
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        read = data.get("version") if "version" in self.fields else None
        if read is not None:
            current = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
            if current is not None and current.version != read:
                apply_service_error(self, StaleVersion(current, read, submitted=self.instance))
        return data

    def _post_clean(self):
        super()._post_clean()
        read = self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None
        if read is not None and self.instance.pk is not None:
            self.instance.version = read


def version_field():
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def versioned(form_class):
    """`form_class` with the version check of VersionedFormMixin and a declared `version` field (the admin
    builds its forms from declared fields)."""
    if issubclass(form_class, VersionedFormMixin):
        return form_class
    attrs = {"__module__": form_class.__module__, "version": version_field()}
    return type(form_class.__name__, (VersionedFormMixin, form_class), attrs)
