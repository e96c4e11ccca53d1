"""Writes of planning settings. Who may change a district's settings is core.access's rule (`Action.MANAGE` on
the district: its district officials and superusers)."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.access import Action, can
from core.errors import NotAllowed, validated
from planning.models import DemandAssumption, DemandScenario
from targets.models import Region


def can_manage_district(user, district: Region) -> bool:
    """May the user change the district's planning settings and import its data?"""
    return can(user, Action.MANAGE, district)


@transaction.atomic
def demand_set(
    *,
    user,
    district: Region,
    percent: Decimal,
    note: str = "",
    assumption: DemandAssumption | None = None,
) -> DemandAssumption:
    """Set the district's demand assumption (one per district). `assumption` is a saved row to change instead
    of the district's own, for the admin, whose form may move a row to another district."""
    if not can_manage_district(user, district):
        raise NotAllowed(_("只有本区卫健委可以设置需求测算参数。"))
    if assumption is None or assumption.pk is None:
        assumption, _created = DemandAssumption.objects.update_or_create(
            district=district,
            defaults={"enrolment_wish_percent": percent, "note": note.strip(), "updated_by": user},
        )
        return assumption
    row = DemandAssumption.objects.select_for_update().select_related("district").get(pk=assumption.pk)
    if row.district_id != district.pk and not can_manage_district(user, row.district):
        raise NotAllowed(_("只有本区卫健委可以设置需求测算参数。"))
    row.district, row.enrolment_wish_percent, row.note, row.updated_by = district, percent, note.strip(), user
    row.save()
    return row


# ---------------------------------------------------------------- demand scenarios (what-ifs)


@transaction.atomic
def scenario_save(
    *,
    user,
    district: Region,
    name: str,
    percent: Decimal,
    note: str = "",
    scenario: DemandScenario | None = None,
    version: int | None = None,
) -> DemandScenario:
    """A named what-if of the district, created or changed (from the `version` the user read). It is a row
    of its own: the district's adopted setting (DemandAssumption) is never touched."""
    if not can_manage_district(user, district):
        raise NotAllowed(_("只有本区卫健委可以保存需求测算情景。"))
    if scenario is None or scenario.pk is None:
        scenario = DemandScenario(district=district)
    else:
        scenario = DemandScenario.objects.select_for_update().get(pk=scenario.pk)
        if scenario.district_id != district.pk:
            raise NotAllowed(_("只有本区卫健委可以保存需求测算情景。"))
        if version is not None:
            scenario.version = version
    scenario.name, scenario.enrolment_wish_percent, scenario.note = name.strip(), percent, note.strip()
    validated(scenario)
    scenario.save()
    return scenario


@transaction.atomic
def scenario_delete(*, user, scenario: DemandScenario) -> None:
    if not can_manage_district(user, scenario.district):
        raise NotAllowed(_("只有本区卫健委可以删除需求测算情景。"))
    DemandScenario.objects.filter(pk=scenario.pk).delete()
