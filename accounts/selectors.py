"""Who manages which tokens and API-client accounts, decided with core.access (roles and
districts). Anything outside the user's scope is a 404 in the views, as everywhere else in the portal."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import ApiToken
from core import access
from core.access import Role
from facilities.models import RoleAssignment
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


def client_grants(user):
    """API-client grants wholly inside the regions the user manages (their districts, or everything below
    the city they were granted on; all for a superuser). Only these are the user's to issue tokens under."""
    grants = RoleAssignment.objects.filter(role=Role.API_CLIENT)
    covered = access.covered_region_ids(user, Role.DISTRICT_OFFICIAL)
    return grants if covered is None else grants.filter(region__in=covered)


def api_clients(user):
    """API-client accounts with a grant in the user's managed regions (none unless an official)."""
    return (
        get_user_model()
        .objects.filter(roles__in=client_grants(user).values("pk"))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )


def token_grant(issuer, owner):
    """The grant a token of `owner` issued by `issuer` carries: None for one's own token (all one's grants)
    or for an account whose every grant lies inside the issuer's regions; else the one grant of the account
    that does. Raises PermissionError when the account has none, or several, inside."""
    if owner.pk == issuer.pk:
        return None
    inside = list(client_grants(issuer).filter(user=owner))
    outside = RoleAssignment.objects.filter(user=owner).exclude(pk__in=[g.pk for g in inside]).exists()
    if inside and not outside:
        return inside[0] if len(inside) == 1 else None
    if len(inside) == 1:
        return inside[0]
    raise PermissionError(owner)


def manageable_tokens(user):
    """Tokens the user may see and revoke: their own, and those of API-client accounts that reach no further
    than the user's regions — a token issued under a grant inside them, or a token without a grant (its
    owner's whole scope) of an account with no grant outside them."""
    inside = client_grants(user)
    reaching_out = RoleAssignment.objects.exclude(pk__in=inside.values("pk"))
    wholly_inside = api_clients(user).exclude(roles__in=reaching_out.values("pk"))
    return ApiToken.objects.filter(
        Q(user=user)
        | (Q(grant__in=inside.values("pk")) & ~Q(user=user))
        | Q(grant__isnull=True, user__in=wholly_inside.values("pk"))
    )


def is_api_client(user) -> bool:
    return access.has_role(user, Role.API_CLIENT)
