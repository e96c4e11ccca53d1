"""Writes of construction projects and their milestones, for the portal's pages (the admin had been the only
way). Only a district's officials write its projects (`Action.MANAGE` on the district, core.access); each
write validates the row (`full_clean`: the model's checks with their readable messages), checks the version
the user read (core.models.Versioned: a stale save is refused, nothing written) and keeps the history
(pghistory)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import Action, can
from core.errors import NotAllowed, ServiceError, validated
from subsidies.models import Fund, Milestone, Project
from targets.models import Region

PROJECT_FIELDS = (
    "kind",
    "name",
    "town",
    "investment",
    "investment_comparator",
    "area_m2",
    "area_comparator",
    "planned_slots",
    "facility",
    "notes",
    "source",
)


def can_manage_projects(user, district: Region) -> bool:
    return can(user, Action.MANAGE, district)


def _check(user, district: Region) -> None:
    if district is None or not can_manage_projects(user, district):
        raise NotAllowed(_("只有本区卫健委可以登记和修改建设项目。"))


@transaction.atomic
def project_save(
    *,
    user,
    district: Region,
    values: dict,
    funds: list[Fund] | None = None,
    project: Project | None = None,
    version: int | None = None,
) -> Project:
    """A district's project, created or changed from the `version` the user read. A project stays in its
    district; its funds must be the district's own."""
    _check(user, district)
    if project is None or project.pk is None:
        project = Project(district=district)
    else:
        project = Project.objects.select_for_update().get(pk=project.pk)
        _check(user, project.district)
        if project.district_id != district.pk:
            raise NotAllowed(_("建设项目不能移到其他区县。"))
        if version is not None:
            project.version = version
    for name in PROJECT_FIELDS:
        if name in values:
            value = values[name]
            setattr(project, name, "" if value is None and name == "notes" else value)
    if funds is not None and any(fund.district_id != district.pk for fund in funds):
        raise ServiceError(_("资金来源须为本区的资金。"), {"funds": [_("资金来源须为本区的资金。")]})
    validated(project)
    project.save()
    if funds is not None:
        project.funds.set(funds)
    return project


@transaction.atomic
def milestone_save(
    *,
    user,
    project: Project,
    stage: str,
    done: bool | None,
    planned_date: datetime.date | None,
    actual_date: datetime.date | None,
    note: str = "",
    version: int | None = None,
) -> Milestone:
    """The project's milestone for `stage` (one per stage), created or changed from the `version` read. An
    actual date means the stage is done; an actual date in the future is refused."""
    _check(user, project.district)
    if actual_date is not None and actual_date > timezone.localdate():
        raise ServiceError(_("实际日期不能晚于今天。"), {"actual_date": [_("实际日期不能晚于今天。")]})
    milestone = (
        Milestone.objects.select_for_update().filter(project=project, stage=stage).order_by("pk").first()
    )
    if milestone is None:
        milestone = Milestone(project=project, stage=stage)
    elif version is not None:
        milestone.version = version
    if actual_date is not None and done is None:
        done = True
    milestone.done, milestone.planned_date, milestone.actual_date = done, planned_date, actual_date
    milestone.note = note.strip()
    validated(milestone)
    milestone.save()
    return milestone
