"""The one place that decides who sees and changes what.

`facilities_for(user, action)` scopes querysets; `can(user, action, facility)` and `facility_or_404` decide
object access. Every page, admin view, export and API endpoint calls these; nothing re-implements scoping.

    district official  view, edit, review filings, change operating status — facilities of their districts
    town official      view — facilities of their town
    operator           view and edit (changes to filed records wait for review) — their own facilities
    API client         view — facilities of their districts (read-only)
    superuser          everything
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404

from facilities.models import Facility, RoleAssignment, StaffMember
from targets.models import Region

Role = RoleAssignment.Role


class Action(StrEnum):
    VIEW = "view"
    VIEW_STAFF = "view_staff"  # rosters hold ID numbers: not for town officials or API clients
    EDIT = "edit"
    REVIEW = "review"  # acknowledge, approve or return filings; decide pending changes
    MANAGE_STATUS = "manage_status"  # suspend, close, reopen


# Which roles may perform an action, and through which link (district, town or facility).
GRANTS: dict[Action, set[str]] = {
    Action.VIEW: {Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.OPERATOR, Role.API_CLIENT},
    Action.VIEW_STAFF: {Role.DISTRICT_OFFICIAL, Role.OPERATOR},
    Action.EDIT: {Role.DISTRICT_OFFICIAL, Role.OPERATOR},
    Action.REVIEW: {Role.DISTRICT_OFFICIAL},
    Action.MANAGE_STATUS: {Role.DISTRICT_OFFICIAL},
}


def assignments(user) -> list[RoleAssignment]:
    """The user's role assignments, read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_tuoyu_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("region"))
        user._tuoyu_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return any(a.role in roles for a in assignments(user))


def is_official(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.DISTRICT_OFFICIAL)


def district_ids(user, *roles: str) -> list[int]:
    return [a.region_id for a in assignments(user) if a.role in roles and a.region_id]


def facility_ids(user) -> list[int]:
    return [a.facility_id for a in assignments(user) if a.role == Role.OPERATOR]


def facility_scope(user, action: Action | str = Action.VIEW) -> Q | None:
    """A Q over Facility for what the user may do; None means everything (superuser)."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return None
    allowed = GRANTS[Action(action)]
    condition = Q(pk__in=[])
    for assignment in assignments(user):
        if assignment.role not in allowed:
            continue
        if assignment.role in (Role.DISTRICT_OFFICIAL, Role.API_CLIENT):
            condition |= Q(district_id=assignment.region_id)
        elif assignment.role == Role.TOWN_OFFICIAL:
            condition |= Q(town_id=assignment.region_id)
        elif assignment.role == Role.OPERATOR:
            condition |= Q(pk=assignment.facility_id)
    return condition


def facilities_for(user, action: Action | str = Action.VIEW, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Facility.objects.all() if queryset is None else queryset
    scope = facility_scope(user, action)
    return queryset if scope is None else queryset.filter(scope)


def related_for(
    user, queryset: QuerySet, action: Action | str = Action.VIEW, path: str = "facility"
) -> QuerySet:
    """Scope any model that hangs off a facility (units, staff, checklist…) through `path`."""
    scope = facility_scope(user, action)
    if scope is None:
        return queryset
    return queryset.filter(**{f"{path}__in": facilities_for(user, action).values("pk")})


def staff_for(user) -> QuerySet[StaffMember]:
    return related_for(user, StaffMember.objects.all(), Action.VIEW_STAFF)


def can(user, action: Action | str, facility: Facility) -> bool:
    if facility.pk is None:
        return False
    return facilities_for(user, action).filter(pk=facility.pk).exists()


def facility_or_404(
    user, pk, action: Action | str = Action.VIEW, queryset: QuerySet | None = None
) -> Facility:
    """Objects outside the user's scope are 404, not 403: their existence is not disclosed."""
    try:
        return facilities_for(user, action, queryset).get(pk=pk)
    except (Facility.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def districts_for(user) -> QuerySet[Region]:
    """Districts in which the user may create facilities."""
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    if getattr(user, "is_superuser", False):
        return districts
    ids = district_ids(user, Role.DISTRICT_OFFICIAL)
    ids += (
        [
            a.facility.district_id
            for a in RoleAssignment.objects.filter(user=user, role=Role.OPERATOR).select_related("facility")
        ]
        if has_role(user, Role.OPERATOR)
        else []
    )
    return districts.filter(pk__in=ids)


def is_operator_of(user, facility: Facility) -> bool:
    return any(a.role == Role.OPERATOR and a.facility_id == facility.pk for a in assignments(user))


# ---------------------------------------------------------------- planning scopes (dashboards and exports)


def dashboard_districts(user) -> QuerySet[Region]:
    """Districts whose full dashboard (towns, facilities, flags) the user may open."""
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    if getattr(user, "is_superuser", False):
        return districts
    return districts.filter(pk__in=district_ids(user, Role.DISTRICT_OFFICIAL, Role.API_CLIENT))


def dashboard_towns(user) -> QuerySet[Region]:
    """Towns whose page the user may open: every town of their districts, or a town official's own town."""
    towns = Region.objects.filter(level=Region.Level.TOWN)
    if getattr(user, "is_superuser", False):
        return towns
    own = [a.region_id for a in assignments(user) if a.role == Role.TOWN_OFFICIAL]
    return towns.filter(Q(parent__in=dashboard_districts(user)) | Q(pk__in=own))


def can_compare(user) -> bool:
    """Aggregate indicators of every district, side by side: for officials and API clients."""
    return getattr(user, "is_superuser", False) or has_role(
        user, Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.API_CLIENT
    )
