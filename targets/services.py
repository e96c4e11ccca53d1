"""Writes of targets' data. Every write of a slot target goes through `slot_target_set`; the annex import
(targets.importers) calls it, and so should any other writer.

Who may write a district's targets is decided by the caller's scoping (core.access: `Action.MANAGE` on the
district), not here: the import job checks it before the file is read. These functions validate the row
(`full_clean`: the model's checks and constraints, with their readable messages) and write it in one
transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.access import Action, can
from core.errors import NotAllowed, ServiceError, validated
from targets.models import PopulationStat, Region, SlotTarget, SourceDocument


@transaction.atomic
def slot_target_set(
    *,
    town: Region,
    year: int,
    level: str,
    total_slots: int,
    inclusive_slots: int,
    source: SourceDocument,
    target: SlotTarget | None = None,
) -> SlotTarget:
    """The town's target for (year, level): created, or changed to these figures and this source. `target` is
    a saved row to change instead, for the admin, whose form may also change its town, year or level."""
    if target is not None and target.pk is not None:
        row = SlotTarget.objects.select_for_update().get(pk=target.pk)
    else:
        # ordered by pk alone: the model's ordering joins the town's nullable parent, which FOR UPDATE refuses
        rows = SlotTarget.objects.select_for_update().filter(town=town, year=year, level=level)
        row = rows.order_by("pk").first() or SlotTarget()
    row.town, row.year, row.level = town, year, level
    row.total_slots, row.inclusive_slots, row.source = total_slots, inclusive_slots, source
    row.full_clean()
    if row.pk is None:
        row.save()
    else:
        row.save(
            update_fields=["town", "year", "level", "total_slots", "inclusive_slots", "source", "updated_at"]
        )
    return row


def import_source_key(district: Region) -> str:
    return f"import-{district.code}"


def import_source_title(district: Region) -> str:
    return _("导入的托位目标（%(district)s）") % {"district": district.name}


@transaction.atomic
def import_source_get_or_create(*, district: Region) -> SourceDocument:
    """The source document that imported targets of `district` are filed under when no source was chosen."""
    source, _created = SourceDocument.objects.get_or_create(
        key=import_source_key(district),
        defaults={
            "title": import_source_title(district),
            "status": SourceDocument.Status.FINAL,
            "region": district,
            "notes": _("由托位目标导入自动创建：导入时未选择来源文件的目标记在此文件下。"),
        },
    )
    return source


# ---------------------------------------------------------------- population entered on the portal's pages


def population_district(region: Region) -> Region | None:
    """The district a population row belongs to: the region itself, or a town's district."""
    if region.level == Region.Level.DISTRICT:
        return region
    if region.level == Region.Level.TOWN:
        return region.parent
    return None


def _check_manage(user, region: Region) -> Region:
    district = population_district(region)
    if district is None or not can(user, Action.MANAGE, district):
        raise NotAllowed(_("只有本区卫健委可以录入本区及其镇街的人口数据。"))
    return district


@transaction.atomic
def population_source_create(
    *, user, district: Region, title: str, issuer: str = "", issued_on=None
) -> SourceDocument:
    """A source document an official names while entering population (e.g. “大兴区2024年国民经济和社会发展
    统计公报”), filed under the district so that the figure keeps naming where it came from. The same title
    and issuer of the same district give the same document."""
    _check_manage(user, district)
    title, issuer = title.strip(), issuer.strip()
    if not title:
        raise ServiceError(_("请填写来源文件的标题。"), {"source_title": [_("请填写来源文件的标题。")]})
    existing = SourceDocument.objects.filter(region=district, title=title, issuer=issuer).first()
    if existing is not None:
        return existing
    prefix = f"entered-population-{district.code}"
    number = SourceDocument.objects.filter(key__startswith=prefix).count() + 1
    while SourceDocument.objects.filter(key=f"{prefix}-{number}").exists():
        number += 1
    source = SourceDocument(
        key=f"{prefix}-{number}",
        title=title,
        issuer=issuer,
        issued_on=issued_on,
        status=SourceDocument.Status.FINAL,
        region=district,
        notes=_("区级管理员录入人口数据时登记的来源文件。"),
    )
    validated(source)
    source.save()
    return source


POPULATION_FIELDS = (
    "resident_population",
    "births",
    "infants_under_3",
    "women_childbearing_age",
    "avg_monthly_household_disposable_income",
    "scope_note",
)


@transaction.atomic
def population_save(
    *,
    user,
    region: Region,
    year: int,
    source: SourceDocument,
    values: dict,
    row: PopulationStat | None = None,
    version: int | None = None,
) -> PopulationStat:
    """A district's or town's population for a year: created, or `row` changed from the `version` the user
    read (a stale version is refused by core.models.Versioned and nothing is written). Only the district's
    officials (`Action.MANAGE` on it) write; the history of every change is kept (pghistory)."""
    _check_manage(user, region)
    if row is None or row.pk is None:
        row = PopulationStat(region=region, year=year)
    else:
        row = PopulationStat.objects.select_for_update().get(pk=row.pk)
        _check_manage(user, row.region)
        if version is not None:
            row.version = version
        row.region, row.year = region, year
    for name in POPULATION_FIELDS:
        if name in values:
            value = values[name]
            setattr(row, name, (value or "") if name == "scope_note" else value)
    row.source = source
    validated(row)
    row.save()
    return row
