"""Writes of a district's own rule settings (the rules page, /registry/rules/).

National rules (RuleSetting rows without a district, and every key outside `RuleSetting.DISTRICT_KEYS`) are
changed by superusers in the admin only. A district-level key may get a row of a district, written here by
an official who manages that district (core.access, Action.MANAGE); clearing it returns the district to the
national starting value. Every write is kept by the rule table's history (pghistory) and checks the version
the form showed (core.models.Versioned). The value takes effect at once: `facilities.rules.load_rules` reads
it on the next request."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.access import Action
from core.errors import NotAllowed, ServiceError
from core.versioning import StaleVersion
from facilities.models import RuleSetting
from targets.models import Region

# The values a district may choose, per district-level key: (lowest, highest, whole numbers only).
LIMITS: dict[str, tuple[Decimal, Decimal, bool]] = {
    RuleSetting.Key.LEASE_WARNING_DAYS: (Decimal(0), Decimal(365), True),
}


def rule_districts(user):
    """Districts whose own settings `user` may change: where they are a district official (through a city
    grant too); every district for a superuser."""
    return Region.objects.districts().for_user(user, Action.MANAGE)


def _managed(user, district: Region) -> None:
    if not rule_districts(user).filter(pk=district.pk).exists():
        raise NotAllowed(_("您不能设定该区县的规则。"))


def _district_key(key: str) -> None:
    if key not in RuleSetting.DISTRICT_KEYS:
        raise NotAllowed(_("全国统一的规则只能由系统管理员修改。"))


@transaction.atomic
def district_rule_set(
    *, user, district: Region, key: str, value: Decimal, note: str = "", version: int | None = None
) -> RuleSetting:
    """Set the district's own value of a district-level key. `version` is the version of the district's row
    the form showed (None when it showed no row of the district): a row changed or created meanwhile is
    refused (StaleVersion), nothing is written."""
    _district_key(key)
    _managed(user, district)
    low, high, whole = LIMITS[key]
    if value is None or not low <= value <= high or (whole and value != value.to_integral_value()):
        message = _("数值须为 %(low)s 到 %(high)s 之间的%(kind)s。") % {
            "low": low,
            "high": high,
            "kind": _("整数") if whole else _("数"),
        }
        raise ServiceError(message, {"value": [message]})
    row = RuleSetting.objects.select_for_update().filter(district=district, key=key).first()
    if row is None:
        if version is not None:
            raise ServiceError(_("该区的设定已被他人清除，请刷新页面后再试。"))
        row = RuleSetting(district=district, key=key, value=value, note=note.strip()[:255])
    else:
        if version is None or row.version != version:
            raise StaleVersion(row, version or 0)
        row.value, row.note = value, note.strip()[:255]
    try:
        row.full_clean(exclude=["source"])
        row.save()
    except IntegrityError as exc:  # a row of the district created at the same moment
        raise ServiceError(_("该区县已设定这项规则，请刷新页面后再试。")) from exc
    return row


@transaction.atomic
def district_rule_clear(*, user, district: Region, key: str, version: int) -> bool:
    """Remove the district's own value: the national starting value applies again. False when there was
    none."""
    _district_key(key)
    _managed(user, district)
    row = RuleSetting.objects.select_for_update().filter(district=district, key=key).first()
    if row is None:
        return False
    if row.version != version:
        raise StaleVersion(row, version)
    row.delete()
    return True
