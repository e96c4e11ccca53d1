"""Writes of planning settings; permission checked through facilities.permissions."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from facilities.permissions import Role, district_ids, has_role
from facilities.services import NotAllowed
from planning.models import DemandAssumption
from targets.models import Region


def can_manage_district(user, district: Region) -> bool:
    return user.is_superuser or (
        has_role(user, Role.DISTRICT_OFFICIAL) and district.pk in district_ids(user, Role.DISTRICT_OFFICIAL)
    )


@transaction.atomic
def demand_set(*, user, district: Region, percent: Decimal, note: str = "") -> DemandAssumption:
    if not can_manage_district(user, district):
        raise NotAllowed(_("只有本区卫健委可以设置需求测算参数。"))
    assumption, _created = DemandAssumption.objects.update_or_create(
        district=district,
        defaults={"enrolment_wish_percent": percent, "note": note.strip(), "updated_by": user},
    )
    return assumption
