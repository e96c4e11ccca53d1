"""Who manages which tokens and API-client accounts, decided with core.access (roles and
districts). Anything outside the user's scope is a 404 in the views, as everywhere else in the portal."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import ApiToken
from core import access
from core.access import Role
from targets.models import Region


def may_use_tokens(user) -> bool:
    """Signed-in users who hold a role, and superusers."""
    return bool(getattr(user, "is_authenticated", False)) and (
        access.unrestricted(user) or bool(access.grants(user))
    )


def managed_districts(user):
    """Districts whose API-client accounts the user manages: those where they are a district official
    (every district for a superuser)."""
    return Region.objects.districts().for_user(user, access.Action.MANAGE)


def api_clients(user):
    """API-client accounts of the user's managed districts (none unless the user is a district official)."""
    return (
        get_user_model()
        .objects.filter(roles__role=Role.API_CLIENT, roles__region__in=managed_districts(user).values("pk"))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )


def manageable_tokens(user):
    """Tokens the user may see and revoke: their own and those of their districts' API-client accounts."""
    return ApiToken.objects.filter(Q(user=user) | Q(user__in=api_clients(user).values("pk")))


def is_api_client(user) -> bool:
    return access.has_role(user, Role.API_CLIENT)
