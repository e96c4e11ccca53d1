"""Form helpers every app's views share."""

from __future__ import annotations

from core.errors import ServiceError


def apply_service_error(form, error: ServiceError) -> None:
    """Show a service's refusal on the form: each field's messages beside that field (on the form as a whole
    when the form has no such field), or the message on the form when no field is named."""
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.message)
