"""Who sees which subsidy records — composed only from facilities.permissions, the one scoping module.

records hanging off a facility   applications, ledger entries: `related_for` (operators their own
                                 facilities, town officials their town, district officials and API
                                 clients their districts, superusers all)
district-level records           funds, aggregate disbursements: the districts whose dashboards the user
                                 may open (`dashboard_districts`)
projects                         those districts, plus a town official's own town (`dashboard_towns`)
programs                         what the user may read or apply for: their dashboard districts, their
                                 towns' districts and the districts of the facilities they may view
deciding and paying              `can(user, REVIEW, facility)` — district officials and superusers — and
                                 never the facility's own operator
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from facilities.models import Facility
from facilities.permissions import (
    Action,
    can,
    dashboard_districts,
    dashboard_towns,
    facilities_for,
    facility_ids,
    is_operator_of,
    related_for,
)
from subsidies.models import AggregateDisbursement, Application, Fund, LedgerEntry, Program, Project


def funds_for(user) -> QuerySet[Fund]:
    return Fund.objects.filter(district__in=dashboard_districts(user))


def aggregates_for(user) -> QuerySet[AggregateDisbursement]:
    return AggregateDisbursement.objects.filter(district__in=dashboard_districts(user))


def programs_for(user) -> QuerySet[Program]:
    return Program.objects.filter(
        Q(district__in=dashboard_districts(user))
        | Q(district__in=dashboard_towns(user).values("parent"))
        | Q(district__in=facilities_for(user, Action.VIEW).values("district"))
    )


def applications_for(user, action: Action | str = Action.VIEW) -> QuerySet[Application]:
    return related_for(user, Application.objects.all(), action)


def ledger_for(user) -> QuerySet[LedgerEntry]:
    return related_for(user, LedgerEntry.objects.all(), Action.VIEW)


def projects_for(user) -> QuerySet[Project]:
    return Project.objects.filter(
        Q(district__in=dashboard_districts(user)) | Q(town__in=dashboard_towns(user))
    )


def has_district_scope(user) -> bool:
    return dashboard_districts(user).exists()


def may_decide(user, facility: Facility) -> bool:
    """Approve, reduce, reject, pay and reverse: reviewers of the facility's district, never its operator."""
    return can(user, Action.REVIEW, facility) and not is_operator_of(user, facility)


def may_apply(user, facility: Facility) -> bool:
    """Operators apply for their own facilities (superusers may file on an operator's behalf)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return is_operator_of(user, facility) and can(user, Action.EDIT, facility)


def facilities_to_apply_for(user) -> QuerySet[Facility]:
    """The facilities whose applications the user may file: an operator's own (superusers: all real ones)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Facility.objects.official()
    return facilities_for(user, Action.EDIT, Facility.objects.official()).filter(pk__in=facility_ids(user))
