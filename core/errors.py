"""The one error hierarchy of the services: a refusal with a message for the user.

    ServiceError   the rules say no (400 in the API); `errors` maps field names to messages where they apply
    NotAllowed     the user may not do this (403)
    Conflict       the record changed since it was read: stale version, concurrent edit (409)

Each app's names are these classes or subclasses of them (facilities.services.RegistryError is ServiceError,
subsidies.services.PaymentHeld a ServiceError with its own `code`, …). Views copy a refusal onto their form
with core.forms.apply_service_error; the API turns it into its one error body in core.api.exceptions.
Nothing is written when a service raises one of these.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message for the user. `errors` maps field names to messages where they apply.
    `code` is the stable error code the API reports for it."""

    code = "invalid"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotAllowed(ServiceError):
    """The user may see the record but not do this to it."""

    code = "not_allowed"


class Conflict(ServiceError):
    """Someone else changed the record since it was read (a stale version)."""

    code = "conflict"


__all__ = ["Conflict", "NotAllowed", "ServiceError"]


def validated(obj) -> None:
    """The model's own rules (fields, clean(), constraints) as a ServiceError naming the fields, so that a
    service refuses what the model refuses and the forms show each message beside its input."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(validate_constraints=True)
    except ValidationError as error:
        errors = {k: [str(m) for m in v] for k, v in error.message_dict.items()}
        message = "；".join(m for messages in errors.values() for m in messages)
        raise ServiceError(message, {k: v for k, v in errors.items() if k != "__all__"}) from None
