"""The service circle's tables, built from coverage.selectors' results: the page's table view and the .xlsx
export show the same rows. Shares are fractions (core.tables writes them ×100 under "（%）" headers)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tables import Col, Column, ObjectTable, Table
from coverage.types import AreaCoverage, CommunityCoverage, DistrictCoverage, FacilityPoint


def _covered(value: bool | None) -> str:
    if value is None:
        return _("未定位")
    return _("是") if value else _("否")


def _area_columns(first: str) -> list[Col]:
    return [
        Col(first, "text", 16),
        Col(_("社区数")),
        Col(_("已定位")),
        Col(_("常住人口")),
        Col(_("3岁以下婴幼儿")),
        Col(_("普惠覆盖人口")),
        Col(_("人口普惠覆盖率"), "percent"),
        Col(_("普惠覆盖婴幼儿")),
        Col(_("婴幼儿普惠覆盖率"), "percent"),
        Col(_("人口覆盖率（任一机构）"), "percent"),
        Col(_("婴幼儿覆盖率（任一机构）"), "percent"),
        Col(_("可达性（2SFCA，托位/婴幼儿）"), "decimal", 14),
    ]


def _area_row(area: AreaCoverage) -> list:
    return [
        area.name,
        area.communities_count,
        area.located_count,
        area.population,
        area.infants,
        area.population_covered_inclusive,
        area.share_population_inclusive,
        area.infants_covered_inclusive,
        area.share_infants_inclusive,
        area.share_population_any,
        area.share_infants_any,
        area.mean_access,
    ]


def towns_table(coverage: DistrictCoverage) -> Table:
    footer = _area_row(coverage.totals)
    footer[0] = _("合计")
    return Table(
        key="towns",
        title=_("各镇街覆盖情况"),
        columns=_area_columns(_("镇街")),
        rows=[_area_row(town) for town in coverage.towns],
        footer=footer,
    )


def _community_columns() -> list[Col]:
    return [
        Col(_("社区"), "text", 18),
        Col(_("代码"), "text", 14),
        Col(_("镇街"), "text", 14),
        Col(_("常住人口")),
        Col(_("3岁以下婴幼儿")),
        Col(_("普惠机构覆盖"), "text", 10),
        Col(_("任一机构覆盖"), "text", 10),
        Col(_("可达性（2SFCA）"), "decimal"),
        Col(_("经度"), "number", 12),
        Col(_("纬度"), "number", 12),
    ]


def _community_row(row: CommunityCoverage) -> list:
    return [
        row.name,
        row.code,
        row.town_name,
        row.population,
        row.infants,
        _covered(row.covered_inclusive),
        _covered(row.covered_any),
        row.access,
        row.longitude,
        row.latitude,
    ]


def communities_table(coverage: DistrictCoverage) -> Table:
    return Table(
        key="communities",
        title=_("各社区覆盖情况"),
        columns=_community_columns(),
        rows=[_community_row(row) for row in coverage.communities],
        row_classes=[
            "table-warning" if row.covered_inclusive is None else "" for row in coverage.communities
        ],
    )


def uncovered_table(coverage: DistrictCoverage) -> Table:
    return Table(
        key="uncovered",
        title=_("未被普惠机构覆盖的社区（按婴幼儿数排序）"),
        columns=_community_columns(),
        rows=[_community_row(row) for row in coverage.uncovered],
    )


def _facility_columns() -> list[Col]:
    return [
        Col(_("机构"), "text", 24),
        Col(_("普惠"), "text", 8),
        Col(_("托位数")),
        Col(_("普惠托位数")),
        Col(_("经度"), "number", 12),
        Col(_("纬度"), "number", 12),
    ]


def _facility_row(point: FacilityPoint) -> list:
    if point.hypothetical:
        kind = _("拟新增")
    elif point.converted:
        kind = _("拟转普惠")
    else:
        kind = _("是") if point.inclusive else _("否")
    return [point.name, kind, point.slots, point.inclusive_slots, point.longitude, point.latitude]


def facilities_table(coverage: DistrictCoverage) -> Table:
    points = coverage.facilities
    return Table(
        key="facilities",
        title=_("已定位的机构"),
        columns=_facility_columns(),
        rows=[_facility_row(p) for p in points],
        links=[reverse("registry:detail", args=[p.id]) if p.id else None for p in points],
    )


def unlocated_table(coverage: DistrictCoverage) -> Table:
    points = coverage.unlocated
    return Table(
        key="unlocated",
        title=_("未定位的机构（不计入覆盖）"),
        columns=_facility_columns()[:4],
        rows=[_facility_row(p)[:4] for p in points],
        links=[reverse("registry:edit", args=[p.id]) if p.id else None for p in points],
    )


def coverage_tables(coverage: DistrictCoverage) -> dict[str, Table]:
    """Every table of the page (what `?export=all` downloads), by key."""
    tables = [
        towns_table(coverage),
        uncovered_table(coverage),
        communities_table(coverage),
        facilities_table(coverage),
        unlocated_table(coverage),
    ]
    return {table.key: table for table in tables}


def comparison_table(before: DistrictCoverage, after: DistrictCoverage) -> Table:
    """A scenario's effect per town: the shares covered by inclusive facilities and the mean 2SFCA score,
    before and after, side by side."""
    after_by_code = {town.code: town for town in after.towns}
    pairs = [(town, after_by_code.get(town.code)) for town in before.towns]
    pairs.append((before.totals, after.totals))
    rows = []
    for old, new in pairs:
        rows.append(
            [
                old.name,
                old.infants,
                old.share_population_inclusive,
                new.share_population_inclusive if new else None,
                old.share_infants_inclusive,
                new.share_infants_inclusive if new else None,
                old.mean_access,
                new.mean_access if new else None,
            ]
        )
    footer = rows.pop()
    footer[0] = _("合计")
    return Table(
        key="comparison",
        title=_("方案前后对比（各镇街）"),
        columns=[
            Col(_("镇街"), "text", 16),
            Col(_("3岁以下婴幼儿")),
            Col(_("人口普惠覆盖率（现状）"), "percent"),
            Col(_("人口普惠覆盖率（方案）"), "percent"),
            Col(_("婴幼儿普惠覆盖率（现状）"), "percent"),
            Col(_("婴幼儿普惠覆盖率（方案）"), "percent"),
            Col(_("可达性（现状）"), "decimal"),
            Col(_("可达性（方案）"), "decimal"),
        ],
        rows=rows,
        footer=footer,
        row_classes=[
            "table-success"
            if (new_row[3] or 0) > (new_row[2] or 0) or (new_row[5] or 0) > (new_row[4] or 0)
            else ""
            for new_row in rows
        ],
    )


class CommunityTable(ObjectTable):
    """The communities list (page and export): residents, infants and the point, as stored."""

    key = "communities"
    title = gettext_lazy("社区")

    def get_columns(self):
        return [
            Column(_("社区"), "text", 18, fields=("name",)),
            Column(_("代码"), "text", 14, fields=("code",)),
            Column(_("镇街"), "text", 14, fields=("town__name",)),
            Column(_("常住人口"), fields=("population",)),
            Column(_("3岁以下婴幼儿"), fields=("infants_under_3",)),
            Column(_("经度"), "number", 12, fields=("longitude",)),
            Column(_("纬度"), "number", 12, fields=("latitude",)),
            Column(_("数据来源"), "text", 20, fields=("source_note",), value=lambda v: v or None),
        ]

    def row_class(self, obj):
        return "" if obj.located else "table-warning"
