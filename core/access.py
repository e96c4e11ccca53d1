"""Who sees and changes what: the one mechanism, after NetBox's `RestrictedQuerySet.restrict()`.

A *grant* (a row of the grants table, `facilities.RoleAssignment`: user, role, and a region or a facility) is
read only here. Every scoped model declares how it reaches the grants — its path to a facility, a district
and a town — as a `Scope`, and gets `Model.objects.for_user(user, action)` from `ScopedQuerySet`. The base
views, the scoped admin and the API viewset in core apply it; nothing else reads the superuser flag or the
grants.

    role               reaches                              through the model's path to
    district official  everything of their district        the district
    API client         the same, read-only                  the district
    town official      everything of their town             the town (or the district, for district-wide rows)
    operator           their own facility                   the facility (or its district, district-wide rows)
    superuser          everything

Which roles may do what is `GRANTS` (an action → roles); a model may narrow it with `Scope.grants`. A row
that lies outside the user's scope is "not found" (404), never "forbidden": its existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

GRANT_MODEL = "facilities.RoleAssignment"


class Role(models.TextChoices):
    """The one vocabulary of roles (stored in the grants table)."""

    DISTRICT_OFFICIAL = "district_official", _("区级管理员")
    TOWN_OFFICIAL = "town_official", _("镇街管理员")
    OPERATOR = "operator", _("机构填报人")
    API_CLIENT = "api_client", _("接口只读用户")


class Action(StrEnum):
    VIEW = "view"
    VIEW_STAFF = "view_staff"  # rosters hold ID numbers: not for town officials or API clients
    EDIT = "edit"
    REVIEW = "review"  # acknowledge, approve or return filings; decide pending changes and subsidies
    MANAGE_STATUS = "manage_status"  # suspend, close, reopen
    DASHBOARD = "dashboard"  # open a district's or town's dashboard, exports and statistics
    SUPERVISE = "supervise"  # record inspections, findings, complaints, household income
    MANAGE = "manage"  # change a district's own rows (targets, population, funds, programs, projects…)
    REGISTER = "register"  # create a facility in a district
    VIEW_INTERNAL = "view_internal"  # internal notes (a complaint's handling): officials, never operators


DISTRICT_ROLES = frozenset({Role.DISTRICT_OFFICIAL, Role.API_CLIENT})

# Which roles may perform an action.
GRANTS: dict[Action, frozenset[str]] = {
    Action.VIEW: frozenset(Role.values),
    Action.VIEW_STAFF: frozenset({Role.DISTRICT_OFFICIAL, Role.OPERATOR}),
    Action.EDIT: frozenset({Role.DISTRICT_OFFICIAL, Role.OPERATOR}),
    Action.REVIEW: frozenset({Role.DISTRICT_OFFICIAL}),
    Action.MANAGE_STATUS: frozenset({Role.DISTRICT_OFFICIAL}),
    Action.DASHBOARD: frozenset({Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.API_CLIENT}),
    Action.SUPERVISE: frozenset({Role.DISTRICT_OFFICIAL}),
    Action.MANAGE: frozenset({Role.DISTRICT_OFFICIAL}),
    Action.REGISTER: frozenset({Role.DISTRICT_OFFICIAL, Role.OPERATOR}),
    Action.VIEW_INTERNAL: frozenset({Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL}),
}

Paths = str | tuple[str, ...] | None


def _paths(value: Paths) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Scope:
    """How rows of a model reach the grants.

    `facility`, `district` and `town` are lookup paths to the primary key of the facility, district and town
    a row belongs to (a tuple: any of them). `via="facility"` is the short form for rows hanging off a
    facility. `district_wide` rows (programs, districts themselves) are seen by a town official or an operator
    of the district, not only by its district officials. `many` paths cross a many-valued relation and are
    matched through a sub-query, so that rows are not repeated. `grants` narrows GRANTS for this model.
    """

    facility: Paths = None
    district: Paths = None
    town: Paths = None
    via: str | None = None
    district_wide: bool = False
    many: bool = False
    grants: dict[Action, frozenset[str]] = field(default_factory=dict)
    # Extra roles per action beyond GRANTS: e.g. town officials see inspections that visited their town.
    extra: Callable[[object, Action], Q | None] | None = None
    # The rows grants reach at all (e.g. not archived); the others are superusers' only.
    live: Q | None = None

    def facility_paths(self) -> tuple[str, ...]:
        return _paths(self.facility) or ((self.via,) if self.via else ())

    def district_paths(self) -> tuple[str, ...]:
        return _paths(self.district) or ((f"{self.via}__district",) if self.via else ())

    def town_paths(self) -> tuple[str, ...]:
        return _paths(self.town) or ((f"{self.via}__town",) if self.via else ())

    def roles_for(self, action: Action | str) -> frozenset[str]:
        action = Action(action)
        return self.grants.get(action, GRANTS[action])


def unrestricted(user) -> bool:
    """An active superuser: no scope narrows what they see or do. The only reading of Django's superuser
    flag in the project (outside core)."""
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def unrestricted_accounts(users: QuerySet) -> QuerySet:
    """The accounts among `users` that no scope restricts (superusers)."""
    return users.filter(is_superuser=True, is_active=True)


def is_staff(user) -> bool:
    return bool(getattr(user, "is_staff", False) and getattr(user, "is_active", False))


def grants(user) -> list:
    """The user's grants, read once per user object (one request) with their region and facility.

    A request signed with an API token that was issued under one grant sees that grant only
    (`limit_to_grant`), so a client account holding grants in two districts cannot use one district's token
    to read the other."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_tuoyu_roles", None)
    if cached is None:
        model = apps.get_model(GRANT_MODEL)
        rows = model.objects.filter(user=user).select_related("region", "facility")
        limit = getattr(user, "_tuoyu_grant_limit", None)
        if limit is not None:
            rows = rows.filter(pk=limit)
        cached = list(rows)
        user._tuoyu_roles = cached
    return cached


def limit_to_grant(user, grant_id: int | None) -> None:
    """Narrow this user object (one request) to one of its grants; None leaves every grant."""
    forget_grants(user)
    user._tuoyu_grant_limit = grant_id


def forget_grants(user) -> None:
    """After a grant of this user changed within the same request."""
    if hasattr(user, "_tuoyu_roles"):
        del user._tuoyu_roles


# ---------------------------------------------------------------- the region tree
# A grant on a region covers the region and everything below it: a district official or API client granted
# on a city (重庆市) reaches every district of the city and their towns. Regions are a shallow tree
# (city → district → town), read one level a query, and only for grants above the district level.

DISTRICT_LEVEL = "district"


def _region_model():
    return apps.get_model("targets", "Region")


def descendant_ids(region_ids: Iterable[int], *, level: str | None = None) -> set[int]:
    """The regions below `region_ids` (not the regions themselves), or only those at `level`."""
    found: dict[int, str] = {}
    frontier = list(region_ids)
    while frontier:
        rows = list(_region_model()._base_manager.filter(parent_id__in=frontier).values_list("pk", "level"))
        found.update(rows)
        frontier = [pk for pk, _level in rows]
    return {pk for pk, lvl in found.items() if level is None or lvl == level}


def covered_district_ids(grant) -> list[int]:
    """The districts a district-level role reaches through this grant: its own district, or every district
    below the city it was granted on."""
    if grant.region.level == DISTRICT_LEVEL:
        return [grant.region_id]
    cached = getattr(grant, "_covered_districts", None)
    if cached is None:
        cached = sorted(descendant_ids([grant.region_id], level=DISTRICT_LEVEL))
        grant._covered_districts = cached
    return cached


def district_ids(user, *roles: str) -> list[int]:
    """The districts the user's grants in these roles reach, through the region tree."""
    ids: list[int] = []
    for grant in grants(user):
        if grant.role in roles and grant.region_id:
            ids.extend(i for i in covered_district_ids(grant) if i not in ids)
    return ids


def covered_region_ids(user, *roles: str) -> set[int] | None:
    """Every region at or below the regions of the user's grants in these roles; None means all regions
    (superuser). "Contains" in the portal's sense: an official may grant, issue or revoke only what lies
    wholly inside this set."""
    if unrestricted(user):
        return None
    own = {g.region_id for g in grants(user) if g.role in roles and g.region_id}
    return own | descendant_ids(own) if own else set()


def contains_region(user, region_id: int | None, *roles: str) -> bool:
    covered = covered_region_ids(user, *roles)
    return covered is None or (region_id is not None and region_id in covered)


def has_role(user, *roles: str) -> bool:
    return any(g.role in roles for g in grants(user))


def is_official(user) -> bool:
    """District officials and superusers: who works on the registry and the review queue."""
    return unrestricted(user) or has_role(user, Role.DISTRICT_OFFICIAL)


def region_ids(user, *roles: str) -> list[int]:
    """The regions of the user's grants in these roles."""
    return [g.region_id for g in grants(user) if g.role in roles and g.region_id]


def operated_facility_ids(user) -> list[int]:
    return [g.facility_id for g in grants(user) if g.role == Role.OPERATOR and g.facility_id]


def is_operator_of(user, facility) -> bool:
    return facility.pk is not None and facility.pk in operated_facility_ids(user)


def _match(model, paths: Iterable[str], value, many: bool) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        if many and "__" in path:
            sub = model._base_manager.filter(**{path: value}).values("pk")
            condition |= Q(pk__in=sub)
        else:
            condition |= Q(**{path: value})
    return condition


def _match_in(model, paths: Iterable[str], values: list[int], many: bool) -> Q:
    return _match(model, [f"{path}__in" for path in paths], values, many)


def scope_q(user, action: Action | str, model) -> Q | None:
    """A Q over `model` for what the user may do; None means everything (superuser)."""
    if unrestricted(user):
        return None
    scope: Scope = model.scope
    allowed = scope.roles_for(action)
    condition = Q(pk__in=[])
    facility_paths, district_paths, town_paths = (
        scope.facility_paths(),
        scope.district_paths(),
        scope.town_paths(),
    )
    for grant in grants(user):
        if grant.role not in allowed:
            continue
        if grant.role in DISTRICT_ROLES:
            if grant.region.level == DISTRICT_LEVEL:
                condition |= _match(model, district_paths, grant.region_id, scope.many)
            else:
                condition |= _match_in(model, district_paths, covered_district_ids(grant), scope.many)
        elif grant.role == Role.TOWN_OFFICIAL:
            if town_paths:
                condition |= _match(model, town_paths, grant.region_id, scope.many)
            elif scope.district_wide:
                condition |= _match(model, district_paths, grant.region.parent_id, scope.many)
        elif grant.role == Role.OPERATOR:
            if facility_paths:
                condition |= _match(model, facility_paths, grant.facility_id, scope.many)
            elif scope.district_wide:
                condition |= _match(model, district_paths, grant.facility.district_id, scope.many)
        if scope.extra is not None:
            extra = scope.extra(grant, Action(action))
            if extra is not None:
                condition |= extra
    return condition if scope.live is None else condition & scope.live


def for_user(user, action: Action | str = Action.VIEW, queryset: QuerySet | type[models.Model] | None = None):
    """The rows of `queryset` (or of a model) that the user may see or act on with `action`."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    condition = scope_q(user, action, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def can(user, action: Action | str, obj) -> bool:
    """May the user perform `action` on this saved object?"""
    if obj is None or obj.pk is None:
        return False
    if unrestricted(user):
        return True
    return for_user(user, action, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def object_or_404(
    user, queryset: QuerySet | type[models.Model], action: Action | str = Action.VIEW, **lookup
):
    """One object within the user's scope; anything else — missing, malformed id, out of scope — is 404."""
    try:
        return for_user(user, action, queryset).get(**lookup)
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        raise Http404 from None


class ScopedQuerySet(QuerySet):
    """`Model.objects.for_user(user, action)` for every model that declares a `scope`."""

    def for_user(self, user, action: Action | str = Action.VIEW):
        return for_user(user, action, self)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
